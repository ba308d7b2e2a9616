package sandbox

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"
)

// initEnv marks a re-executed binary as the sandbox's init process; Init
// takes over the process when it is set.
const initEnv = "CANTO_SANDBOX_INIT"

// DefaultHostname is the sandbox's host name when Spec.Hostname is empty.
const DefaultHostname = "canto-sandbox"

// DefaultEnv is the environment of the command when Spec.Env is nil.
var DefaultEnv = []string{
	"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
	"HOME=/tmp",
	"TMPDIR=/tmp",
	"LANG=C.UTF-8",
}

// Spec describes one command to run in a sandbox.
type Spec struct {
	// RootFS is an unpacked root filesystem on the host. The sandbox sees it
	// read-only as "/", with its own /proc, a minimal /dev, an empty /sys and
	// a fresh tmpfs on /tmp. Required.
	RootFS string
	// Binds are host paths made visible inside the sandbox, in order. A
	// Target must already exist in RootFS or have a parent that the sandbox
	// can create it in (a top-level directory, or a directory under /tmp or
	// under an earlier bind).
	Binds []Bind
	// Args is the command and its arguments. A command without a slash is
	// looked up in the PATH of Env inside the sandbox. Required.
	Args []string
	// Env is the command's whole environment; nil means DefaultEnv.
	Env []string
	// Dir is the working directory inside the sandbox; empty means "/".
	Dir string
	// Stdout and Stderr receive the command's output; nil discards it.
	// The command's stdin is always empty.
	Stdout, Stderr io.Writer
	// Network keeps the host's network. The default (false) gives the
	// sandbox a new network namespace with only a loopback interface.
	Network bool
	// Hostname is the sandbox's host name; empty means DefaultHostname.
	Hostname string
}

// Bind makes the host path Source visible at Target inside the sandbox.
type Bind struct {
	Source, Target string
	// Writable lets the sandbox write to Source; binds are read-only by
	// default.
	Writable bool
}

// Result is the outcome of a command that ran.
type Result struct {
	// ExitCode is the command's exit status, or 128+N when signal N
	// killed it.
	ExitCode int
	// Duration is the wall time from starting the sandbox to the exit.
	Duration time.Duration
}

// UnsupportedError says the kernel or its configuration refuses a feature
// the sandbox needs. Callers may branch on it (errors.As) to fall back or
// to explain the setup to the user.
type UnsupportedError struct {
	// Feature is what is missing, such as "user namespaces" or
	// "network namespaces".
	Feature string
	// Err is the underlying error, when there is one.
	Err error
	// Hint says how to enable the feature.
	Hint string
}

func (e *UnsupportedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "sandbox unsupported: %s", e.Feature)
	if e.Err != nil {
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	if e.Hint != "" {
		fmt.Fprintf(&b, "\nhint: %s", e.Hint)
	}
	return b.String()
}

func (e *UnsupportedError) Unwrap() error { return e.Err }

// validate checks a Spec before anything is started.
func (s *Spec) validate() error {
	if s.RootFS == "" {
		return errors.New("no root filesystem given")
	}
	if !filepath.IsAbs(s.RootFS) {
		return fmt.Errorf("root filesystem %q is not an absolute path", s.RootFS)
	}
	if len(s.Args) == 0 || s.Args[0] == "" {
		return errors.New("no command given")
	}
	if s.Dir != "" && !isCleanAbs(s.Dir) {
		return fmt.Errorf("working directory %q is not a clean absolute path", s.Dir)
	}
	for _, b := range s.Binds {
		if !filepath.IsAbs(b.Source) {
			return fmt.Errorf("bind source %q is not an absolute path", b.Source)
		}
		if !isCleanAbs(b.Target) || b.Target == "/" {
			return fmt.Errorf("bind target %q is not a clean absolute path below /", b.Target)
		}
		switch top := strings.SplitN(b.Target[1:], "/", 2)[0]; top {
		case "proc", "dev", "sys":
			return fmt.Errorf("bind target %q is inside the sandbox's own /%s", b.Target, top)
		}
	}
	return nil
}

func isCleanAbs(p string) bool {
	return strings.HasPrefix(p, "/") && filepath.Clean(p) == p
}
