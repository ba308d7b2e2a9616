package projectwheel

import "fmt"

// NotAPackageError reports a project with tool.poetry.package-mode = false:
// it has no wheel, and callers skip the project layer's wheel.
type NotAPackageError struct {
	// File is the pyproject.toml the project came from.
	File string
}

func (e *NotAPackageError) Error() string {
	return fmt.Sprintf("%s: tool.poetry.package-mode is false: the project is not a package and has no wheel", e.File)
}

// UnsupportedError reports a project whose wheel canto cannot build itself:
// another build backend, a build script, or compiled sources. Callers build
// such projects from their sdist in the build sandbox instead.
type UnsupportedError struct {
	File string
	// Reason says what needs a real build backend, naming the field or file.
	Reason string
}

func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("%s: %s, which canto does not pack itself", e.File, e.Reason)
}

// ConfigError reports a project configuration that cannot be packed: a
// missing package, an include that matches nothing, an unimportable module
// name, an unreadable readme. Field is the TOML key path or file at fault.
type ConfigError struct {
	File  string
	Field string
	Msg   string
	Hint  string
}

func (e *ConfigError) Error() string {
	s := fmt.Sprintf("%s: %s: %s", e.File, e.Field, e.Msg)
	if e.Hint != "" {
		s += "\nhint: " + e.Hint
	}
	return s
}
