// Package image owns container image references, base image loading and
// inspection, and the deterministic assembly of layers onto a base image.
package image
