package cache

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// A keyed entry maps an arbitrary key (for example "wheel:<sdist sha256>:<tag>"
// or "layer:<digest>:zstd") to a blob. The entry itself is a tiny pointer file
// holding "sha256:<hex>\n"; the data lives in the content-addressed store, so
// it is verified on read like any other blob and identical results share
// storage.

const maxPointerSize = 128

var errPointerTooLarge = errors.New("keyed entry is too large to be a pointer")

func (c *Cache) keyPath(key string) string {
	sum := sha256.Sum256([]byte(key))
	h := hex.EncodeToString(sum[:])
	return filepath.Join(c.dir, keyDir, h[:2], h)
}

// PutKey stores the content of r and points key at it, replacing any previous
// entry for key. It returns the blob's path and hex sha256. Concurrent
// PutKey calls for one key leave whichever finished last.
func (c *Cache) PutKey(ctx context.Context, key string, r io.Reader) (path, hexdigest string, err error) {
	if key == "" {
		return "", "", errors.New("storing keyed entry: empty key")
	}
	d, p, err := c.Add(ctx, r)
	if err != nil {
		return "", "", fmt.Errorf("storing keyed entry %q: %w", key, err)
	}
	if err := c.writePointer(key, d); err != nil {
		return "", "", fmt.Errorf("storing keyed entry %q: %w", key, err)
	}
	return p, d, nil
}

// GetKey returns the blob that key points at. ok is false when there is no
// entry, or when the blob it names is missing or corrupt.
func (c *Cache) GetKey(key string) (path, hexdigest string, ok bool, err error) {
	kp := c.keyPath(key)
	data, err := readSmall(kp, maxPointerSize)
	if errors.Is(err, fs.ErrNotExist) {
		return "", "", false, nil
	}
	if err != nil && !errors.Is(err, errPointerTooLarge) {
		return "", "", false, fmt.Errorf("reading keyed entry %q: %w", key, err)
	}
	line := strings.TrimSpace(string(data))
	d, perr := normDigest(line)
	if err != nil || perr != nil || !strings.HasPrefix(line, "sha256:") {
		// A pointer is written atomically, so this is damage from outside;
		// drop it and let the caller rebuild.
		removeIfExists(kp)
		c.log.Warn("removed corrupt keyed entry", "key", key, "path", kp)
		return "", "", false, nil
	}
	p, ok, err := c.Get(d)
	if err != nil || !ok {
		return "", "", false, err
	}
	return p, d, true, nil
}

func (c *Cache) writePointer(key, d string) error {
	tmp, _, err := c.writeTemp(context.Background(), bytes.NewReader([]byte("sha256:"+d+"\n")))
	if err != nil {
		return err
	}
	defer removeIfExists(tmp)
	kp := c.keyPath(key)
	if err := os.MkdirAll(filepath.Dir(kp), 0o755); err != nil {
		return err
	}
	if err := os.Rename(tmp, kp); err != nil {
		return err
	}
	syncDir(filepath.Dir(kp))
	return nil
}

func readSmall(p string, limit int64) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, errPointerTooLarge
	}
	return data, nil
}
