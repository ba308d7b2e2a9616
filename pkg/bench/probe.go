package bench

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// HTTPProber returns a Prober that sends GET url every interval until any
// HTTP response arrives (whatever its status: the server answered), giving
// up after timeout.
func HTTPProber(url string, interval, timeout time.Duration) Prober {
	client := &http.Client{Timeout: time.Second}
	return func(ctx context.Context) error {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		var last error
		for {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if err != nil {
				return fmt.Errorf("probing %q: %w", url, err)
			}
			resp, err := client.Do(req)
			if err == nil {
				_ = resp.Body.Close()
				return nil
			}
			last = err
			select {
			case <-ctx.Done():
				if errors.Is(ctx.Err(), context.DeadlineExceeded) {
					return fmt.Errorf("probing %q: no answer within %s: %w\nhint: check --probe-url and the image's command", url, timeout, last)
				}
				return ctx.Err()
			case <-time.After(interval):
			}
		}
	}
}

// PoetryAdd returns a Change that adds a dependency and updates the lock
// without installing anything: `poetry add --lock NAME` in the project
// directory, run by the poetry binary with env added to the process's
// environment. Poetry gets an empty cache (POETRY_CACHE_DIR in a fresh
// directory next to the project copy), so a cache that remembers other
// files under the same names cannot put their hashes into the lock.
func PoetryAdd(poetry, pkg string, env []string) Change {
	return func(ctx context.Context, dir string) error {
		cache, err := os.MkdirTemp(filepath.Dir(dir), "poetry-cache-")
		if err != nil {
			return fmt.Errorf("making a Poetry cache: %w", err)
		}
		defer func() { _ = os.RemoveAll(cache) }()
		c := exec.CommandContext(ctx, poetry, "add", "--lock", pkg)
		c.Dir = dir
		c.Env = append(append(os.Environ(), env...), "POETRY_CACHE_DIR="+cache)
		out, err := c.CombinedOutput()
		if err != nil {
			return fmt.Errorf("running poetry add --lock %s: %w\n%s\nhint: the package must be on the project's index, and poetry on PATH (or --poetry)", pkg, err, tail(strings.TrimSpace(string(out)), 15))
		}
		return nil
	}
}
