// Package cli is canto's command-line interface. It is the only package that
// imports cobra: each verb lives in its own file and turns flags into calls of
// plain library functions.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

// globalOptions are the flags every command shares.
type globalOptions struct {
	verbose int
	quiet   bool
	noColor bool
}

// env is what a command needs from the world around it. Tests build one
// with buffers instead of the process's streams.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	getenv func(string) string
	opts   globalOptions
}

// Main runs canto with args and returns the process exit code.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return run(ctx, args, &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: osGetenv})
}

func run(ctx context.Context, args []string, e *env) int {
	root := newRootCommand(e)
	root.SetArgs(args)
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	ui := e.ui()
	ui.errorf("%v", err)
	var ue *usageError
	if errors.As(err, &ue) {
		return 2
	}
	if ctx.Err() != nil {
		return 130
	}
	return 1
}

// usageError marks an error in how canto was called (exit code 2).
type usageError struct{ err error }

func (u *usageError) Error() string { return u.err.Error() }
func (u *usageError) Unwrap() error { return u.err }

func newRootCommand(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "canto",
		Short: "Build small, reproducible OCI images from Poetry projects",
		Long: `canto turns a Python project managed by Poetry (pyproject.toml + poetry.lock)
into a small, reproducible OCI container image, with no Docker daemon and no
Poetry or pip inside the build. It reads the lock directly, installs the right
wheel of each package for the target, and keys layers by content, so changing
one dependency rebuilds one small layer.`,
		Example: `  # Build an image onto a base and push it, with no Docker daemon
  canto build ./myapp --base python:3.11-slim-bookworm -o ghcr.io/me/myapp:latest

  # Show what would be installed for a target, and why
  canto plan ./myapp --platform linux/arm64 --python 3.12
  canto plan ./myapp --explain numpy

  # Check that every compiled extension of an image finds its shared libraries
  canto check oci:./out:myapp

  # A Dockerfile for when you must use Docker, and the comparison on your project
  canto dockerfile ./myapp --strategy recommended
  canto bench ./myapp --strategies multistage,recommended,canto`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if e.opts.quiet && e.opts.verbose > 0 {
				return &usageError{errors.New("--quiet and --verbose cannot be used together")}
			}
			return nil
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &usageError{err}
	})
	pf := root.PersistentFlags()
	pf.CountVarP(&e.opts.verbose, "verbose", "v", "show more detail on stderr (repeat for debug output)")
	pf.BoolVarP(&e.opts.quiet, "quiet", "q", false, "print only errors on stderr")
	pf.BoolVar(&e.opts.noColor, "no-color", false, "disable colored output (also set by the NO_COLOR environment variable)")

	root.AddCommand(newVersionCommand(e))
	root.AddCommand(newPlanCommand(e))
	root.AddCommand(newDockerfileCommand(e))
	root.AddCommand(newBuildCommand(e))
	root.AddCommand(newBenchCommand(e))
	root.AddCommand(newCheckCommand(e))
	return root
}

// rangeArgs checks the number of positional arguments; a wrong count is a
// usage error (exit code 2).
func rangeArgs(min, max int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		n := len(args)
		switch {
		case n >= min && n <= max:
			return nil
		case max == 0:
			return &usageError{fmt.Errorf("%s takes no arguments, got %q", cmd.CommandPath(), args)}
		case min == max:
			return &usageError{fmt.Errorf("%s takes %d argument(s), got %d", cmd.CommandPath(), min, n)}
		default:
			return &usageError{fmt.Errorf("%s takes %d to %d arguments, got %d", cmd.CommandPath(), min, max, n)}
		}
	}
}
