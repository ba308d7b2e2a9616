// Package rootfs turns a root filesystem directory into a deterministic,
// single-layer OCI image for canto's offline test world.
package rootfs
