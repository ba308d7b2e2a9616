// Package gitsource owns fetching the source tree of a git dependency at
// the commit poetry.lock pins (resolved_reference), with the machine's own
// git, into a cache keyed by repository URL and commit: a commit names its
// tree, so a checkout is made once and never changes.
package gitsource
