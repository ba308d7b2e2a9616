package lock

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// SyntaxError reports malformed TOML at a position. Line and Column are
// 1-based; Column counts characters as go-toml does.
type SyntaxError struct {
	File   string
	Line   int
	Column int
	Msg    string
	Hint   string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("%s:%d:%d: %s\nhint: %s", e.File, e.Line, e.Column, e.Msg, e.Hint)
}

// FieldError reports a known field holding a value of the wrong type or an
// invalid value. Path is the dotted TOML key path, e.g.
// tool.poetry.dependencies.requests or tool.poetry.source[0].priority.
type FieldError struct {
	File string
	Path string
	Msg  string
	Hint string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("%s: %s: %s\nhint: %s", e.File, e.Path, e.Msg, e.Hint)
}

// syntaxError converts a go-toml decode error into a *SyntaxError, or wraps
// any other error.
func syntaxError(file string, err error, hint string) error {
	var de *toml.DecodeError
	if !errors.As(err, &de) {
		return fmt.Errorf("decoding %q: %w", file, err)
	}
	line, col := de.Position()
	msg := strings.TrimPrefix(de.Error(), "toml: ")
	return &SyntaxError{File: file, Line: line, Column: col, Msg: msg, Hint: hint}
}

// Supported lists the lock-version values Parse understands.
var Supported = []string{"1.0", "1.1", "1.2", "2.0", "2.1"}

// UnsupportedVersionError reports a lock-version canto cannot read.
type UnsupportedVersionError struct {
	File    string
	Version string
}

func (e *UnsupportedVersionError) Error() string {
	return fmt.Sprintf("%s: unsupported lock-version %q (canto supports %s)\n"+
		"hint: regenerate the lock with a Poetry release that writes one of those (Poetry 1.x or 2.x: \"poetry lock\"), or upgrade canto",
		e.File, e.Version, strings.Join(Supported, ", "))
}

// StaleError reports a lock whose content-hash does not match the
// dependency-relevant content of its pyproject.toml.
type StaleError struct {
	File string
	// LockHash is the lock's metadata.content-hash.
	LockHash string
	// ProjectHash is the hash computed from pyproject.toml with the scheme
	// of the Poetry release that wrote the lock.
	ProjectHash string
	// Project is the pyproject.toml file name.
	Project string
}

func (e *StaleError) Error() string {
	return fmt.Sprintf("%s: lock file is stale: its content-hash %s does not match %s (%s)\n"+
		"hint: run \"poetry lock\" (Poetry 1.x: \"poetry lock --no-update\") and commit the result",
		e.File, short(e.LockHash), e.Project, short(e.ProjectHash))
}

func short(h string) string {
	if h == "" {
		return `""`
	}
	if len(h) > 12 {
		return h[:12]
	}
	return h
}
