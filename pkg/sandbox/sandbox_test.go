package sandbox_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/canto-build/canto/pkg/sandbox"
	"github.com/google/go-cmp/cmp"
)

// run runs a shell script in a sandbox over the host's own root.
func run(t *testing.T, spec sandbox.Spec, script string) (int, string) {
	t.Helper()
	var out bytes.Buffer
	if spec.RootFS == "" {
		spec.RootFS = "/"
	}
	spec.Args = []string{"/bin/sh", "-c", script}
	spec.Stdout, spec.Stderr = &out, &out
	res, err := sandbox.Run(context.Background(), spec)
	if err != nil {
		t.Fatalf("Run(%q): %v", script, err)
	}
	return res.ExitCode, out.String()
}

func TestCheck(t *testing.T) {
	err := sandbox.Check()
	var unsupported *sandbox.UnsupportedError
	if err != nil && !errors.As(err, &unsupported) {
		t.Fatalf("Check() = %v, want nil or *UnsupportedError", err)
	}
	if err != nil {
		t.Skipf("sandbox unsupported on this machine: %v", err)
	}
}

func TestRunExitCode(t *testing.T) {
	needSandbox(t)
	for _, tc := range []struct {
		script string
		want   int
	}{
		{"true", 0},
		{"exit 3", 3},
		{"exit 255", 255},
		{"kill -KILL $$", 128 + 9},
		{"kill -TERM $$", 128 + 15},
	} {
		t.Run(tc.script, func(t *testing.T) {
			if got, out := run(t, sandbox.Spec{}, tc.script); got != tc.want {
				t.Errorf("exit code = %d, want %d; output:\n%s", got, tc.want, out)
			}
		})
	}
}

func TestRunIdentity(t *testing.T) {
	needSandbox(t)
	code, out := run(t, sandbox.Spec{Hostname: "builder", Env: []string{"PATH=/usr/bin:/bin", "X=1"}, Dir: "/usr"},
		`echo "$(id -u):$(hostname):$(pwd):$X:$(test $$ -lt 100 && echo low-pid)"`)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	if diff := cmp.Diff("0:builder:/usr:1:low-pid\n", out); diff != "" {
		t.Errorf("uid:hostname:pwd:env:pid (the sandbox's threads take low pids too) (-want +got):\n%s", diff)
	}
	code, out = run(t, sandbox.Spec{}, `hostname; echo "$PATH"`)
	want := sandbox.DefaultHostname + "\n" + strings.TrimPrefix(sandbox.DefaultEnv[0], "PATH=") + "\n"
	if code != 0 || out != want {
		t.Errorf("defaults: exit %d, output %q, want %q", code, out, want)
	}
}

func TestRunPIDNamespace(t *testing.T) {
	needSandbox(t)
	// The sandbox sees its init, the shell and ls: nothing of the host.
	code, out := run(t, sandbox.Spec{}, `ls /proc | grep -c '^[0-9]'; test -e /proc/`+strconv.Itoa(os.Getpid())+` && echo host-visible; true`)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	n, err := strconv.Atoi(strings.TrimSpace(out))
	if err != nil || n > 4 {
		t.Errorf("processes visible in the sandbox: %q, want at most 4 and no host pid", out)
	}
}

func TestRunNoNetwork(t *testing.T) {
	needSandbox(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	port := ln.Addr().(*net.TCPAddr).Port
	connect := fmt.Sprintf(`exec /usr/bin/python3 -c '
import socket, sys
s = socket.socket()
s.settimeout(5)
try:
    s.connect(("127.0.0.1", %d))
except OSError as e:
    print("refused"); sys.exit(1)
print("connected")'`, port)
	for _, tc := range []struct {
		name    string
		network bool
		want    string
		code    int
	}{
		{"isolated", false, "refused\n", 1},
		{"host network", true, "connected\n", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out := run(t, sandbox.Spec{Network: tc.network}, connect)
			if code != tc.code || out != tc.want {
				t.Errorf("connect to the host's listener: exit %d, output %q; want %d, %q", code, out, tc.code, tc.want)
			}
		})
	}
	t.Run("loopback works", func(t *testing.T) {
		code, out := run(t, sandbox.Spec{}, `exec /usr/bin/python3 -c '
import socket
l = socket.socket(); l.bind(("127.0.0.1", 0)); l.listen()
c = socket.create_connection(l.getsockname(), timeout=5)
print("ok")'`)
		if code != 0 || out != "ok\n" {
			t.Errorf("loopback inside the sandbox: exit %d, output %q", code, out)
		}
	})
}

func TestRunFilesystem(t *testing.T) {
	needSandbox(t)
	ro, rw := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(ro, "in"), []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	spec := sandbox.Spec{Binds: []sandbox.Bind{
		{Source: ro, Target: "/src"},
		{Source: rw, Target: "/out", Writable: true},
		{Source: filepath.Join(ro, "in"), Target: "/tmp/deep/in"},
	}}
	for _, tc := range []struct {
		script string
		want   int
	}{
		{"touch /usr/canto-x", 1},
		{"touch /canto-x", 1},
		{"mkdir /canto-x", 1},
		{"touch /src/x", 1},
		{"touch /tmp/x", 0},
		{"touch /dev/x", 1},
		{"echo hi > /dev/null", 0},
		{"head -c 4 /dev/urandom | wc -c | grep -qx 4", 0},
		{"test -z \"$(ls /sys)\"", 0},
		{"cat /src/in /tmp/deep/in > /out/copy", 0},
	} {
		t.Run(tc.script, func(t *testing.T) {
			if code, out := run(t, spec, tc.script); code != tc.want {
				t.Errorf("exit %d, want %d; output:\n%s", code, tc.want, out)
			}
		})
	}
	got, err := os.ReadFile(filepath.Join(rw, "copy"))
	if err != nil || string(got) != "hellohello" {
		t.Errorf("writable bind on the host: %q, %v; want \"hellohello\"", got, err)
	}
	if _, err := os.Stat(filepath.Join(ro, "x")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("read-only bind was written to: %v", err)
	}
}

func TestRunCancel(t *testing.T) {
	needSandbox(t)
	out := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	started := make(chan struct{})
	go func() {
		for {
			if _, err := os.Stat(filepath.Join(out, "started")); err == nil {
				close(started)
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	go func() { <-started; cancel() }()
	begin := time.Now()
	// The detached grandchild must die with the sandbox too.
	_, err := sandbox.Run(ctx, sandbox.Spec{
		RootFS: "/",
		Binds:  []sandbox.Bind{{Source: out, Target: "/out", Writable: true}},
		Args:   []string{"/bin/sh", "-c", "setsid sh -c 'sleep 1; touch /out/late' & touch /out/started; sleep 60"},
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run after cancel: %v, want context.Canceled", err)
	}
	if d := time.Since(begin); d > 10*time.Second {
		t.Errorf("Run took %v after cancel", d)
	}
	time.Sleep(1500 * time.Millisecond)
	if _, err := os.Stat(filepath.Join(out, "late")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a process of the cancelled sandbox kept running: %v", err)
	}
}

func TestRunErrors(t *testing.T) {
	needSandbox(t)
	file := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		spec sandbox.Spec
		want string
	}{
		{"no rootfs", sandbox.Spec{Args: []string{"true"}}, `running ["true"] in a sandbox: no root filesystem given`},
		{"relative rootfs", sandbox.Spec{RootFS: "root", Args: []string{"true"}}, `running ["true"] in a sandbox: root filesystem "root" is not an absolute path`},
		{"rootfs is a file", sandbox.Spec{RootFS: file, Args: []string{"true"}}, `running ["true"] in a sandbox: root filesystem "` + file + `" is not a directory`},
		{"no command", sandbox.Spec{RootFS: "/"}, `running [] in a sandbox: no command given`},
		{"relative dir", sandbox.Spec{RootFS: "/", Args: []string{"true"}, Dir: "usr"}, `running ["true"] in a sandbox: working directory "usr" is not a clean absolute path`},
		{"bind on /proc", sandbox.Spec{RootFS: "/", Args: []string{"true"}, Binds: []sandbox.Bind{{Source: "/tmp", Target: "/proc/x"}}},
			`running ["true"] in a sandbox: bind target "/proc/x" is inside the sandbox's own /proc`},
		{"bind on /", sandbox.Spec{RootFS: "/", Args: []string{"true"}, Binds: []sandbox.Bind{{Source: "/tmp", Target: "/"}}},
			`running ["true"] in a sandbox: bind target "/" is not a clean absolute path below /`},
		{"unknown command", sandbox.Spec{RootFS: "/", Args: []string{"no-such-command"}, Env: []string{"PATH=/usr/bin"}},
			`running ["no-such-command"] in a sandbox: looking up "no-such-command": not found in the sandbox's PATH "/usr/bin"`},
		{"bind target in read-only root", sandbox.Spec{RootFS: "/", Args: []string{"true"}, Binds: []sandbox.Bind{{Source: "/tmp", Target: "/usr/no-such-dir"}}},
			"running [\"true\"] in a sandbox: binding \"/tmp\" to \"/usr/no-such-dir\": creating the mount point: read-only file system\nhint: a bind target must exist in the root filesystem or sit at the top level, under /tmp or under a writable bind"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sandbox.Run(context.Background(), tc.spec)
			if err == nil {
				t.Fatal("Run succeeded")
			}
			if diff := cmp.Diff(tc.want, err.Error()); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUnsupportedError(t *testing.T) {
	err := &sandbox.UnsupportedError{Feature: "user namespaces", Err: os.ErrPermission, Hint: "run as root"}
	want := "sandbox unsupported: user namespaces: permission denied\nhint: run as root"
	if got := err.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(err, os.ErrPermission) {
		t.Error("UnsupportedError does not unwrap to its cause")
	}
}
