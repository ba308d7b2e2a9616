package cache

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func digestOf(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func openT(t *testing.T, dir string, opts ...Option) *Cache {
	t.Helper()
	c, err := Open(dir, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// tempFiles lists what is left in the cache's tmp directory.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(dir, tmpDir))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestPutGet(t *testing.T) {
	dir := t.TempDir()
	c := openT(t, dir)
	data := []byte("hello wheel")
	d := digestOf(data)

	if _, ok, err := c.Get(d); err != nil || ok {
		t.Fatalf("Get before Put = ok %v, err %v; want absent", ok, err)
	}
	p, err := c.Put(context.Background(), d, bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "sha256", d[:2], d); p != want {
		t.Errorf("Put path = %q, want %q", p, want)
	}
	got, ok, err := c.Get("sha256:" + strings.ToUpper(d))
	if err != nil || !ok || got != p {
		t.Fatalf("Get = %q, %v, %v; want %q, true, nil", got, ok, err, p)
	}
	b, err := os.ReadFile(got)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(data, b); diff != "" {
		t.Errorf("content (-want +got):\n%s", diff)
	}
	info, err := os.Stat(got)
	if err != nil {
		t.Fatal(err)
	}
	if info.Mode().Perm() != 0o444 {
		t.Errorf("mode = %v, want read-only", info.Mode())
	}
	if left := tempFiles(t, dir); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}

	// A second Put of a present blob does not read its reader.
	p2, err := c.Put(context.Background(), d, iotestErrReader{})
	if err != nil || p2 != p {
		t.Errorf("second Put = %q, %v; want %q, nil", p2, err, p)
	}
}

type iotestErrReader struct{}

func (iotestErrReader) Read([]byte) (int, error) { return 0, errors.New("boom") }

func TestPutMismatch(t *testing.T) {
	dir := t.TempDir()
	c := openT(t, dir)
	want := digestOf([]byte("expected"))
	_, err := c.Put(context.Background(), want, strings.NewReader("actual"))
	var dm *DigestMismatchError
	if !errors.As(err, &dm) {
		t.Fatalf("Put error = %v, want *DigestMismatchError", err)
	}
	wantMsg := "content has sha256 " + digestOf([]byte("actual")) + ", expected " + want
	if err.Error() != wantMsg {
		t.Errorf("error = %q, want %q", err, wantMsg)
	}
	if _, ok, _ := c.Get(want); ok {
		t.Error("mismatched content is visible under the expected digest")
	}
	if _, err := os.Stat(filepath.Join(dir, "sha256", want[:2], want)); !os.IsNotExist(err) {
		t.Errorf("stat of good key = %v, want not exist", err)
	}
	if left := tempFiles(t, dir); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestPutErrors(t *testing.T) {
	dir := t.TempDir()
	c := openT(t, dir)
	d := digestOf([]byte("x"))
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name   string
		ctx    context.Context
		digest string
		r      io.Reader
		want   string
	}{
		{"short digest", context.Background(), "abc", strings.NewReader("x"), `invalid sha256 "abc": want 64 hex digits`},
		{"not hex", context.Background(), strings.Repeat("z", 64), strings.NewReader("x"), `invalid sha256 "` + strings.Repeat("z", 64) + `": not hexadecimal`},
		{"reader fails", context.Background(), d, iotestErrReader{}, "boom"},
		{"cancelled", cancelled, d, strings.NewReader("x"), "context canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Put(tt.ctx, tt.digest, tt.r)
			if err == nil || !strings.HasSuffix(err.Error(), tt.want) {
				t.Fatalf("Put error = %v, want suffix %q", err, tt.want)
			}
			if left := tempFiles(t, dir); len(left) != 0 {
				t.Errorf("temporary files left: %v", left)
			}
		})
	}
}

// corrupt rewrites a blob in place with same-length garbage and restores
// its modification time, the hardest damage for a cheap check to see.
func corrupt(t *testing.T, p string, keepTime bool) {
	t.Helper()
	info, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, bytes.Repeat([]byte("!"), int(info.Size())), 0o644); err != nil {
		t.Fatal(err)
	}
	if keepTime {
		if err := os.Chtimes(p, info.ModTime(), info.ModTime()); err != nil {
			t.Fatal(err)
		}
	} else {
		later := info.ModTime().Add(time.Second)
		if err := os.Chtimes(p, later, later); err != nil {
			t.Fatal(err)
		}
	}
}

func TestGetCorrupt(t *testing.T) {
	tests := []struct {
		name     string
		policy   VerifyPolicy
		keepTime bool
		wantOK   bool // whether the damage goes unnoticed by this instance
	}{
		{"always, same mtime", VerifyAlways, true, false},
		{"always, new mtime", VerifyAlways, false, false},
		{"once, new mtime", VerifyOnce, false, false},
		// Documented blind spot of VerifyOnce within one instance.
		{"once, same mtime", VerifyOnce, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			c := openT(t, dir, WithVerify(tt.policy))
			data := []byte("some wheel bytes")
			d := digestOf(data)
			p, err := c.Put(context.Background(), d, bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			corrupt(t, p, tt.keepTime)
			_, ok, err := c.Get(d)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tt.wantOK {
				t.Fatalf("Get ok = %v, want %v", ok, tt.wantOK)
			}
			// A fresh instance always catches it, and removes the file.
			fresh := openT(t, dir, WithVerify(tt.policy))
			if _, ok, err := fresh.Get(d); err != nil || ok {
				t.Fatalf("fresh Get = %v, %v; want not ok", ok, err)
			}
			if _, err := os.Stat(p); !os.IsNotExist(err) {
				t.Errorf("corrupt file still present: %v", err)
			}
			// And a Put repairs it.
			if _, err := fresh.Put(context.Background(), d, bytes.NewReader(data)); err != nil {
				t.Fatal(err)
			}
			if _, ok, err := fresh.Get(d); err != nil || !ok {
				t.Fatalf("Get after repair = %v, %v", ok, err)
			}
		})
	}
}

func TestStaleTempFiles(t *testing.T) {
	dir := t.TempDir()
	openT(t, dir)
	tmp := filepath.Join(dir, tmpDir)
	old := filepath.Join(tmp, tmpPrefix+"old")
	fresh := filepath.Join(tmp, tmpPrefix+"fresh")
	other := filepath.Join(tmp, "not-ours")
	for _, p := range []string{old, fresh, other} {
		if err := os.WriteFile(p, []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	longAgo := time.Now().Add(-2 * time.Hour)
	for _, p := range []string{old, other} {
		if err := os.Chtimes(p, longAgo, longAgo); err != nil {
			t.Fatal(err)
		}
	}
	openT(t, dir, WithStaleTempAge(time.Hour))
	if diff := cmp.Diff([]string{tmpPrefix + "fresh", "not-ours"}, tempFiles(t, dir)); diff != "" {
		t.Errorf("temporary files after Open (-want +got):\n%s", diff)
	}
}

func TestDefaultDir(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", "/x/cache")
	if got, err := DefaultDir(); err != nil || got != "/x/cache/canto" {
		t.Errorf("DefaultDir with XDG = %q, %v", got, err)
	}
	t.Setenv("XDG_CACHE_HOME", "relative")
	t.Setenv("HOME", "/home/u")
	if got, err := DefaultDir(); err != nil || got != "/home/u/.cache/canto" {
		t.Errorf("DefaultDir with relative XDG = %q, %v", got, err)
	}
	t.Setenv("XDG_CACHE_HOME", "")
	if got, err := DefaultDir(); err != nil || got != "/home/u/.cache/canto" {
		t.Errorf("DefaultDir without XDG = %q, %v", got, err)
	}
}

func TestAdd(t *testing.T) {
	c := openT(t, t.TempDir())
	data := []byte("derived")
	d, p, err := c.Add(context.Background(), bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if d != digestOf(data) {
		t.Errorf("Add digest = %s, want %s", d, digestOf(data))
	}
	if got, ok, err := c.Get(d); err != nil || !ok || got != p {
		t.Errorf("Get after Add = %q, %v, %v", got, ok, err)
	}
}

func TestKeys(t *testing.T) {
	dir := t.TempDir()
	c := openT(t, dir)
	ctx := context.Background()
	if _, _, ok, err := c.GetKey("wheel:a"); err != nil || ok {
		t.Fatalf("GetKey of missing key = %v, %v", ok, err)
	}
	p1, d1, err := c.PutKey(ctx, "wheel:a", strings.NewReader("one"))
	if err != nil {
		t.Fatal(err)
	}
	if d1 != digestOf([]byte("one")) {
		t.Errorf("PutKey digest = %s", d1)
	}
	p, d, ok, err := c.GetKey("wheel:a")
	if err != nil || !ok || p != p1 || d != d1 {
		t.Fatalf("GetKey = %q %q %v %v", p, d, ok, err)
	}
	// Replacing the entry points the key at the new blob.
	_, d2, err := c.PutKey(ctx, "wheel:a", strings.NewReader("two"))
	if err != nil {
		t.Fatal(err)
	}
	if _, d, ok, _ := c.GetKey("wheel:a"); !ok || d != d2 {
		t.Errorf("GetKey after replace = %s, %v; want %s", d, ok, d2)
	}
	if _, _, err := c.PutKey(ctx, "", strings.NewReader("x")); err == nil || err.Error() != "storing keyed entry: empty key" {
		t.Errorf("PutKey with empty key = %v", err)
	}

	t.Run("blob gone", func(t *testing.T) {
		_, d, err := c.PutKey(ctx, "layer:b", strings.NewReader("three"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(c.blobPath(d)); err != nil {
			t.Fatal(err)
		}
		if _, _, ok, err := c.GetKey("layer:b"); err != nil || ok {
			t.Errorf("GetKey with missing blob = %v, %v", ok, err)
		}
	})
	for _, bad := range []string{"", "garbage", "sha256:1234", strings.Repeat("a", 64), strings.Repeat("x", 500)} {
		t.Run("corrupt pointer "+strconv.Quote(bad[:min(len(bad), 10)]), func(t *testing.T) {
			key := "k:" + bad
			if _, _, err := c.PutKey(ctx, key, strings.NewReader("four")); err != nil {
				t.Fatal(err)
			}
			kp := c.keyPath(key)
			if err := os.Chmod(kp, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(kp, []byte(bad), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, _, ok, err := c.GetKey(key); err != nil || ok {
				t.Errorf("GetKey = %v, %v; want not ok", ok, err)
			}
			if _, err := os.Stat(kp); !os.IsNotExist(err) {
				t.Errorf("corrupt pointer still present: %v", err)
			}
		})
	}
}

// slowReader hands out its data a few bytes at a time, so concurrent
// writers overlap.
type slowReader struct{ data []byte }

func (s *slowReader) Read(p []byte) (int, error) {
	if len(s.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), 4096)], s.data)
	s.data = s.data[n:]
	time.Sleep(50 * time.Microsecond)
	return n, nil
}

func TestConcurrentInstances(t *testing.T) {
	dir := t.TempDir()
	a, b := openT(t, dir), openT(t, dir)
	blobs := make([][]byte, 4)
	for i := range blobs {
		blobs[i] = bytes.Repeat([]byte{byte('a' + i)}, 256<<10)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := range 16 {
		c := a
		if g%2 == 1 {
			c = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			data := blobs[g%len(blobs)]
			d := digestOf(data)
			if g%3 == 0 {
				// A liar racing the honest writers must not win: its Put
				// fails with a mismatch, or, once an honest writer has
				// stored the blob, returns that good blob without reading
				// the lie (as Put documents).
				p, err := c.Put(context.Background(), d, &slowReader{append([]byte("x"), data[1:]...)})
				var mm *DigestMismatchError
				switch {
				case errors.As(err, &mm):
				case err != nil:
					errs <- fmt.Errorf("mismatched Put: %w", err)
				default:
					got, rerr := os.ReadFile(p)
					switch {
					case rerr != nil:
						errs <- fmt.Errorf("mismatched Put succeeded, reading its blob: %w", rerr)
					case !bytes.Equal(got, data):
						errs <- fmt.Errorf("mismatched Put succeeded and %s holds other bytes", p)
					}
				}
			}
			if _, err := c.Put(context.Background(), d, &slowReader{data}); err != nil {
				errs <- err
				return
			}
			// Readers may race with renames but never see partial files.
			for range 5 {
				p, ok, err := c.Get(d)
				if err != nil || !ok {
					errs <- fmt.Errorf("Get = %v, %w", ok, err)
					return
				}
				got, err := os.ReadFile(p)
				if err != nil || !bytes.Equal(got, data) {
					errs <- fmt.Errorf("read %s: %w (len %d)", p, err, len(got))
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if left := tempFiles(t, dir); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestProcesses runs several copies of the test binary against one cache
// directory at once; each stores the same blobs and checks what it reads.
func TestProcesses(t *testing.T) {
	if dir := os.Getenv("CANTO_CACHE_HELPER_DIR"); dir != "" {
		helperProcess(t, dir)
		return
	}
	dir := t.TempDir()
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	for range 4 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestProcesses$", "-test.count=1")
		cmd.Env = append(os.Environ(), "CANTO_CACHE_HELPER_DIR="+dir)
		out := &bytes.Buffer{}
		cmd.Stdout, cmd.Stderr = out, out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
		outs = append(outs, out)
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("helper %d: %v\n%s", i, err, outs[i])
		}
	}
	c := openT(t, dir, WithVerify(VerifyAlways))
	for i := range 8 {
		if _, ok, err := c.Get(digestOf(helperBlob(i))); err != nil || !ok {
			t.Errorf("blob %d after helpers: %v, %v", i, ok, err)
		}
	}
	if left := tempFiles(t, dir); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func helperBlob(i int) []byte {
	return bytes.Repeat([]byte(strconv.Itoa(i)), 100<<10+i)
}

func helperProcess(t *testing.T, dir string) {
	c := openT(t, dir)
	for i := range 8 {
		data := helperBlob(i)
		d := digestOf(data)
		if _, err := c.Put(context.Background(), d, &slowReader{data}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := c.PutKey(context.Background(), "shared-key", bytes.NewReader(data)); err != nil {
			t.Fatal(err)
		}
		p, ok, err := c.Get(d)
		if err != nil || !ok {
			t.Fatalf("Get %d = %v, %v", i, ok, err)
		}
		got, err := os.ReadFile(p)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("blob %d read back wrong: %v", i, err)
		}
		if _, _, ok, err := c.GetKey("shared-key"); err != nil || !ok {
			t.Fatalf("GetKey = %v, %v", ok, err)
		}
	}
}
