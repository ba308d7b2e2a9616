// Package build is canto's main job: it turns a project, its lock and a base
// image into an image, with one layer per group of dependencies keyed by
// content, a small venv layer and the project's layer last. It composes the
// other packages and writes only to the cache; publishing is the caller's.
package build
