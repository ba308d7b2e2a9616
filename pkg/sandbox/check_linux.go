package sandbox

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"
)

// Check reports whether this machine can run sandboxes: it reads the
// kernel's user namespace settings, then starts a trial sandbox in every
// namespace Run uses and tries the mounts it makes. A missing feature is an
// *UnsupportedError naming it, with a hint on how to enable it. The result
// is computed once per process.
func Check() error { return checkOnce() }

var checkOnce = sync.OnceValue(func() error { return check(sysctlFile) })

// sysctlFile reads a /proc/sys file; missing files read as "".
func sysctlFile(name string) (string, error) {
	b, err := os.ReadFile("/proc/sys/" + name)
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	return strings.TrimSpace(string(b)), err
}

// checkSysctl checks the user namespace settings read through read.
func checkSysctl(read func(string) (string, error), uid int) error {
	if v, err := read("user/max_user_namespaces"); err == nil && v == "0" {
		return &UnsupportedError{
			Feature: "user namespaces",
			Err:     errors.New("user.max_user_namespaces is 0"),
			Hint:    "enable them with `sysctl -w user.max_user_namespaces=15000`",
		}
	}
	if uid == 0 {
		return nil
	}
	if v, err := read("kernel/unprivileged_userns_clone"); err == nil && v == "0" {
		return &UnsupportedError{
			Feature: "unprivileged user namespaces",
			Err:     errors.New("kernel.unprivileged_userns_clone is 0"),
			Hint:    "enable them with `sysctl -w kernel.unprivileged_userns_clone=1`, or run canto as root",
		}
	}
	if v, err := read("kernel/apparmor_restrict_unprivileged_userns"); err == nil && v == "1" {
		return &UnsupportedError{
			Feature: "unprivileged user namespaces",
			Err:     errors.New("AppArmor restricts them (kernel.apparmor_restrict_unprivileged_userns is 1)"),
			Hint:    "allow them with `sysctl -w kernel.apparmor_restrict_unprivileged_userns=0` or an AppArmor profile for canto granting `userns`, or run canto as root",
		}
	}
	return nil
}

func check(read func(string) (string, error)) error {
	if err := checkSysctl(read, os.Getuid()); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	trial := func(flags uintptr, mode string) error {
		code, err := runInit(ctx, initConfig{Mode: mode}, flags, nil, nil)
		if err == nil && code != 0 {
			err = fmt.Errorf("trial exited with status %d", code)
		}
		return err
	}
	var all uintptr
	for _, ns := range namespaces {
		all |= ns.flag
	}
	err := trial(all, "probe")
	if err == nil {
		return nil
	}
	var cerr *cloneError
	if !errors.As(err, &cerr) {
		return &UnsupportedError{
			Feature: "mounts in a user namespace",
			Err:     err,
			Hint:    "the kernel or a security module (seccomp, AppArmor, SELinux, a container runtime) refuses tmpfs, proc or bind mounts in a user namespace; run canto on a host or in a container allowed to create them",
		}
	}
	// Find which namespace the kernel refuses.
	if err := trial(0, "noop"); err != nil {
		return &UnsupportedError{
			Feature: "user namespaces",
			Err:     errors.Unwrap(err),
			Hint:    userNSHint(),
		}
	}
	for _, ns := range namespaces {
		if err := trial(ns.flag, "noop"); err != nil {
			return &UnsupportedError{
				Feature: ns.name,
				Err:     errors.Unwrap(err),
				Hint:    "the kernel or a container runtime's seccomp profile refuses them; run canto on a host, or in a container with unshare allowed",
			}
		}
	}
	return &UnsupportedError{Feature: "namespaces", Err: errors.Unwrap(err), Hint: userNSHint()}
}

func userNSHint() string {
	if os.Getuid() == 0 {
		return "the kernel refuses user namespaces even to root; check user.max_user_namespaces and any seccomp profile around canto"
	}
	return "enable unprivileged user namespaces (`sysctl -w kernel.unprivileged_userns_clone=1`, `sysctl -w user.max_user_namespaces=15000`), or run canto as root"
}
