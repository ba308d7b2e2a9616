package plan

import (
	"fmt"
	"strings"

	"github.com/canto-build/canto/pkg/target"
)

// NoCompatibleFileError says that no file of a locked package fits the target.
type NoCompatibleFileError struct {
	Package, Version string
	Target           target.Target
	// Err names the closest wheel and why it does not fit.
	Err *target.IncompatibleError
}

func (e *NoCompatibleFileError) Error() string {
	return fmt.Sprintf("no file of %s %s fits %s: closest is %s: %s\nhint: pick a target that one of its wheels supports (see `canto plan --explain %s`), or lock a version that publishes a wheel or an sdist for it",
		e.Package, e.Version, e.Target, e.Err.Closest, reasons(e.Err), e.Package)
}

func (e *NoCompatibleFileError) Unwrap() error { return e.Err }

func reasons(inc *target.IncompatibleError) string {
	if inc.Wheels == 0 || len(inc.Mismatches) == 0 {
		return "the lock lists no wheel or sdist"
	}
	rs := make([]string, len(inc.Mismatches))
	for i, m := range inc.Mismatches {
		rs[i] = m.Reason
	}
	return strings.Join(rs, "; ")
}

// NoFilesError says that the lock lists no files for an index package.
type NoFilesError struct{ Package, Version string }

func (e *NoFilesError) Error() string {
	return fmt.Sprintf("the lock lists no files for %s %s\nhint: run \"poetry lock\" to record the package's files and hashes", e.Package, e.Version)
}

// MissingError says that a dependency is not in the lock.
type MissingError struct {
	Package, Constraint, From, LockFile string
}

func (e *MissingError) Error() string {
	what := fmt.Sprintf("%q", e.Package)
	if e.Constraint != "" && e.Constraint != "*" {
		what = fmt.Sprintf("%q with version %s", e.Package, e.Constraint)
	}
	return fmt.Sprintf("%s: %s requires %s, which is not locked\nhint: the lock does not match the project; run \"poetry lock\"", e.LockFile, e.From, what)
}

// GroupError names a dependency group the project does not have.
type GroupError struct {
	Group string
	Known []string
	File  string
}

func (e *GroupError) Error() string {
	return fmt.Sprintf("%s: no dependency group %q (groups: %s)", orPyproject(e.File), e.Group, strings.Join(e.Known, ", "))
}

// ExtraError names an extra the project does not define.
type ExtraError struct {
	Extra string
	Known []string
	File  string
}

func (e *ExtraError) Error() string {
	known := "none"
	if len(e.Known) > 0 {
		known = strings.Join(e.Known, ", ")
	}
	return fmt.Sprintf("%s: no extra %q (extras: %s)", orPyproject(e.File), e.Extra, known)
}

// PythonError says that the target's Python is outside the project's range.
type PythonError struct {
	File, Constraint, Python string
}

func (e *PythonError) Error() string {
	return fmt.Sprintf("%s: the project requires python %s, but the target has Python %s\nhint: choose a base image or --python that satisfies %s",
		orPyproject(e.File), e.Constraint, e.Python, e.Constraint)
}

func orPyproject(f string) string {
	if f == "" {
		return "pyproject.toml"
	}
	return f
}
