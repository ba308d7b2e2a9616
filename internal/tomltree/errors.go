package tomltree

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
func NewSyntaxError(file string, err error, hint string) error {
	var de *toml.DecodeError
	if !errors.As(err, &de) {
		return fmt.Errorf("decoding %q: %w", file, err)
	}
	line, col := de.Position()
	msg := strings.TrimPrefix(de.Error(), "toml: ")
	return &SyntaxError{File: file, Line: line, Column: col, Msg: msg, Hint: hint}
}
