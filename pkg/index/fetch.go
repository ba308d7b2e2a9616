package index

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/canto-build/canto/pkg/cache"
)

// flight is one download in progress; Fetch calls for the same sha256 in
// this process wait for it rather than download again.
type flight struct {
	done chan struct{}
	path string
	err  error
}

// Fetch returns the path of a cached file whose sha256 is wantSHA256 (hex,
// optionally prefixed "sha256:"), downloading it from fileURL if the cache
// lacks it. A cache hit makes no request. A download streams through the
// hasher into the cache and is kept only if the hash matches; otherwise
// Fetch returns a *HashMismatchError and caches nothing. Downloads larger
// than the size limit fail. Concurrent Fetches of one hash share one
// download.
func (c *Client) Fetch(ctx context.Context, fileURL, wantSHA256 string) (string, error) {
	want, err := normSHA256(wantSHA256)
	if err != nil {
		return "", fmt.Errorf("fetching %q: %w", Redact(fileURL), err)
	}
	u, err := c.userURL(fileURL)
	if err != nil {
		return "", fmt.Errorf("fetching: %w", err)
	}
	store, err := c.store()
	if err != nil {
		return "", fmt.Errorf("fetching %q: %w", redactURL(u), err)
	}
	for {
		if p, ok, err := store.Get(want); err != nil {
			return "", fmt.Errorf("fetching %q: %w", redactURL(u), err)
		} else if ok {
			c.log.Debug("cache hit", "url", redactURL(u), "sha256", want)
			return p, nil
		}
		c.mu.Lock()
		f, waiting := c.flights[want]
		if !waiting {
			f = &flight{done: make(chan struct{})}
			c.flights[want] = f
		}
		c.mu.Unlock()
		if !waiting {
			f.path, f.err = c.download(ctx, u, want, store)
			c.mu.Lock()
			delete(c.flights, want)
			c.mu.Unlock()
			close(f.done)
			return f.path, f.err
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("fetching %q: %w", redactURL(u), ctx.Err())
		case <-f.done:
		}
		// The leader's own cancellation is not ours: try again.
		if f.err != nil && (errors.Is(f.err, context.Canceled) || errors.Is(f.err, context.DeadlineExceeded)) && ctx.Err() == nil {
			continue
		}
		return f.path, f.err
	}
}

func (c *Client) download(ctx context.Context, u *url.URL, want string, store *cache.Cache) (string, error) {
	var path string
	c.log.Debug("downloading", "url", redactURL(u), "sha256", want)
	err := c.get(ctx, u, "", func(ctx context.Context, resp *http.Response, final *url.URL, body io.Reader) error {
		lim := &sizeError{url: redactURL(final), limit: c.maxSize}
		if resp.ContentLength > c.maxSize {
			return lim
		}
		p, err := store.Put(ctx, want, &limitedReader{r: body, left: c.maxSize, err: lim})
		if err != nil {
			var dm *cache.DigestMismatchError
			if errors.As(err, &dm) {
				return &HashMismatchError{URL: redactURL(u), Filename: fileName(u), Expected: want, Actual: dm.Actual}
			}
			// Report transfer failures as themselves, not as the cache's
			// temporary file write that they interrupted.
			var be *bodyError
			if errors.As(err, &be) {
				return be
			}
			var se *sizeError
			if errors.As(err, &se) {
				return se
			}
			return err
		}
		path = p
		return nil
	})
	if err != nil {
		var hm *HashMismatchError
		if errors.As(err, &hm) {
			return "", hm
		}
		return "", fmt.Errorf("fetching %q: %w", redactURL(u), err)
	}
	c.log.Debug("downloaded", "url", redactURL(u), "path", path)
	return path, nil
}

func (c *Client) store() (*cache.Cache, error) {
	c.cacheOnce.Do(func() {
		if c.cacheOpt != nil {
			c.cache = c.cacheOpt
			return
		}
		dir, err := cache.DefaultDir()
		if err != nil {
			c.cacheErr = err
			return
		}
		c.cache, c.cacheErr = cache.Open(dir, cache.WithLogger(c.log))
	})
	return c.cache, c.cacheErr
}

func normSHA256(s string) (string, error) {
	d := strings.ToLower(strings.TrimPrefix(s, "sha256:"))
	if _, err := hex.DecodeString(d); err != nil || len(d) != 64 {
		return "", fmt.Errorf("invalid sha256 %q: want 64 hex digits\nhint: canto only downloads files whose sha256 the lock file records", s)
	}
	return d, nil
}
