package dockerfile

import (
	"fmt"
	"strings"

	"github.com/canto-build/canto/pkg/lock"
	"github.com/canto-build/canto/pkg/pyproject"
)

// Strategy names one way of writing the Dockerfile.
type Strategy string

// The strategies. The first five are the classic ones compared in
// "Poetry + Docker Examples"; Recommended is canto's own best practice.
const (
	// Full is one stage on the full python image (compiler included); Poetry
	// is installed with pip and every dependency is reinstalled whenever
	// pyproject.toml or poetry.lock changes.
	Full Strategy = "full"
	// Slim is one stage on the slim image plus the compiler and -dev
	// packages that the project's source-only dependencies need.
	Slim Strategy = "slim"
	// Layered builds the virtualenv in a builder stage and copies it, at the
	// same absolute path, into a slim runtime stage.
	Layered Strategy = "layered"
	// Multistage has a production target and a development target (with the
	// development groups and Poetry) sharing one dependency stage.
	Multistage Strategy = "multistage"
	// BuildKit is Slim with BuildKit cache mounts for the pip and Poetry
	// caches.
	BuildKit Strategy = "buildkit"
	// Recommended pins Poetry, keys the dependency layer on pyproject.toml
	// and poetry.lock alone, uses cache mounts and secret mounts, installs
	// the project as a wheel last, runs as a non-root user, and leaves the
	// compiler and Poetry out of the final image.
	Recommended Strategy = "recommended"
)

// Strategies lists every strategy, in the order documentation shows them.
var Strategies = []Strategy{Full, Slim, Layered, Multistage, BuildKit, Recommended}

// Interpreter says where the base image's Python comes from, which decides
// its path, its development headers and its shared library.
type Interpreter string

const (
	// Official is the python:X.Y images' interpreter, built from source in
	// /usr/local with headers and a shared libpython.
	Official Interpreter = "official"
	// Debian is Debian's python3 package: /usr/bin/python3.X, headers in
	// python3-dev, libpython3.X in its own package, and PEP 668's
	// EXTERNALLY-MANAGED marker (so Poetry goes into a virtualenv).
	Debian Interpreter = "debian"
)

// DefaultPoetryVersion is the Poetry release the Dockerfiles pin unless told
// otherwise: Debian 12's python3-poetry, the one the offline test world can
// install. Flags newer than it (--no-directory, from 1.8) are left out.
const DefaultPoetryVersion = "1.3.2"

// DefaultPython is the CPython minor version preferred when the project's
// python constraint allows it: Debian 12's, as in python:3.11-slim-bookworm.
const DefaultPython = "3.11"

// Options is what Generate needs. Only Strategy, Project and Lock are
// required; every other field has the documented default for its zero value.
type Options struct {
	Strategy Strategy
	Project  *pyproject.Project
	Lock     *lock.Lock

	// Python is the CPython version of the image, "3.12". Default: 3.11 when
	// the project's python constraint allows it, otherwise the lowest allowed
	// minor above it, otherwise the highest allowed below it (3.8 to 3.14).
	Python string
	// Platform and Libc complete the target used to find out which
	// dependencies have no wheel and must be compiled. Defaults:
	// "linux/amd64" and "glibc-2.36" (Debian 12).
	Platform string
	Libc     string

	// Base is the image the final stage starts from. Default:
	// python:X.Y-slim-bookworm, or python:X.Y-bookworm for Full.
	Base string
	// BuilderBase is the image build stages start from. Default: Base.
	// Single-stage strategies (Full, Slim, BuildKit) use Base only.
	BuilderBase string
	// Interpreter says whose Python the base images carry. Default: Official
	// when Base names a python image (python:..., docker.io/library/python:...),
	// otherwise Debian.
	Interpreter Interpreter

	// PoetryVersion is the Poetry release to pin, "1.8.5". Default:
	// DefaultPoetryVersion. Poetry before 1.2 (no dependency groups) is not
	// supported.
	PoetryVersion string
	// IndexURL, when set, is written to /etc/pip.conf in build stages, so
	// that pip (installing Poetry) and Poetry's own sdist builds, which run
	// `pip install --isolated` and ignore PIP_INDEX_URL, use that index.
	IndexURL string

	// Cmd is the container's command. Default: the project's only console
	// script; a project with none or several needs Cmd.
	Cmd []string
	// DevGroups are the groups the development target adds to main.
	// Default: every non-optional group other than main.
	DevGroups []string

	// BuildPackages and RuntimePackages are Debian packages added to the
	// ones canto derives from the source-only dependencies (see
	// NativePackages): the former in build stages, the latter in the final
	// image.
	BuildPackages   []string
	RuntimePackages []string
}

// Result is a generated Dockerfile and its .dockerignore.
type Result struct {
	Dockerfile   []byte
	Dockerignore []byte
	// Notes are things the user should know about the result, one sentence
	// each, e.g. that a dependency is compiled from source. The CLI prints
	// them on stderr.
	Notes []string
}

// ParseStrategy returns the strategy named s.
func ParseStrategy(s string) (Strategy, error) {
	for _, st := range Strategies {
		if string(st) == s {
			return st, nil
		}
	}
	return "", &UnknownStrategyError{Name: s}
}

// UnknownStrategyError names a strategy that does not exist.
type UnknownStrategyError struct{ Name string }

func (e *UnknownStrategyError) Error() string {
	names := make([]string, len(Strategies))
	for i, s := range Strategies {
		names[i] = string(s)
	}
	return fmt.Sprintf("unknown strategy %q\nhint: choose one of %s", e.Name, strings.Join(names, ", "))
}
