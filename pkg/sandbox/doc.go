// Package sandbox owns running a command in an isolated, daemonless Linux
// sandbox (user, mount, pid, uts, ipc and network namespaces over a read-only
// root filesystem) and unpacking an image into such a root filesystem.
package sandbox
