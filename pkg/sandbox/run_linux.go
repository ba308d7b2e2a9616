package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"time"
)

// initConfig is what the parent hands the sandbox's init process on fd 3.
type initConfig struct {
	// Mode is "run" (set up the sandbox and run Args) or "probe" (try the
	// mounts Check needs and exit).
	Mode     string   `json:"mode"`
	NewRoot  string   `json:"newRoot"`
	RootFS   string   `json:"rootfs,omitempty"`
	Binds    []Bind   `json:"binds,omitempty"`
	Args     []string `json:"args,omitempty"`
	Env      []string `json:"env,omitempty"`
	Dir      string   `json:"dir,omitempty"`
	Network  bool     `json:"network,omitempty"`
	Hostname string   `json:"hostname,omitempty"`
}

// Exit statuses of the init process itself, beside the command's own.
const (
	exitSetup = 125 // the sandbox could not be set up; fd 4 says why
)

// startedMarker is all the init process writes on fd 4 once the command
// runs; anything else there is a setup error.
const startedMarker = "started"

// namespaces are the clone flags of a sandbox, by the name Check reports.
var namespaces = []struct {
	name string
	flag uintptr
}{
	{"mount namespaces", syscall.CLONE_NEWNS},
	{"pid namespaces", syscall.CLONE_NEWPID},
	{"uts namespaces", syscall.CLONE_NEWUTS},
	{"ipc namespaces", syscall.CLONE_NEWIPC},
	{"network namespaces", syscall.CLONE_NEWNET},
}

// Run runs spec.Args in a new sandbox and waits for it. A command that
// exits non-zero is not an error: its status is in Result.ExitCode. When
// ctx is done, every process of the sandbox is killed (they share a pid
// namespace whose init is killed) and Run returns ctx's error.
//
// The binary's main must call Init first: Run re-executes the current
// binary as the sandbox's init process.
func Run(ctx context.Context, spec Spec) (*Result, error) {
	if os.Getenv(initEnv) != "" {
		return nil, fmt.Errorf("running %q: the sandbox's init process was not taken over\nhint: call sandbox.Init() first thing in main (or TestMain)", spec.Args)
	}
	if err := spec.validate(); err != nil {
		return nil, fmt.Errorf("running %q in a sandbox: %w", spec.Args, err)
	}
	rootfs, err := os.Stat(spec.RootFS)
	if err != nil {
		return nil, fmt.Errorf("running %q in a sandbox: %w", spec.Args, err)
	}
	if !rootfs.IsDir() {
		return nil, fmt.Errorf("running %q in a sandbox: root filesystem %q is not a directory", spec.Args, spec.RootFS)
	}
	env := spec.Env
	if env == nil {
		env = DefaultEnv
	}
	hostname := spec.Hostname
	if hostname == "" {
		hostname = DefaultHostname
	}
	cfg := initConfig{
		Mode: "run", RootFS: spec.RootFS, Binds: spec.Binds, Args: spec.Args, Env: env,
		Dir: spec.Dir, Network: spec.Network, Hostname: hostname,
	}
	flags := uintptr(syscall.CLONE_NEWNS | syscall.CLONE_NEWPID | syscall.CLONE_NEWUTS | syscall.CLONE_NEWIPC)
	if !spec.Network {
		flags |= syscall.CLONE_NEWNET
	}
	start := time.Now()
	code, err := runInit(ctx, cfg, flags, spec.Stdout, spec.Stderr)
	var cerr *cloneError
	if errors.As(err, &cerr) {
		err = cerr.explain()
	}
	if err != nil {
		return nil, fmt.Errorf("running %q in a sandbox: %w", spec.Args, err)
	}
	return &Result{ExitCode: code, Duration: time.Since(start)}, nil
}

// setupError is a failure the init process reported before the command
// started.
type setupError struct{ msg string }

func (e *setupError) Error() string { return e.msg }

// runInit starts the init process with cfg in new user namespace plus the
// namespaces in flags, and returns its exit status.
func runInit(ctx context.Context, cfg initConfig, flags uintptr, stdout, stderr io.Writer) (int, error) {
	newRoot, err := os.MkdirTemp("", "canto-sandbox-")
	if err != nil {
		return 0, err
	}
	defer func() { _ = os.Remove(newRoot) }()
	cfg.NewRoot = newRoot

	cfgR, cfgW, err := os.Pipe()
	if err != nil {
		return 0, err
	}
	defer func() { _ = cfgW.Close() }()
	errR, errW, err := os.Pipe()
	if err != nil {
		_ = cfgR.Close()
		return 0, err
	}
	defer func() { _ = errR.Close() }()

	cmd := exec.Command("/proc/self/exe")
	cmd.Args = []string{"canto-sandbox-init"}
	cmd.Env = []string{initEnv + "=1"}
	cmd.Stdout = stdout
	cmd.Stderr = stderr
	cmd.ExtraFiles = []*os.File{cfgR, errW}
	cmd.WaitDelay = 5 * time.Second
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:                 syscall.CLONE_NEWUSER | flags,
		UidMappings:                []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}},
		GidMappings:                []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}},
		GidMappingsEnableSetgroups: false,
		Pdeathsig:                  syscall.SIGKILL,
	}
	// Pdeathsig fires when the thread that forked exits; keep it put.
	runtime.LockOSThread()
	err = cmd.Start()
	runtime.UnlockOSThread()
	_ = cfgR.Close()
	_ = errW.Close()
	if err != nil {
		return 0, &cloneError{err: err}
	}

	data, err := json.Marshal(cfg)
	if err == nil {
		_, err = cfgW.Write(data)
	}
	if cerr := cfgW.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return 0, fmt.Errorf("sending the sandbox its configuration: %w", err)
	}

	report := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(io.LimitReader(errR, 64<<10))
		report <- b
	}()
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()

	var werr error
	select {
	case werr = <-waited:
	case <-ctx.Done():
		// Killing init, pid 1 of the sandbox's pid namespace, makes the
		// kernel kill every other process in it.
		_ = cmd.Process.Kill()
		// The kill is the expected outcome, so the wait's error adds
		// nothing unless it is something else entirely.
		if werr := <-waited; werr != nil && !isExit(werr) {
			return 0, errors.Join(ctx.Err(), werr)
		}
		return 0, ctx.Err()
	}
	msg := bytes.TrimSpace(<-report)
	switch {
	case len(msg) == 0:
		return 0, errors.New("the sandbox's init process never started the command\nhint: the program must call sandbox.Init() first thing in main (tests: in TestMain)")
	case string(msg) != startedMarker:
		return 0, &setupError{msg: string(msg)}
	}
	if werr == nil {
		return 0, nil
	}
	var exitErr *exec.ExitError
	if !errors.As(werr, &exitErr) {
		return 0, werr
	}
	if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 0, fmt.Errorf("the sandbox's init process was killed by %v", ws.Signal())
	}
	return exitErr.ExitCode(), nil
}

func isExit(err error) bool {
	var exitErr *exec.ExitError
	return errors.As(err, &exitErr)
}

// cloneError is a failure to start the init process in its namespaces.
type cloneError struct{ err error }

func (e *cloneError) Error() string { return "starting the sandbox: " + e.err.Error() }
func (e *cloneError) Unwrap() error { return e.err }

// refused reports whether the kernel refused the namespaces, as opposed to
// a failure unrelated to them.
func (e *cloneError) refused() bool {
	for _, errno := range []syscall.Errno{syscall.EPERM, syscall.EINVAL, syscall.ENOSPC, syscall.EACCES, syscall.EUSERS} {
		if errors.Is(e.err, errno) {
			return true
		}
	}
	return false
}

// explain turns a refused clone into the *UnsupportedError that Check
// finds, naming the missing feature.
func (e *cloneError) explain() error {
	if e.refused() {
		if err := Check(); err != nil {
			return err
		}
	}
	return e
}
