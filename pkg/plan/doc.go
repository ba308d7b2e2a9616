// Package plan decides exactly what gets installed for a target: given a
// project, its poetry.lock, a target and a selection of groups and extras, it
// walks the locked dependency graph as Poetry's installer does and picks each
// package's artifact (the best wheel, else an sdist, else a direct source).
// It is pure: it reads nothing and fetches nothing.
package plan
