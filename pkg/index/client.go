package index

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime"
	"net"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/canto-build/canto/pkg/cache"
)

// Defaults for NewClient.
const (
	DefaultRetries      = 4
	DefaultBackoffBase  = 500 * time.Millisecond
	DefaultBackoffMax   = 30 * time.Second
	DefaultStallTimeout = 60 * time.Second
	DefaultMaxSize      = int64(2) << 30 // 2 GiB per downloaded file
	DefaultUserAgent    = "canto"

	// MaxPageSize bounds a project page. The largest pages on PyPI are a few
	// tens of megabytes.
	MaxPageSize = int64(256) << 20

	maxRedirects = 10
)

// acceptSimple asks for PEP 691 JSON first, then the HTML serializations
// (PEP 691 "Version + Format Selection").
// https://peps.python.org/pep-0691/#version-format-selection
const acceptSimple = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"

// Client talks to Simple Repository API indexes and downloads files into
// the cache. It is safe for concurrent use.
type Client struct {
	hc        *http.Client
	log       *slog.Logger
	retries   int
	base, max time.Duration
	creds     Credentials
	userAgent string
	stall     time.Duration
	maxSize   int64

	cacheOpt  *cache.Cache
	cacheOnce sync.Once
	cache     *cache.Cache
	cacheErr  error

	mu       sync.Mutex
	embedded map[string]originCredentials // origin → credentials from URLs given to the client
	flights  map[string]*flight           // sha256 → download in progress
}

// Option configures NewClient.
type Option func(*Client)

// WithHTTPClient sets the HTTP client. The default uses a clone of
// http.DefaultTransport and no overall timeout (the stall timeout and the
// context bound each request). The client's CheckRedirect is replaced: the
// Client follows redirects itself (at most 10) so that it can choose
// credentials for every hop.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) { c.hc = hc }
}

// WithLogger sets where requests, retries and cache hits are logged, at
// debug and warn levels. The default discards. URLs are redacted.
func WithLogger(l *slog.Logger) Option {
	return func(c *Client) { c.log = l }
}

// WithRetries sets how many times a failed request is retried (so n+1
// attempts in all). The default is DefaultRetries; negative means 0.
func WithRetries(n int) Option {
	return func(c *Client) { c.retries = n }
}

// WithBackoff sets the exponential backoff between attempts: the n-th retry
// waits a random duration between half and all of base·2ⁿ⁻¹, never more
// than max. A Retry-After header replaces the computed wait, also capped at
// max. The defaults are DefaultBackoffBase and DefaultBackoffMax.
func WithBackoff(base, max time.Duration) Option {
	return func(c *Client) { c.base, c.max = base, max }
}

// WithCredentials sets the provider asked for basic-auth credentials on
// every request. Credentials embedded in a URL given to the client win over
// it for that URL's origin. The default has none.
func WithCredentials(cr Credentials) Option {
	return func(c *Client) { c.creds = cr }
}

// WithUserAgent sets the User-Agent header. The default is DefaultUserAgent.
func WithUserAgent(ua string) Option {
	return func(c *Client) { c.userAgent = ua }
}

// WithStallTimeout aborts an attempt (which is then retried) when no
// response bytes arrive for d. The default is DefaultStallTimeout; 0
// disables it.
func WithStallTimeout(d time.Duration) Option {
	return func(c *Client) { c.stall = d }
}

// WithMaxSize bounds the size of a downloaded file. The default is
// DefaultMaxSize.
func WithMaxSize(n int64) Option {
	return func(c *Client) { c.maxSize = n }
}

// WithCache sets the cache Fetch stores files in. The default opens
// cache.DefaultDir() on the first Fetch.
func WithCache(ca *cache.Cache) Option {
	return func(c *Client) { c.cacheOpt = ca }
}

// NewClient returns a Client with the defaults above changed by opts.
func NewClient(opts ...Option) *Client {
	c := &Client{
		retries:   DefaultRetries,
		base:      DefaultBackoffBase,
		max:       DefaultBackoffMax,
		userAgent: DefaultUserAgent,
		stall:     DefaultStallTimeout,
		maxSize:   DefaultMaxSize,
		embedded:  map[string]originCredentials{},
		flights:   map[string]*flight{},
	}
	for _, o := range opts {
		o(c)
	}
	if c.hc == nil {
		tr := &http.Transport{Proxy: http.ProxyFromEnvironment}
		if dt, ok := http.DefaultTransport.(*http.Transport); ok {
			tr = dt.Clone()
		}
		c.hc = &http.Client{Transport: tr}
	}
	hc := *c.hc
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.hc = &hc
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	c.retries = max(c.retries, 0)
	if c.base <= 0 {
		c.base = DefaultBackoffBase
	}
	if c.max < c.base {
		c.max = c.base
	}
	if c.maxSize <= 0 {
		c.maxSize = DefaultMaxSize
	}
	c.stall = max(c.stall, 0)
	return c
}

// Project fetches and parses the project page of name on the index at
// indexURL (the Simple API root, e.g. "https://pypi.org/simple/"). A 404 or
// 410 answer is a *NotFoundError. Credentials in indexURL
// ("https://user:pass@host/simple/") are remembered for the index's origin,
// so later Fetches of its files send them too; they never appear in the
// page, errors or logs.
func (c *Client) Project(ctx context.Context, indexURL, name string) (*ProjectPage, error) {
	if !validName(name) {
		return nil, fmt.Errorf("getting project %q: not a valid project name (PEP 508)", name)
	}
	norm := normalizeName(name)
	idx, err := c.userURL(indexURL)
	if err != nil {
		return nil, fmt.Errorf("getting project %q: %w", name, err)
	}
	pageURL := *idx
	pageURL.Path = strings.TrimRight(idx.Path, "/") + "/" + norm + "/"
	pageURL.RawPath = ""
	pageURL.Fragment, pageURL.RawFragment = "", ""

	var page *ProjectPage
	err = c.get(ctx, &pageURL, acceptSimple, func(_ context.Context, resp *http.Response, final *url.URL, body io.Reader) error {
		data, err := readAllLimited(body, MaxPageSize, final)
		if err != nil {
			return err
		}
		page, err = parsePage(resp.Header.Get("Content-Type"), data, final)
		if err != nil {
			return fmt.Errorf("parsing %q: %w", redactURL(final), err)
		}
		return nil
	})
	if err != nil {
		var se *StatusError
		if errors.As(err, &se) && (se.StatusCode == http.StatusNotFound || se.StatusCode == http.StatusGone) {
			return nil, &NotFoundError{Project: name, Index: redactURL(idx)}
		}
		return nil, fmt.Errorf("getting project %q from %q: %w", name, redactURL(idx), err)
	}
	if page.Name == "" {
		page.Name = norm
	}
	c.log.Debug("fetched project page", "project", norm, "url", page.URL, "files", len(page.Files))
	return page, nil
}

// parsePage picks the parser by media type (PEP 691 "Project Detail" and
// PEP 503). A page without a Content-Type is read as HTML.
func parsePage(contentType string, data []byte, final *url.URL) (*ProjectPage, error) {
	mt := ""
	if contentType != "" {
		var err error
		mt, _, err = mime.ParseMediaType(contentType)
		if err != nil {
			return nil, fmt.Errorf("reading Content-Type %q: %w", contentType, err)
		}
	}
	switch mt {
	case "application/vnd.pypi.simple.v1+json", "application/vnd.pypi.simple.latest+json", "application/json":
		return ParseJSON(data, final)
	case "", "text/html", "application/vnd.pypi.simple.v1+html", "application/vnd.pypi.simple.latest+html":
		return ParseHTML(data, final)
	}
	return nil, fmt.Errorf("unsupported Content-Type %q", mt)
}

// userURL parses an index or file URL given by the caller, checks its
// scheme, and moves any embedded credentials into the client, bound to the
// URL's origin: they are used for every later request to that origin (files
// an index serves from its own host) until another URL for the origin
// brings different ones.
func (c *Client) userURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse quotes its input in errors; keep secrets out.
		return nil, fmt.Errorf("parsing URL %q: malformed", Redact(raw))
	}
	if u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("parsing URL %q: want an absolute http or https URL", redactURL(u))
	}
	clean, user, pass, ok := stripUserinfo(u)
	if ok {
		o := origin(clean)
		c.mu.Lock()
		c.embedded[o] = originCredentials{origin: o, user: user, pass: pass}
		c.mu.Unlock()
	}
	return clean, nil
}

func (c *Client) credentialsFor(u *url.URL) (user, pass string, ok bool) {
	c.mu.Lock()
	e, ok := c.embedded[origin(u)]
	c.mu.Unlock()
	if ok {
		return e.user, e.pass, true
	}
	if c.creds != nil {
		return c.creds.For(u)
	}
	return "", "", false
}

// useFunc consumes a successful response. body is the response body,
// watched for stalls; read errors from it are *bodyError.
type useFunc func(ctx context.Context, resp *http.Response, final *url.URL, body io.Reader) error

// get requests u until use succeeds, an error not worth retrying happens,
// or the attempts run out.
func (c *Client) get(ctx context.Context, u *url.URL, accept string, use useFunc) error {
	attempts := c.retries + 1
	for attempt := 1; ; attempt++ {
		err := c.attempt(ctx, u, accept, use)
		if err == nil {
			return nil
		}
		var re *retryableError
		if !errors.As(err, &re) || ctx.Err() != nil {
			return err
		}
		if attempt >= attempts {
			return &AttemptsError{Attempts: attempts, Err: re.err}
		}
		delay := c.backoff(attempt)
		if re.after > 0 {
			delay = min(re.after, c.max)
		}
		c.log.Warn("retrying request", "url", redactURL(u), "attempt", attempt, "attempts", attempts, "delay", delay, "error", re.err.Error())
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("waiting to retry: %w (last error: %w)", ctx.Err(), re.err)
		case <-t.C:
		}
	}
}

// backoff returns the wait before retry n (n ≥ 1): uniformly random in
// [d/2, d] where d = min(max, base·2ⁿ⁻¹).
func (c *Client) backoff(n int) time.Duration {
	d := c.base
	for i := 1; i < n && d < c.max; i++ {
		d *= 2
	}
	d = min(d, c.max)
	return d/2 + rand.N(d/2+1)
}

var errStalled = errors.New("stalled")

// attempt makes one request, following redirects, and hands a successful
// response to use. Errors worth retrying come back as *retryableError.
func (c *Client) attempt(ctx context.Context, u *url.URL, accept string, use useFunc) (err error) {
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var stall *time.Timer
	if c.stall > 0 {
		stall = time.AfterFunc(c.stall, func() { cancel(errStalled) })
		defer stall.Stop()
	}
	defer func() {
		if err != nil && ctx.Err() == nil && errors.Is(context.Cause(actx), errStalled) {
			err = &retryableError{err: fmt.Errorf("%s sent no data for %s", redactURL(u), c.stall)}
		}
	}()

	resp, final, sent, err := c.send(actx, u, accept)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	switch code := resp.StatusCode; {
	case code >= 200 && code < 300:
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		drain(resp.Body)
		return &AuthError{URL: redactURL(final), Host: final.Hostname(), StatusCode: code, CredentialsSent: sent}
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || code >= 500:
		drain(resp.Body)
		return &retryableError{
			err:   &StatusError{URL: redactURL(final), StatusCode: code},
			after: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()),
		}
	default:
		drain(resp.Body)
		return &StatusError{URL: redactURL(final), StatusCode: code}
	}
	body := &watchedBody{r: resp.Body, stall: stall, every: c.stall, url: redactURL(final)}
	if err := use(actx, resp, final, body); err != nil {
		var be *bodyError
		if errors.As(err, &be) && transient(be.err) {
			return &retryableError{err: be}
		}
		return err
	}
	return nil
}

// send issues GET u and follows redirects. Credentials are chosen afresh
// for each hop, and none are sent once a redirect has left https for http.
func (c *Client) send(ctx context.Context, u *url.URL, accept string) (resp *http.Response, final *url.URL, sentCreds bool, err error) {
	cur := u
	downgraded := false
	for hop := 0; ; hop++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, cur.String(), nil)
		if err != nil {
			return nil, nil, false, fmt.Errorf("requesting %q: %w", redactURL(cur), err)
		}
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		req.Header.Set("User-Agent", c.userAgent)
		sentCreds = false
		if !downgraded {
			if user, pass, ok := c.credentialsFor(cur); ok {
				req.SetBasicAuth(user, pass)
				sentCreds = true
			}
		}
		c.log.Debug("GET", "url", redactURL(cur), "auth", sentCreds)
		resp, err := c.hc.Do(req)
		if err != nil {
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err
			}
			te := fmt.Errorf("GET %s: %w", redactURL(cur), err)
			if transient(err) {
				return nil, nil, false, &retryableError{err: te}
			}
			return nil, nil, false, te
		}
		switch resp.StatusCode {
		case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
			http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		default:
			return resp, cur, sentCreds, nil
		}
		loc := resp.Header.Get("Location")
		drain(resp.Body)
		_ = resp.Body.Close()
		if loc == "" {
			return nil, nil, false, fmt.Errorf("GET %s: redirect without a Location", redactURL(cur))
		}
		if hop >= maxRedirects {
			return nil, nil, false, fmt.Errorf("GET %s: stopped after %d redirects", redactURL(u), maxRedirects)
		}
		ref, err := url.Parse(loc)
		if err != nil {
			return nil, nil, false, fmt.Errorf("GET %s: malformed redirect Location", redactURL(cur))
		}
		next, _, _, _ := stripUserinfo(cur.ResolveReference(ref))
		if next.Scheme != "http" && next.Scheme != "https" {
			return nil, nil, false, fmt.Errorf("GET %s: redirect to unsupported scheme %q", redactURL(cur), next.Scheme)
		}
		if cur.Scheme == "https" && next.Scheme == "http" {
			downgraded = true
		}
		c.log.Debug("redirected", "from", redactURL(cur), "to", redactURL(next), "status", resp.StatusCode)
		cur = next
	}
}

// retryableError marks a failure worth another attempt; after is the
// server's Retry-After, if any.
type retryableError struct {
	err   error
	after time.Duration
}

func (e *retryableError) Error() string { return e.err.Error() }
func (e *retryableError) Unwrap() error { return e.err }

// bodyError is a failure reading a response body.
type bodyError struct {
	url string // redacted
	err error
}

func (e *bodyError) Error() string { return fmt.Sprintf("reading %s: %v", e.url, e.err) }
func (e *bodyError) Unwrap() error { return e.err }

// transient reports network failures that another attempt may not meet:
// resets, refusals, timeouts, and connections closed early (EOF, or fewer
// bytes than Content-Length promised, which net/http reports as
// io.ErrUnexpectedEOF).
func transient(err error) bool {
	for _, target := range []error{io.EOF, io.ErrUnexpectedEOF, syscall.ECONNRESET, syscall.ECONNREFUSED,
		syscall.ECONNABORTED, syscall.EPIPE, syscall.ETIMEDOUT} {
		if errors.Is(err, target) {
			return true
		}
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	var oe *net.OpError
	return errors.As(err, &oe)
}

// parseRetryAfter reads a Retry-After value, delay-seconds or an HTTP-date
// (RFC 9110 section 10.2.3), as a duration from now; 0 if absent or invalid.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, 24*60*60)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// watchedBody resets the stall timer whenever bytes arrive and marks read
// errors as *bodyError.
type watchedBody struct {
	r     io.Reader
	stall *time.Timer
	every time.Duration
	url   string
}

func (w *watchedBody) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	if n > 0 && w.stall != nil {
		w.stall.Reset(w.every)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		err = &bodyError{url: w.url, err: err}
	}
	return n, err
}

// sizeError reports a body over its size limit.
type sizeError struct {
	url   string
	limit int64
}

func (e *sizeError) Error() string {
	return fmt.Sprintf("%s is larger than the limit of %d bytes\nhint: raise the download size limit if this file is expected to be this big", e.url, e.limit)
}

// limitedReader fails with *sizeError once more than left bytes are read.
type limitedReader struct {
	r    io.Reader
	left int64
	err  *sizeError
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, l.err
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return n, l.err
	}
	return n, err
}

func readAllLimited(r io.Reader, limit int64, u *url.URL) ([]byte, error) {
	return io.ReadAll(&limitedReader{r: r, left: limit, err: &sizeError{url: redactURL(u), limit: limit}})
}

// drain reads a little of a body we are not using, so the connection can
// be reused.
func drain(r io.Reader) {
	_, _ = io.Copy(io.Discard, io.LimitReader(r, 64<<10))
}

func fileName(u *url.URL) string {
	return path.Base(u.Path)
}
