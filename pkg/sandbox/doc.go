// Package sandbox owns running a command in an isolated, daemonless Linux
// sandbox (user, mount, pid, uts, ipc and network namespaces over a read-only
// root filesystem) and unpacking an image into such a root filesystem.
//
// Run re-executes the current binary as the sandbox's init process, so a
// program using it must call Init first thing in main (tests: in TestMain).
// The init process, pid 1 of a new pid namespace and root of a new user
// namespace mapped to the caller's uid and gid, mounts a tmpfs root holding
// the root filesystem's top-level entries as read-only binds, its own /proc,
// a minimal /dev (null, zero, full, random, urandom, tty, shm), an empty /sys
// and a tmpfs /tmp, adds the caller's binds, pivots into it, brings up lo in
// its empty network namespace and runs the command, reaping orphans.
// Killing it (on ctx cancel) makes the kernel kill the whole namespace.
//
// Requirements: Linux with user namespaces (user.max_user_namespaces > 0,
// and for non-root callers kernel.unprivileged_userns_clone=1 where that
// switch exists and no AppArmor userns restriction); mount_setattr (Linux
// 5.12) is used when present. Check probes all of it with a trial sandbox.
// Verified on Debian 12 tooling over Linux 6.18 as root: every namespace
// type and mount the sandbox needs is allowed.
package sandbox
