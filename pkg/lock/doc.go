// Package lock owns the parsed, typed view of a poetry.lock file (lock
// formats 1.0 through 2.1) and the check that it is fresh against its
// pyproject.toml.
//
// The format has no written specification; it is whatever Poetry's Locker
// writes and reads (src/poetry/packages/locker.py in python-poetry/poetry):
//   - 1.0, 1.1 (Poetry 1.0-1.2): per-package category; file hashes under
//     [metadata.files], keyed by package name.
//   - 1.2 (unreleased development format): files both per package and in
//     [metadata.files].
//   - 2.0 (Poetry 1.3-1.8): files per package; [metadata.files] gone.
//   - 2.1 (Poetry 2.x): per-package groups and markers, the latter one
//     string or a table keyed by group.
//
// Parsing is I/O-free (Parse) apart from the thin Load wrapper. Constraints,
// markers and requirement strings stay raw; later layers interpret them.
package lock
