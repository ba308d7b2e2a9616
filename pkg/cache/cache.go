package cache

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Layout under the cache directory:
//
//	sha256/ab/abcdef…   blobs, named by the hex sha256 of their content
//	keys/12/1234…       keyed entries: a one-line pointer "sha256:<hex>" to a blob,
//	                    named by the sha256 of the key
//	tmp/                in-progress writes; renamed into place when complete
//
// Every file that appears under sha256/ or keys/ was written in full to tmp/,
// fsynced and renamed, so readers in this or any other process never see a
// partial file. Renames stay on one filesystem because tmp/ lives in the
// same directory tree.
const (
	blobDir = "sha256"
	keyDir  = "keys"
	tmpDir  = "tmp"

	tmpPrefix = ".tmp-"
)

// VerifyPolicy says how much Get checks a blob before handing out its path.
type VerifyPolicy int

const (
	// VerifyOnce (the default) re-hashes a blob the first time a Cache
	// instance returns it and remembers the result for as long as the file's
	// identity (device, inode), size and modification time stay the same.
	// A blob damaged after that check, without any of those changing, is not
	// noticed until the next process opens the cache.
	VerifyOnce VerifyPolicy = iota
	// VerifyAlways re-hashes the whole blob on every Get.
	VerifyAlways
)

// DigestMismatchError reports content whose sha256 is not the digest it was
// stored under. Nothing is left under the expected digest.
type DigestMismatchError struct {
	Expected string // hex sha256 the caller asked for
	Actual   string // hex sha256 of the bytes received
}

func (e *DigestMismatchError) Error() string {
	return fmt.Sprintf("content has sha256 %s, expected %s", e.Actual, e.Expected)
}

// Cache is a content-addressed store in one directory. It is safe for
// concurrent use by many goroutines, and by many processes sharing the
// directory.
type Cache struct {
	dir      string
	log      *slog.Logger
	policy   VerifyPolicy
	staleAge time.Duration
	now      func() time.Time

	mu       sync.Mutex
	verified map[string]os.FileInfo // hex digest → file seen to be good
}

// Option configures Open.
type Option func(*Cache)

// WithLogger sets where the cache reports removed corrupt entries and stale
// temporary files. The default discards.
func WithLogger(l *slog.Logger) Option {
	return func(c *Cache) { c.log = l }
}

// WithVerify sets the read verification policy. The default is VerifyOnce.
func WithVerify(p VerifyPolicy) Option {
	return func(c *Cache) { c.policy = p }
}

// WithStaleTempAge sets how old a temporary file must be (by modification
// time) before Open deletes it as the leftover of a killed writer. Writers
// touch their temporary file with every chunk, so a live write never looks
// stale unless it stalls for this long. The default is one hour.
func WithStaleTempAge(d time.Duration) Option {
	return func(c *Cache) { c.staleAge = d }
}

// DefaultDir returns $XDG_CACHE_HOME/canto, or ~/.cache/canto when
// XDG_CACHE_HOME is unset or not absolute (as the XDG base directory
// specification requires).
func DefaultDir() (string, error) {
	if x := os.Getenv("XDG_CACHE_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "canto"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("finding the cache directory: %w\nhint: set XDG_CACHE_HOME or HOME", err)
	}
	return filepath.Join(home, ".cache", "canto"), nil
}

// Open prepares dir as a cache, creating it if needed, and removes temporary
// files left behind by writers that died more than the stale age ago.
func Open(dir string, opts ...Option) (*Cache, error) {
	c := &Cache{
		dir:      dir,
		log:      slog.New(slog.DiscardHandler),
		policy:   VerifyOnce,
		staleAge: time.Hour,
		now:      time.Now,
		verified: map[string]os.FileInfo{},
	}
	for _, o := range opts {
		o(c)
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	if dir == "" {
		return nil, errors.New("opening cache: empty directory name")
	}
	for _, d := range []string{blobDir, keyDir, tmpDir} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return nil, fmt.Errorf("opening cache %q: %w", dir, err)
		}
	}
	if err := c.cleanTemp(); err != nil {
		return nil, fmt.Errorf("opening cache %q: %w", dir, err)
	}
	return c, nil
}

// Dir returns the cache's directory.
func (c *Cache) Dir() string { return c.dir }

// cleanTemp deletes temporary files older than the stale age. Files that
// vanish meanwhile were renamed or cleaned by someone else.
func (c *Cache) cleanTemp() error {
	tmp := filepath.Join(c.dir, tmpDir)
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return fmt.Errorf("listing %q: %w", tmp, err)
	}
	cutoff := c.now().Add(-c.staleAge)
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), tmpPrefix) {
			continue
		}
		info, err := e.Info()
		if err != nil || !info.ModTime().Before(cutoff) {
			continue
		}
		p := filepath.Join(tmp, e.Name())
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("removing stale %q: %w", p, err)
		}
		c.log.Debug("removed stale temporary file", "path", p, "modified", info.ModTime())
	}
	return nil
}

// normDigest checks that d is a hex sha256 and returns it in lower case.
func normDigest(d string) (string, error) {
	d = strings.ToLower(strings.TrimPrefix(d, "sha256:"))
	if len(d) != sha256.Size*2 {
		return "", fmt.Errorf("invalid sha256 %q: want %d hex digits", d, sha256.Size*2)
	}
	if _, err := hex.DecodeString(d); err != nil {
		return "", fmt.Errorf("invalid sha256 %q: not hexadecimal", d)
	}
	return d, nil
}

func (c *Cache) blobPath(d string) string {
	return filepath.Join(c.dir, blobDir, d[:2], d)
}

// Get returns the path of the blob with the given hex sha256 (an optional
// "sha256:" prefix is accepted). ok is false when the blob is absent or was
// found corrupt; a corrupt blob is removed so that the next Put replaces it.
// Verification follows the cache's VerifyPolicy. The file is read-only;
// callers must not modify it.
func (c *Cache) Get(hexdigest string) (path string, ok bool, err error) {
	d, err := normDigest(hexdigest)
	if err != nil {
		return "", false, err
	}
	p := c.blobPath(d)
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("opening %q: %w", p, err)
	}
	defer func() { _ = f.Close() }()
	info, err := f.Stat()
	if err != nil {
		return "", false, fmt.Errorf("opening %q: %w", p, err)
	}
	if c.policy == VerifyOnce && c.seenGood(d, info) {
		return p, true, nil
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", false, fmt.Errorf("verifying %q: %w", p, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != d {
		c.forget(d)
		// Remove only the file we hashed: another process may have just
		// renamed a good copy into place.
		if now, err := os.Lstat(p); err == nil && os.SameFile(now, info) {
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return "", false, fmt.Errorf("removing corrupt %q: %w", p, err)
			}
		}
		c.log.Warn("removed corrupt cache entry", "path", p, "sha256", got)
		return "", false, nil
	}
	c.remember(d, info)
	return p, true, nil
}

func (c *Cache) seenGood(d string, info os.FileInfo) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	prev, ok := c.verified[d]
	return ok && os.SameFile(prev, info) && prev.Size() == info.Size() && prev.ModTime().Equal(info.ModTime())
}

func (c *Cache) remember(d string, info os.FileInfo) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.verified[d] = info
}

func (c *Cache) forget(d string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.verified, d)
}

// Put streams r into the cache under hexdigest and returns the blob's path.
// The bytes go to a temporary file, hashed as they are written; the file is
// fsynced and renamed into place only if its sha256 equals hexdigest.
// Otherwise Put returns a *DigestMismatchError and nothing appears under
// hexdigest. If a good blob is already present, Put returns its path without
// reading r.
func (c *Cache) Put(ctx context.Context, hexdigest string, r io.Reader) (string, error) {
	d, err := normDigest(hexdigest)
	if err != nil {
		return "", err
	}
	if p, ok, err := c.Get(d); err != nil {
		return "", err
	} else if ok {
		return p, nil
	}
	tmp, got, err := c.writeTemp(ctx, r)
	if err != nil {
		return "", err
	}
	defer removeIfExists(tmp)
	if got != d {
		return "", &DigestMismatchError{Expected: d, Actual: got}
	}
	return c.install(tmp, d)
}

// Add streams r into the cache under whatever sha256 its content has and
// returns that hex digest and the blob's path.
func (c *Cache) Add(ctx context.Context, r io.Reader) (hexdigest, path string, err error) {
	tmp, d, err := c.writeTemp(ctx, r)
	if err != nil {
		return "", "", err
	}
	defer removeIfExists(tmp)
	p, err := c.install(tmp, d)
	if err != nil {
		return "", "", err
	}
	return d, p, nil
}

// install renames a complete, verified temporary file to the blob path of d.
// Concurrent installs of the same digest carry identical bytes, so whichever
// rename lands last is as good as the first.
func (c *Cache) install(tmp, d string) (string, error) {
	p := c.blobPath(d)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", fmt.Errorf("storing %s: %w", d, err)
	}
	if err := os.Rename(tmp, p); err != nil {
		return "", fmt.Errorf("storing %s: %w", d, err)
	}
	syncDir(filepath.Dir(p))
	if info, err := os.Stat(p); err == nil {
		c.remember(d, info)
	}
	return p, nil
}

// writeTemp copies r into a new read-only temporary file, fsyncs it and
// returns its path and the hex sha256 of what was written. On error the
// temporary file is gone.
func (c *Cache) writeTemp(ctx context.Context, r io.Reader) (path, hexdigest string, err error) {
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	name := filepath.Join(c.dir, tmpDir, tmpPrefix+hex.EncodeToString(rnd[:]))
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return "", "", fmt.Errorf("creating temporary file: %w", err)
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			removeIfExists(name)
		}
	}()
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(f, h), ctxReader{ctx, r}); err != nil {
		return "", "", fmt.Errorf("writing %q: %w", name, err)
	}
	if err := f.Chmod(0o444); err != nil {
		return "", "", fmt.Errorf("writing %q: %w", name, err)
	}
	if err := f.Sync(); err != nil {
		return "", "", fmt.Errorf("syncing %q: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return "", "", fmt.Errorf("closing %q: %w", name, err)
	}
	return name, hex.EncodeToString(h.Sum(nil)), nil
}

// ctxReader stops a copy once its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func removeIfExists(p string) {
	_ = os.Remove(p)
}

// syncDir makes a rename durable. It is best effort: some filesystems do not
// support fsync on directories, and the rename itself is already atomic.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
}
