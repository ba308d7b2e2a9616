package index

import (
	"fmt"
	"net/http"
)

// NotFoundError reports that an index has no page for a project (HTTP 404
// or 410).
type NotFoundError struct {
	Project string // the name asked for
	Index   string // the index URL, redacted
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("project %q not found on index %s\nhint: check the package name, and that the source URL points at the index's simple API (often ending in /simple/)", e.Project, e.Index)
}

// HashMismatchError reports a download whose sha256 differs from the one
// expected. Nothing was cached under the expected hash.
type HashMismatchError struct {
	URL      string // redacted
	Filename string
	Expected string // hex sha256
	Actual   string // hex sha256
}

func (e *HashMismatchError) Error() string {
	return fmt.Sprintf("hash mismatch for %s from %s: expected sha256 %s, got %s\nhint: the file changed on the index since the lock file was written, or the download was tampered with; re-lock only if you trust the change", e.Filename, e.URL, e.Expected, e.Actual)
}

// StatusError reports an HTTP response with an unexpected status code.
type StatusError struct {
	URL        string // redacted
	StatusCode int
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s answered %d %s", e.URL, e.StatusCode, http.StatusText(e.StatusCode))
}

// AuthError reports an index that refused a request (HTTP 401 or 403).
type AuthError struct {
	URL             string // redacted
	Host            string
	StatusCode      int
	CredentialsSent bool
}

func (e *AuthError) Error() string {
	status := fmt.Sprintf("%d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.CredentialsSent {
		return fmt.Sprintf("%s answered %s to the credentials sent for %s\nhint: check the user name and password (or token) configured for this source", e.URL, status, e.Host)
	}
	return fmt.Sprintf("%s answered %s and no credentials are configured for %s\nhint: set POETRY_HTTP_BASIC_<SOURCE>_USERNAME and _PASSWORD, put user:password@ in the source URL, or add \"machine %s\" to ~/.netrc", e.URL, status, e.Host, e.Host)
}

// AttemptsError reports a request that kept failing in ways worth retrying
// until the client ran out of attempts. Err is the last failure.
type AttemptsError struct {
	Attempts int
	Err      error
}

func (e *AttemptsError) Error() string {
	if e.Attempts == 1 {
		return fmt.Sprintf("giving up after 1 attempt: %v", e.Err)
	}
	return fmt.Sprintf("giving up after %d attempts: %v", e.Attempts, e.Err)
}

func (e *AttemptsError) Unwrap() error { return e.Err }
