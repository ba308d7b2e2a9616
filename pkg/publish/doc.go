// Package publish owns writing finished images to their destinations: a
// registry, an OCI layout directory or archive, a docker-archive tarball or
// the Docker daemon.
package publish
