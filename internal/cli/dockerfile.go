package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/canto-build/canto/pkg/dockerfile"
	"github.com/spf13/cobra"
)

type dockerfileFlags struct {
	strategy, output                      string
	python, platform, libc                string
	base, builderBase, interpreter        string
	poetryVersion, indexURL, cmd          string
	devGroups, buildPackages, runtimePkgs []string
	force                                 bool
}

func newDockerfileCommand(e *env) *cobra.Command {
	var f dockerfileFlags
	cmd := &cobra.Command{
		Use:   "dockerfile [DIR]",
		Short: "Write a Dockerfile and .dockerignore for a Poetry project, by a named strategy",
		Long: `dockerfile reads DIR/pyproject.toml and DIR/poetry.lock (DIR defaults to the
current directory) and writes a Dockerfile tailored to the project: the Python
version its constraint allows, the compiler and -dev packages for the
dependencies that have no wheel for the target (and their run-time libraries),
its console script as the command, and BuildKit secret mounts for the
credentials of its [[tool.poetry.source]] indexes.

Strategies: full, slim, layered, multistage and buildkit are the classic ways
compared in "Poetry + Docker" write-ups; recommended (the default) is canto's
best practice. See docs/dockerfile.md.

The Dockerfile goes to stdout. With -o DIR, DIR/Dockerfile and
DIR/.dockerignore are written; with -o FILE, FILE and FILE.dockerignore (which
BuildKit reads for that Dockerfile). Existing files are kept unless --force.
The Dockerfiles need BuildKit and carry no "# syntax=" line.`,
		Example: `  # Print canto's recommended Dockerfile
  canto dockerfile ./myapp

  # Write the classic multi-stage Dockerfile and its .dockerignore into the project
  canto dockerfile ./myapp --strategy multistage -o ./myapp

  # Debian's python in the base images, a local index and an explicit command
  canto dockerfile ./myapp --base canto-testworld/slim --index-url http://127.0.0.1:3141/simple/ \
      --cmd 'uwsgi --ini uwsgi.ini' -o ./myapp

  # Pin a newer Poetry (1.8 adds --no-directory to the dependency layer)
  canto dockerfile --poetry-version 1.8.5`,
		Args: rangeArgs(0, 1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := "."
			if len(args) == 1 {
				dir = args[0]
			}
			return runDockerfile(e, dir, f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.strategy, "strategy", string(dockerfile.Recommended), "how to write the Dockerfile: "+strategyNames())
	fl.StringVarP(&f.output, "output", "o", "", "write to `DIR` (Dockerfile and .dockerignore) or FILE (and FILE.dockerignore) instead of stdout")
	fl.BoolVar(&f.force, "force", false, "overwrite existing files with -o")
	fl.StringVar(&f.python, "python", "", "Python version of the image (default: 3.11 when the project allows it, else the nearest allowed)")
	fl.StringVar(&f.platform, "platform", defaultPlatform, "target platform, to find the dependencies without a wheel")
	fl.StringVar(&f.libc, "libc", defaultLibc, "target C library, to find the dependencies without a wheel")
	fl.StringVar(&f.base, "base", "", "base `IMAGE` of the final stage (default python:X.Y-slim-bookworm; python:X.Y-bookworm for full)")
	fl.StringVar(&f.builderBase, "builder-base", "", "base `IMAGE` of the build stages (default: --base)")
	fl.StringVar(&f.interpreter, "interpreter", "", "whose Python the base images carry: official or debian (default: official for python:* images)")
	fl.StringVar(&f.poetryVersion, "poetry-version", dockerfile.DefaultPoetryVersion, "Poetry `VERSION` to pin in the build stages")
	fl.StringVar(&f.indexURL, "index-url", "", "package index `URL` for pip and Poetry's sdist builds, written to /etc/pip.conf")
	fl.StringVar(&f.cmd, "cmd", "", "the container's `COMMAND`, split like a shell would (default: the project's only console script)")
	fl.StringSliceVar(&f.devGroups, "dev-groups", nil, "groups the development target adds (multistage; default: every non-optional group)")
	fl.StringSliceVar(&f.buildPackages, "build-package", nil, "extra Debian packages for the build stages")
	fl.StringSliceVar(&f.runtimePkgs, "runtime-package", nil, "extra Debian packages for the final image")
	return cmd
}

func strategyNames() string {
	names := make([]string, len(dockerfile.Strategies))
	for i, s := range dockerfile.Strategies {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}

func runDockerfile(e *env, dir string, f dockerfileFlags) error {
	strategy, err := dockerfile.ParseStrategy(f.strategy)
	if err != nil {
		return &usageError{err}
	}
	var command []string
	if f.cmd != "" {
		if command, err = splitCommand(f.cmd); err != nil {
			return &usageError{fmt.Errorf("reading --cmd: %w", err)}
		}
	}
	lp, err := loadProject(dir)
	if err != nil {
		return err
	}
	res, err := dockerfile.Generate(dockerfile.Options{
		Strategy: strategy, Project: lp.project, Lock: lp.lock,
		Python: f.python, Platform: f.platform, Libc: f.libc,
		Base: f.base, BuilderBase: f.builderBase, Interpreter: dockerfile.Interpreter(f.interpreter),
		PoetryVersion: f.poetryVersion, IndexURL: f.indexURL, Cmd: command,
		DevGroups: f.devGroups, BuildPackages: f.buildPackages, RuntimePackages: f.runtimePkgs,
	})
	if err != nil {
		return err
	}
	ui := e.ui()
	for _, n := range res.Notes {
		ui.infof("note: %s", n)
	}
	if f.output == "" {
		_, err := e.stdout.Write(res.Dockerfile)
		return err
	}
	dfPath, ignorePath := outputPaths(f.output)
	if err := os.MkdirAll(filepath.Dir(dfPath), 0o755); err != nil {
		return fmt.Errorf("writing %q: %w", dfPath, err)
	}
	if !f.force {
		for _, p := range []string{dfPath, ignorePath} {
			if _, err := os.Lstat(p); err == nil {
				return fmt.Errorf("writing %q: the file exists\nhint: pass --force to overwrite it, or print to stdout without -o", p)
			}
		}
	}
	if err := writeFileAtomic(dfPath, res.Dockerfile); err != nil {
		return err
	}
	if err := writeFileAtomic(ignorePath, res.Dockerignore); err != nil {
		return err
	}
	ui.infof("wrote %s and %s (strategy %s)", dfPath, ignorePath, strategy)
	return nil
}

// outputPaths maps -o to the Dockerfile and .dockerignore paths: a directory
// (existing, or named with a trailing slash, then created) gets Dockerfile
// and .dockerignore; a file gets FILE.dockerignore next to it, which BuildKit
// reads for that Dockerfile.
func outputPaths(out string) (dockerfilePath, ignorePath string) {
	if st, err := os.Stat(out); (err == nil && st.IsDir()) || strings.HasSuffix(out, string(filepath.Separator)) || strings.HasSuffix(out, "/") {
		return filepath.Join(out, "Dockerfile"), filepath.Join(out, ".dockerignore")
	}
	return out, out + ".dockerignore"
}

// writeFileAtomic writes data to path through a temporary file in the same
// directory, so that a reader never sees half a file.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return fmt.Errorf("writing %q: %w", path, err)
	}
	defer os.Remove(tmp.Name()) //nolint:errcheck // gone after a successful rename
	if _, err := tmp.Write(data); err != nil {
		tmp.Close() //nolint:errcheck,gosec // the write error is the one to report
		return fmt.Errorf("writing %q: %w", path, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close() //nolint:errcheck,gosec // the chmod error is the one to report
		return fmt.Errorf("writing %q: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %q: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %q: %w", path, err)
	}
	return nil
}

// splitCommand splits s into words as a POSIX shell would, without
// expansions: blanks separate words, single quotes keep everything, double
// quotes keep everything but \", \\, \$ and \`, and a backslash outside quotes
// escapes the next character.
func splitCommand(s string) ([]string, error) {
	var (
		words   []string
		cur     strings.Builder
		inWord  bool
		quote   rune
		escaped bool
		dqEsc   bool // a backslash inside double quotes
	)
	for _, r := range s {
		switch {
		case dqEsc:
			if !strings.ContainsRune("\"\\$`", r) {
				cur.WriteRune('\\')
			}
			cur.WriteRune(r)
			dqEsc = false
		case escaped:
			cur.WriteRune(r)
			escaped = false
		case quote == '\'':
			if r == '\'' {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case quote == '"':
			switch r {
			case '"':
				quote = 0
			case '\\':
				dqEsc = true
			default:
				cur.WriteRune(r)
			}
		case r == '\\':
			escaped, inWord = true, true
		case r == '\'' || r == '"':
			quote, inWord = r, true
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 || escaped || dqEsc {
		return nil, errors.New("unterminated quote or trailing backslash")
	}
	if inWord {
		words = append(words, cur.String())
	}
	if len(words) == 0 {
		return nil, errors.New("the command is empty")
	}
	return words, nil
}
