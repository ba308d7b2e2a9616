package config

import (
	"bytes"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/canto-build/canto/pkg/pyproject"
	"github.com/pelletier/go-toml/v2"
)

// DefaultVenv is where canto puts the virtual environment in the image.
const DefaultVenv = "/opt/venv"

// DefaultUser is the non-root user images run as unless told otherwise: the
// uid and gid distroless and ko use for "nonroot".
const DefaultUser = "65532:65532"

// Config is [tool.canto]. Every field is optional; the zero value means
// "canto's default" (see each field), and a flag of the same name wins.
type Config struct {
	// Base is the base image, in containers-transports(5) form (--base).
	Base string `toml:"base"`
	// Platform is the OCI platform to build for (--platform).
	Platform string `toml:"platform"`
	// Venv is the virtual environment's path in the image (--venv;
	// default /opt/venv).
	Venv string `toml:"venv"`
	// Entrypoint and Cmd of the image. By default the entrypoint is the
	// project's only console script, if it has exactly one.
	Entrypoint []string `toml:"entrypoint"`
	Cmd        []string `toml:"cmd"`
	// User the image runs as (default 65532:65532); "root" or "0" allowed.
	User string `toml:"user"`
	// WorkingDir of the image (default: the base's, or /).
	WorkingDir string `toml:"workdir"`
	// Ports to expose, as "8000" or "8000/tcp".
	Ports []string `toml:"ports"`
	// Env adds environment variables.
	Env map[string]string `toml:"env"`
	// Labels add image labels.
	Labels map[string]string `toml:"labels"`
	// Groups: Poetry's --only, --with and --without; Extras and AllExtras.
	Only      []string `toml:"only"`
	With      []string `toml:"with"`
	Without   []string `toml:"without"`
	Extras    []string `toml:"extras"`
	AllExtras bool     `toml:"all-extras"`
	// Builder is the image that builds sdists (default: the base).
	Builder string `toml:"builder"`
	// Outputs are where `canto build` writes the image when no -o is given.
	Outputs []string `toml:"outputs"`
	// CacheRepo is a registry repository that shares the wheels built from
	// sdists between machines, such as ghcr.io/acme/canto-wheels
	// (--cache-repo; default none).
	CacheRepo string `toml:"cache-repo"`
	// CompileBytecode compiles the venv's Python sources to .pyc files at
	// build time, with the base's own interpreter (--compile-bytecode;
	// default false).
	CompileBytecode bool `toml:"compile-bytecode"`
}

// FromProject decodes a project's [tool.canto] table strictly: an unknown
// key or a value of the wrong type is an error naming the key.
func FromProject(p *pyproject.Project) (Config, error) {
	var c Config
	if p.Canto == nil {
		return c, nil
	}
	raw, err := toml.Marshal(p.Canto)
	if err != nil {
		return c, fmt.Errorf("%s: reading [tool.canto]: %w", p.File, err)
	}
	dec := toml.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		var sme *toml.StrictMissingError
		if errors.As(err, &sme) {
			var keys []string
			for _, e := range sme.Errors {
				keys = append(keys, strings.Join(e.Key(), "."))
			}
			sort.Strings(keys)
			return c, fmt.Errorf("%s: [tool.canto] has unknown key %s\nhint: the known keys are %s", p.File, strings.Join(keys, ", "), strings.Join(Keys(), ", "))
		}
		var de *toml.DecodeError
		if errors.As(err, &de) {
			return c, fmt.Errorf("%s: [tool.canto] %s: %s", p.File, strings.Join(de.Key(), "."), de.Error())
		}
		return c, fmt.Errorf("%s: [tool.canto]: %w", p.File, err)
	}
	if err := c.Validate(); err != nil {
		return c, fmt.Errorf("%s: [tool.canto] %w", p.File, err)
	}
	return c, nil
}

// Validate checks values that TOML types alone do not.
func (c Config) Validate() error {
	if c.Venv != "" && (!path.IsAbs(c.Venv) || path.Clean(c.Venv) != c.Venv || c.Venv == "/") {
		return fmt.Errorf("venv %q: must be a clean absolute path other than /", c.Venv)
	}
	if c.WorkingDir != "" && !path.IsAbs(c.WorkingDir) {
		return fmt.Errorf("workdir %q: must be an absolute path", c.WorkingDir)
	}
	if len(c.Only) > 0 && (len(c.With) > 0 || len(c.Without) > 0) {
		return errors.New("only cannot be combined with with or without")
	}
	return nil
}

// Keys lists the keys [tool.canto] accepts.
func Keys() []string {
	return []string{"all-extras", "base", "builder", "cache-repo", "cmd", "compile-bytecode", "entrypoint", "env", "extras", "labels", "only", "outputs", "platform", "ports", "user", "venv", "with", "without", "workdir"}
}
