package fetch

import (
	"fmt"
	"strings"

	"github.com/canto-build/canto/pkg/index"
)

// PackageError is the failure of one package's file, the first one when
// several failed. Err says why.
type PackageError struct {
	Package  string // normalised name
	Filename string
	// Others counts the other packages that failed too (not counting those
	// only cancelled because of this failure).
	Others int
	Err    error
}

func (e *PackageError) Error() string {
	msg := fmt.Sprintf("fetching %q: %v", e.Package, e.Err)
	switch e.Others {
	case 0:
	case 1:
		msg += "\n(1 other package failed too)"
	default:
		msg += fmt.Sprintf("\n(%d other packages failed too)", e.Others)
	}
	return msg
}

func (e *PackageError) Unwrap() error { return e.Err }

// UnverifiableError reports a file whose sha256 the lock does not record.
// canto never installs a file it cannot verify.
type UnverifiableError struct {
	Package  string
	Filename string
	// Algorithms lists the hash algorithms the lock does record for the
	// file ("md5"), empty when it records none.
	Algorithms []string
}

func (e *UnverifiableError) Error() string {
	const relock = "run \"poetry lock\" (\"poetry lock --no-update\" before Poetry 2) with a current Poetry to record sha256 hashes"
	if len(e.Algorithms) == 0 {
		return fmt.Sprintf("the lock file records no hash for %s\nhint: canto installs only files it can verify against the lock; %s", e.Filename, relock)
	}
	return fmt.Sprintf("the lock file records only %s for %s, no sha256\nhint: %s is broken for integrity (anyone can make a different file with the same digest), so canto verifies sha256 only; %s", strings.Join(e.Algorithms, ", "), e.Filename, strings.Join(e.Algorithms, ", "), relock)
}

// NotFoundError reports a file that no source lists.
type NotFoundError struct {
	Package  string
	Filename string
	// Tried lists the index URLs asked, in order, redacted.
	Tried []string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("%s is on none of the indexes tried: %s\nhint: check [[tool.poetry.source]] in pyproject.toml (or --index-url and --extra-index-url): the file must be served by the index the lock was made from", e.Filename, strings.Join(e.Tried, ", "))
}

func redactAll(srcs []Source) []string {
	out := make([]string, len(srcs))
	for i, s := range srcs {
		out[i] = index.Redact(s.URL)
	}
	return out
}
