// Package elfcheck owns the shared-library check of an image: it resolves the
// DT_NEEDED libraries of the ELF files in an image as the dynamic loader
// would, names the Debian packages a builder image has them in, and vendors
// the missing ones into a layer.
package elfcheck
