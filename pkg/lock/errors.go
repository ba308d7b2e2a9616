package lock

import (
	"fmt"
	"strings"

	"github.com/canto-build/canto/internal/tomltree"
)

// SyntaxError reports malformed TOML at a position: file:line:column.
type SyntaxError = tomltree.SyntaxError

// FieldError reports a known field holding a value of the wrong type or an
// invalid value, with its dotted key path.
type FieldError = tomltree.FieldError

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
