package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Init turns the process into a sandbox's init process when Run started it,
// and never returns in that case; otherwise it returns at once. A program
// that uses Run must call Init first thing in main (tests: in TestMain),
// before flags are parsed or goroutines started.
func Init() {
	if os.Getenv(initEnv) != "1" {
		return
	}
	os.Exit(initMain())
}

// initMain sets up the sandbox as described on fd 3, runs the command and
// returns its exit status. Setup failures are written to fd 4.
func initMain() int {
	cfgFile := os.NewFile(3, "config")
	report := os.NewFile(4, "report")
	if cfgFile == nil || report == nil {
		return exitSetup
	}
	syscall.CloseOnExec(3)
	syscall.CloseOnExec(4)
	fail := func(err error) int {
		fmt.Fprintf(report, "%v\n", err)
		return exitSetup
	}
	data, err := io.ReadAll(io.LimitReader(cfgFile, 16<<20))
	_ = cfgFile.Close()
	if err != nil {
		return fail(fmt.Errorf("reading the sandbox configuration: %w", err))
	}
	var cfg initConfig
	if err := json.Unmarshal(data, &cfg); err != nil {
		return fail(fmt.Errorf("reading the sandbox configuration: %w", err))
	}
	switch cfg.Mode {
	case "probe":
		if err := probeMounts(cfg.NewRoot); err != nil {
			return fail(err)
		}
		fmt.Fprint(report, startedMarker)
		return 0
	case "noop":
		fmt.Fprint(report, startedMarker)
		return 0
	case "run":
	default:
		return fail(fmt.Errorf("unknown sandbox mode %q", cfg.Mode))
	}
	if err := setup(&cfg); err != nil {
		return fail(err)
	}
	argv0, err := lookPath(cfg.Args[0], cfg.Env)
	if err != nil {
		return fail(err)
	}
	pid, err := syscall.ForkExec(argv0, cfg.Args, &syscall.ProcAttr{
		Dir:   cfg.Dir,
		Env:   cfg.Env,
		Files: []uintptr{0, 1, 2},
		Sys:   &syscall.SysProcAttr{Setsid: true, Pdeathsig: syscall.SIGKILL},
	})
	if err != nil {
		return fail(fmt.Errorf("starting %q: %w", cfg.Args[0], err))
	}
	// Tell the parent the command runs, so it can tell this init from a
	// binary that never called Init.
	fmt.Fprint(report, startedMarker)
	_ = report.Close()
	// As pid 1, reap every orphan until the command itself exits; the
	// kernel then kills whatever is left when init exits.
	for {
		var ws syscall.WaitStatus
		wpid, err := syscall.Wait4(-1, &ws, 0, nil)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return 127
		}
		if wpid != pid {
			continue
		}
		switch {
		case ws.Exited():
			return ws.ExitStatus()
		case ws.Signaled():
			return 128 + int(ws.Signal())
		}
	}
}

// skipTop are the root filesystem's top-level entries the sandbox replaces
// with its own.
var skipTop = map[string]bool{"proc": true, "dev": true, "sys": true, "tmp": true}

// setup builds the sandbox's root on cfg.NewRoot and pivots into it.
func setup(cfg *initConfig) error {
	// Nothing mounted from here on propagates back to the host.
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("making mounts private: %w", err)
	}
	root := cfg.NewRoot
	if err := unix.Mount("tmpfs", root, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=0755,size=16m"); err != nil {
		return fmt.Errorf("mounting the new root: %w", err)
	}
	// The root filesystem goes in one top-level entry at a time, so that
	// the sandbox's own /proc, /dev, /sys and /tmp, and bind targets at the
	// top, can live beside it on the tmpfs.
	entries, err := os.ReadDir(cfg.RootFS)
	if err != nil {
		return fmt.Errorf("reading the root filesystem: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		if skipTop[name] {
			continue
		}
		src := filepath.Join(cfg.RootFS, name)
		dst := filepath.Join(root, name)
		switch t := e.Type(); {
		case t&os.ModeSymlink != 0:
			target, err := os.Readlink(src)
			if err != nil {
				return err
			}
			if err := os.Symlink(target, dst); err != nil {
				return err
			}
		case t.IsDir() || t.IsRegular():
			if err := bindMount(src, dst, t.IsDir(), false); err != nil {
				return err
			}
		}
	}
	if err := mountSpecial(root); err != nil {
		return err
	}
	for _, b := range cfg.Binds {
		info, err := os.Stat(b.Source)
		if err != nil {
			return fmt.Errorf("binding %q: %w", b.Source, err)
		}
		dst := filepath.Join(root, b.Target)
		if err := bindMount(b.Source, dst, info.IsDir(), b.Writable); err != nil {
			return fmt.Errorf("binding %q to %q: %w", b.Source, b.Target, err)
		}
	}
	if err := unix.Sethostname([]byte(cfg.Hostname)); err != nil {
		return fmt.Errorf("setting the host name: %w", err)
	}
	if !cfg.Network {
		if err := loopbackUp(); err != nil {
			return fmt.Errorf("bringing up the loopback interface: %w", err)
		}
	}
	if err := pivot(root); err != nil {
		return err
	}
	// The top of the new root is a tmpfs; freeze it so only binds marked
	// writable and /tmp take writes.
	if err := unix.Mount("", "/", "", unix.MS_REMOUNT|unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NODEV, ""); err != nil {
		return fmt.Errorf("making the root read-only: %w", err)
	}
	dir := cfg.Dir
	if dir == "" {
		dir = "/"
	}
	cfg.Dir = dir
	if err := os.Chdir(dir); err != nil {
		return fmt.Errorf("entering the working directory: %w", err)
	}
	return nil
}

// mountSpecial mounts /proc, a minimal /dev, an empty /sys and /tmp.
func mountSpecial(root string) error {
	for _, d := range []string{"proc", "dev", "sys", "tmp"} {
		if err := os.Mkdir(filepath.Join(root, d), 0o755); err != nil {
			return err
		}
	}
	if err := unix.Mount("proc", filepath.Join(root, "proc"), "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("mounting /proc: %w", err)
	}
	if err := unix.Mount("tmpfs", filepath.Join(root, "tmp"), "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "mode=1777"); err != nil {
		return fmt.Errorf("mounting /tmp: %w", err)
	}
	dev := filepath.Join(root, "dev")
	if err := unix.Mount("tmpfs", dev, "tmpfs", unix.MS_NOSUID|unix.MS_NOEXEC, "mode=0755,size=64k"); err != nil {
		return fmt.Errorf("mounting /dev: %w", err)
	}
	for _, n := range []string{"null", "zero", "full", "random", "urandom", "tty"} {
		if err := bindMount("/dev/"+n, filepath.Join(dev, n), false, true); err != nil {
			return fmt.Errorf("binding /dev/%s: %w", n, err)
		}
	}
	for name, target := range map[string]string{
		"fd": "/proc/self/fd", "stdin": "/proc/self/fd/0", "stdout": "/proc/self/fd/1",
		"stderr": "/proc/self/fd/2", "ptmx": "pts/ptmx",
	} {
		if err := os.Symlink(target, filepath.Join(dev, name)); err != nil {
			return err
		}
	}
	shm := filepath.Join(dev, "shm")
	if err := os.Mkdir(shm, 0o755); err != nil {
		return err
	}
	if err := unix.Mount("tmpfs", shm, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, "mode=1777"); err != nil {
		return fmt.Errorf("mounting /dev/shm: %w", err)
	}
	return unix.Mount("", dev, "", unix.MS_REMOUNT|unix.MS_RDONLY|unix.MS_NOSUID|unix.MS_NOEXEC, "")
}

// bindMount binds src (recursively) onto dst, creating dst as a directory
// or an empty file first, and makes it read-only unless writable.
func bindMount(src, dst string, dir, writable bool) error {
	if dir {
		if err := os.MkdirAll(dst, 0o755); err != nil {
			return bindTargetError(err)
		}
	} else {
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return bindTargetError(err)
		}
		f, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return bindTargetError(err)
		}
		_ = f.Close()
	}
	if err := unix.Mount(src, dst, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return fmt.Errorf("bind-mounting %q: %w", src, err)
	}
	if writable {
		return nil
	}
	return readOnly(dst)
}

func bindTargetError(err error) error {
	// The host path of the new root means nothing to the user.
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	if errors.Is(err, syscall.EROFS) {
		return fmt.Errorf("creating the mount point: %w\nhint: a bind target must exist in the root filesystem or sit at the top level, under /tmp or under a writable bind", err)
	}
	return fmt.Errorf("creating the mount point: %w", err)
}

// readOnly makes the mount at p and every mount below it read-only.
func readOnly(p string) error {
	err := unix.MountSetattr(unix.AT_FDCWD, p, unix.AT_RECURSIVE, &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY})
	if err == nil {
		return nil
	}
	if !errors.Is(err, syscall.ENOSYS) {
		return fmt.Errorf("making %q read-only: %w", p, err)
	}
	// Before Linux 5.12: remount the top mount, keeping the flags a user
	// namespace may not clear.
	var st unix.Statfs_t
	if err := unix.Statfs(p, &st); err != nil {
		return fmt.Errorf("making %q read-only: %w", p, err)
	}
	flags := uintptr(unix.MS_BIND | unix.MS_REMOUNT | unix.MS_RDONLY)
	for _, f := range []uintptr{unix.ST_NOSUID, unix.ST_NODEV, unix.ST_NOEXEC, unix.ST_NOATIME, unix.ST_NODIRATIME, unix.ST_RELATIME} {
		if uintptr(st.Flags)&f != 0 {
			flags |= f // the ST_ and MS_ bits agree for these
		}
	}
	if err := unix.Mount("", p, "", flags, ""); err != nil {
		return fmt.Errorf("making %q read-only: %w", p, err)
	}
	return nil
}

// pivot makes root the root of the mount namespace and drops the old one.
func pivot(root string) error {
	if err := os.Chdir(root); err != nil {
		return err
	}
	// pivot_root(".", ".") stacks the old root on top of the new one,
	// where it can be detached without a directory to hold it.
	if err := unix.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivoting into the new root: %w", err)
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detaching the old root: %w", err)
	}
	return os.Chdir("/")
}

// loopbackUp brings up lo in the sandbox's new network namespace.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer func() { _ = unix.Close(fd) }()
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return err
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	return unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr)
}

// lookPath finds a command without a slash in the PATH of env.
func lookPath(cmd string, env []string) (string, error) {
	if strings.Contains(cmd, "/") {
		return cmd, nil
	}
	path := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, cmd)
		if info, err := os.Stat(p); err == nil && info.Mode().IsRegular() && info.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("looking up %q: not found in the sandbox's PATH %q", cmd, path)
}

// probeMounts tries the kinds of mounts setup makes, for Check.
func probeMounts(root string) error {
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("making mounts private: %w", err)
	}
	if err := unix.Mount("tmpfs", root, "tmpfs", unix.MS_NOSUID|unix.MS_NODEV, "size=64k"); err != nil {
		return fmt.Errorf("mounting tmpfs: %w", err)
	}
	p := filepath.Join(root, "proc")
	if err := os.Mkdir(p, 0o755); err != nil {
		return err
	}
	if err := unix.Mount("proc", p, "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("mounting proc: %w", err)
	}
	if err := bindMount("/dev/null", filepath.Join(root, "null"), false, false); err != nil {
		return err
	}
	return nil
}
