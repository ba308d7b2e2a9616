package index

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/canto-build/canto/pkg/cache"
	"github.com/google/go-cmp/cmp"
)

// syncBuffer collects log output from many goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// newClient returns a client with a fresh cache, fast retries and a debug
// logger writing to the returned buffer.
func newClient(t *testing.T, opts ...Option) (*Client, *syncBuffer) {
	t.Helper()
	ca, err := cache.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	base := []Option{
		WithCache(ca),
		WithBackoff(time.Millisecond, 5*time.Millisecond),
		WithLogger(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		WithStallTimeout(5 * time.Second),
	}
	return NewClient(append(base, opts...)...), logs
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

var wheel = bytes.Repeat([]byte("wheel bytes "), 10000)

func serveWheel(w http.ResponseWriter) {
	w.Header().Set("Content-Length", strconv.Itoa(len(wheel)))
	_, _ = w.Write(wheel)
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestProjectJSON(t *testing.T) {
	var accept, ua string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/simple/zope-interface/":
			accept, ua = r.Header.Get("Accept"), r.Header.Get("User-Agent")
			w.Header().Set("Content-Type", "application/vnd.pypi.simple.v1+json")
			fmt.Fprintf(w, `{"meta":{"api-version":"1.1"},"name":"zope-interface","files":[{"filename":"zope.interface-6.0.tar.gz","url":"../../files/zope.interface-6.0.tar.gz","hashes":{"sha256":"%s"},"requires-python":">=3.7","size":5}]}`, h1)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c, _ := newClient(t, WithUserAgent("canto-test/1"))
	page, err := c.Project(context.Background(), srv.URL+"/simple", "Zope.Interface")
	if err != nil {
		t.Fatal(err)
	}
	want := &ProjectPage{
		Name: "zope-interface", URL: srv.URL + "/simple/zope-interface/", APIVersion: "1.1",
		Files: []File{{Filename: "zope.interface-6.0.tar.gz", URL: srv.URL + "/files/zope.interface-6.0.tar.gz", Hashes: map[string]string{"sha256": h1}, RequiresPython: ">=3.7", Size: 5}},
	}
	if diff := cmp.Diff(want, page); diff != "" {
		t.Errorf("page (-want +got):\n%s", diff)
	}
	if accept != "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01" {
		t.Errorf("Accept = %q", accept)
	}
	if ua != "canto-test/1" {
		t.Errorf("User-Agent = %q", ua)
	}
}

func TestProjectHTMLAfterRedirect(t *testing.T) {
	// The index moved; relative links resolve against the page's final URL.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/old/pkg/":
			http.Redirect(w, r, "/new/simple/pkg/", http.StatusMovedPermanently)
		case "/new/simple/pkg/":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, `<a href="../../../packages/pkg-1.0-py3-none-any.whl#sha256=%s" data-requires-python="&gt;=3.9">pkg-1.0-py3-none-any.whl</a>`, h2)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c, _ := newClient(t)
	page, err := c.Project(context.Background(), srv.URL+"/old/", "pkg")
	if err != nil {
		t.Fatal(err)
	}
	want := &ProjectPage{
		Name: "pkg", URL: srv.URL + "/new/simple/pkg/",
		Files: []File{{Filename: "pkg-1.0-py3-none-any.whl", URL: srv.URL + "/packages/pkg-1.0-py3-none-any.whl", Hashes: map[string]string{"sha256": h2}, RequiresPython: ">=3.9", Size: -1}},
	}
	if diff := cmp.Diff(want, page); diff != "" {
		t.Errorf("page (-want +got):\n%s", diff)
	}
}

func TestProjectErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/simple/gone/":
			w.WriteHeader(http.StatusGone)
		case "/simple/teapot/":
			w.WriteHeader(http.StatusTeapot)
		case "/simple/pdf/":
			w.Header().Set("Content-Type", "application/pdf")
		case "/simple/v2/":
			w.Header().Set("Content-Type", "application/vnd.pypi.simple.v1+json")
			fmt.Fprint(w, `{"meta":{"api-version":"2.0"},"files":[]}`)
		case "/simple/loop/":
			http.Redirect(w, r, "/simple/loop/", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	c, _ := newClient(t)
	idx := srv.URL + "/simple/"
	tests := []struct {
		name, project, want string
	}{
		{"not found", "missing", `project "missing" not found on index ` + idx + "\nhint: check the package name, and that the source URL points at the index's simple API (often ending in /simple/)"},
		{"gone", "gone", `project "gone" not found on index ` + idx + "\nhint: check the package name, and that the source URL points at the index's simple API (often ending in /simple/)"},
		{"other 4xx", "teapot", `getting project "teapot" from "` + idx + `": ` + idx + `teapot/ answered 418 I'm a teapot`},
		{"content type", "pdf", `getting project "pdf" from "` + idx + `": parsing "` + idx + `pdf/": unsupported Content-Type "application/pdf"`},
		{"api version", "v2", `getting project "v2" from "` + idx + `": parsing "` + idx + `v2/": unsupported repository API version "2.0": canto speaks version 1`},
		{"redirect loop", "loop", `getting project "loop" from "` + idx + `": GET ` + idx + `loop/: stopped after 10 redirects`},
		{"bad name", "../etc", `getting project "../etc": not a valid project name (PEP 508)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Project(context.Background(), idx, tt.project)
			if err == nil || err.Error() != tt.want {
				t.Fatalf("Project error =\n%v\nwant\n%s", err, tt.want)
			}
		})
	}
	_, err := c.Project(context.Background(), idx, "missing")
	var nf *NotFoundError
	if !errors.As(err, &nf) || nf.Project != "missing" || nf.Index != idx {
		t.Errorf("Project error = %#v, want *NotFoundError", err)
	}
	if _, err := c.Project(context.Background(), "ftp://x/simple", "a"); err == nil || err.Error() != `getting project "a": parsing URL "ftp://x/simple": want an absolute http or https URL` {
		t.Errorf("ftp index error = %v", err)
	}
}

// authServer requires alice:s3cret-P4ss on every path and serves a page
// and a wheel from its own host.
const (
	testUser = "alice"
	testPass = "s3cret-P4ss"
)

func authServer(t *testing.T, extra func(w http.ResponseWriter, r *http.Request) bool) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if extra != nil && extra(w, r) {
			return
		}
		if u, p, ok := r.BasicAuth(); !ok || u != testUser || p != testPass {
			w.Header().Set("WWW-Authenticate", `Basic realm="idx"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/simple/pkg/":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprintf(w, `<a href="/files/pkg-1.0-py3-none-any.whl#sha256=%s">pkg</a>`, sum(wheel))
		case "/files/pkg-1.0-py3-none-any.whl":
			serveWheel(w)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func hostOf(srv *httptest.Server) string {
	return mustParse(srv.URL).Hostname()
}

func TestAuth(t *testing.T) {
	srv, _ := authServer(t, nil)
	host := hostOf(srv)
	env := map[string]string{
		"POETRY_HTTP_BASIC_PRIVATE_REPO_USERNAME": testUser,
		"POETRY_HTTP_BASIC_PRIVATE_REPO_PASSWORD": testPass,
	}
	netrcPath := filepath.Join(t.TempDir(), "netrc")
	if err := os.WriteFile(netrcPath, []byte("machine "+host+" login "+testUser+" password "+testPass+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	netrc, err := Netrc(netrcPath)
	if err != nil {
		t.Fatal(err)
	}
	withUserinfo := strings.Replace(srv.URL, "http://", "http://"+testUser+":"+testPass+"@", 1)

	tests := []struct {
		name  string
		opts  []Option
		index string
	}{
		{"poetry env", []Option{WithCredentials(PoetryEnv("private-repo", srv.URL+"/simple/", func(k string) string { return env[k] }))}, srv.URL + "/simple/"},
		{"url userinfo", nil, withUserinfo + "/simple/"},
		{"netrc", []Option{WithCredentials(netrc)}, srv.URL + "/simple/"},
		{"chain", []Option{WithCredentials(Chain(PoetryEnv("other", srv.URL, func(string) string { return "" }), netrc))}, srv.URL + "/simple/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newClient(t, tt.opts...)
			page, err := c.Project(context.Background(), tt.index, "pkg")
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Files) != 1 {
				t.Fatalf("files = %+v", page.Files)
			}
			if strings.Contains(page.URL, testPass) || strings.Contains(page.Files[0].URL, testPass) {
				t.Errorf("page carries the password: %+v", page)
			}
			// The file lives on the index host, so it gets the same credentials.
			p, err := c.Fetch(context.Background(), page.Files[0].URL, page.Files[0].Hashes["sha256"])
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(readFile(t, p), wheel) {
				t.Error("fetched file differs")
			}
		})
	}

	t.Run("no credentials", func(t *testing.T) {
		c, _ := newClient(t)
		_, err := c.Project(context.Background(), srv.URL+"/simple/", "pkg")
		var ae *AuthError
		if !errors.As(err, &ae) || ae.CredentialsSent {
			t.Fatalf("error = %v, want *AuthError without credentials", err)
		}
		want := `getting project "pkg" from "` + srv.URL + `/simple/": ` + srv.URL + `/simple/pkg/ answered 401 Unauthorized and no credentials are configured for ` + host +
			"\nhint: set POETRY_HTTP_BASIC_<SOURCE>_USERNAME and _PASSWORD, put user:password@ in the source URL, or add \"machine " + host + "\" to ~/.netrc"
		if err.Error() != want {
			t.Errorf("error =\n%s\nwant\n%s", err, want)
		}
	})
	t.Run("wrong credentials", func(t *testing.T) {
		c, _ := newClient(t)
		bad := strings.Replace(srv.URL, "http://", "http://alice:wrong@", 1)
		_, err := c.Project(context.Background(), bad+"/simple/", "pkg")
		var ae *AuthError
		if !errors.As(err, &ae) || !ae.CredentialsSent || ae.StatusCode != 401 {
			t.Fatalf("error = %v, want *AuthError with credentials", err)
		}
		want := `getting project "pkg" from "` + srv.URL + `/simple/": ` + srv.URL + `/simple/pkg/ answered 401 Unauthorized to the credentials sent for ` + host +
			"\nhint: check the user name and password (or token) configured for this source"
		if err.Error() != want {
			t.Errorf("error =\n%s\nwant\n%s", err, want)
		}
	})
}

func TestRedirectToOtherHostDropsCredentials(t *testing.T) {
	var gotAuth atomic.Value
	gotAuth.Store("")
	cdn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth.Store(r.Header.Get("Authorization"))
		serveWheel(w)
	}))
	defer cdn.Close()
	// The index checks credentials, then sends the download elsewhere.
	idx, _ := authServer(t, func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/redirect/pkg.whl" {
			if _, _, ok := r.BasicAuth(); !ok {
				w.WriteHeader(http.StatusUnauthorized)
				return true
			}
			http.Redirect(w, r, cdn.URL+"/blob/pkg.whl", http.StatusFound)
			return true
		}
		return false
	})
	// The CDN is the same host name on another port: a different origin.
	creds := URLCredentials(strings.Replace(idx.URL, "http://", "http://"+testUser+":"+testPass+"@", 1))
	c, logs := newClient(t, WithCredentials(creds))
	p, err := c.Fetch(context.Background(), idx.URL+"/redirect/pkg.whl", sum(wheel))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(readFile(t, p), wheel) {
		t.Error("fetched file differs")
	}
	if a := gotAuth.Load().(string); a != "" {
		t.Errorf("CDN received Authorization %q", a)
	}
	if !strings.Contains(logs.String(), "redirected") {
		t.Errorf("no redirect logged:\n%s", logs)
	}
}

func TestRedirectDowngradeDropsCredentials(t *testing.T) {
	// netrc credentials are keyed by host name alone, so they would match
	// the plain-HTTP target; leaving https must still drop them.
	var plainAuth, tlsAuth atomic.Value
	plainAuth.Store("")
	tlsAuth.Store("")
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		plainAuth.Store(r.Header.Get("Authorization"))
		serveWheel(w)
	}))
	defer plain.Close()
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tlsAuth.Store(r.Header.Get("Authorization"))
		http.Redirect(w, r, plain.URL+"/pkg.whl", http.StatusTemporaryRedirect)
	}))
	defer tlsSrv.Close()
	netrc, err := ParseNetrc([]byte("machine 127.0.0.1 login " + testUser + " password " + testPass))
	if err != nil {
		t.Fatal(err)
	}
	c, _ := newClient(t, WithHTTPClient(tlsSrv.Client()), WithCredentials(netrc))
	if _, err := c.Fetch(context.Background(), tlsSrv.URL+"/pkg.whl", sum(wheel)); err != nil {
		t.Fatal(err)
	}
	if tlsAuth.Load().(string) == "" {
		t.Error("https index did not receive its netrc credentials")
	}
	if a := plainAuth.Load().(string); a != "" {
		t.Errorf("plain-HTTP redirect target received Authorization %q", a)
	}
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name     string
		failures []int // statuses answered before success
		wantHits int32
	}{
		{"500 then 503", []int{500, 503}, 3},
		{"408", []int{408}, 2},
		{"429 without Retry-After", []int{429}, 2},
		{"502 504", []int{502, 504}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := int(hits.Add(1))
				if n <= len(tt.failures) {
					w.WriteHeader(tt.failures[n-1])
					return
				}
				serveWheel(w)
			}))
			defer srv.Close()
			c, logs := newClient(t)
			if _, err := c.Fetch(context.Background(), srv.URL+"/x.whl", sum(wheel)); err != nil {
				t.Fatal(err)
			}
			if got := hits.Load(); got != tt.wantHits {
				t.Errorf("requests = %d, want %d", got, tt.wantHits)
			}
			if got := strings.Count(logs.String(), "retrying request"); got != len(tt.failures) {
				t.Errorf("logged %d retries, want %d:\n%s", got, len(tt.failures), logs)
			}
		})
	}
}

func TestNoRetryOn4xx(t *testing.T) {
	for _, code := range []int{400, 403, 404, 410, 422} {
		t.Run(strconv.Itoa(code), func(t *testing.T) {
			var hits atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				w.WriteHeader(code)
			}))
			defer srv.Close()
			c, _ := newClient(t)
			if _, err := c.Fetch(context.Background(), srv.URL+"/x.whl", sum(wheel)); err == nil {
				t.Fatal("Fetch succeeded")
			}
			if got := hits.Load(); got != 1 {
				t.Errorf("requests = %d, want 1", got)
			}
		})
	}
}

func TestRetriesExhausted(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	c, _ := newClient(t, WithRetries(2))
	_, err := c.Fetch(context.Background(), srv.URL+"/x.whl", sum(wheel))
	want := `fetching "` + srv.URL + `/x.whl": giving up after 3 attempts: ` + srv.URL + `/x.whl answered 503 Service Unavailable`
	if err == nil || err.Error() != want {
		t.Fatalf("error =\n%v\nwant\n%s", err, want)
	}
	var ae *AttemptsError
	var se *StatusError
	if !errors.As(err, &ae) || ae.Attempts != 3 || !errors.As(err, &se) || se.StatusCode != 503 {
		t.Errorf("error chain = %#v", err)
	}
	if hits.Load() != 3 {
		t.Errorf("requests = %d, want 3", hits.Load())
	}

	c1, _ := newClient(t, WithRetries(0))
	_, err = c1.Fetch(context.Background(), srv.URL+"/x.whl", sum(wheel))
	if want := `fetching "` + srv.URL + `/x.whl": giving up after 1 attempt: ` + srv.URL + `/x.whl answered 503 Service Unavailable`; err == nil || err.Error() != want {
		t.Errorf("error = %v\nwant %s", err, want)
	}
}

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		name    string
		header  func() string
		backoff time.Duration // the cap
		min     time.Duration
		max     time.Duration
	}{
		{"seconds", func() string { return "1" }, 5 * time.Second, 900 * time.Millisecond, 4 * time.Second},
		{"http date", func() string { return time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat) }, 5 * time.Second, 900 * time.Millisecond, 4 * time.Second},
		{"capped", func() string { return "3600" }, 50 * time.Millisecond, 0, 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var times []time.Time
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				times = append(times, time.Now())
				n := len(times)
				mu.Unlock()
				if n == 1 {
					w.Header().Set("Retry-After", tt.header())
					w.WriteHeader(http.StatusTooManyRequests)
					return
				}
				serveWheel(w)
			}))
			defer srv.Close()
			c, _ := newClient(t, WithBackoff(time.Millisecond, tt.backoff))
			if _, err := c.Fetch(context.Background(), srv.URL+"/x.whl", sum(wheel)); err != nil {
				t.Fatal(err)
			}
			if len(times) != 2 {
				t.Fatalf("requests = %d, want 2", len(times))
			}
			if gap := times[1].Sub(times[0]); gap < tt.min || gap > tt.max {
				t.Errorf("waited %v, want between %v and %v", gap, tt.min, tt.max)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{"-3", 0},
		{"7", 7 * time.Second},
		{" 12 ", 12 * time.Second},
		{"999999999", 24 * time.Hour},
		{"Wed, 01 May 2024 12:00:30 GMT", 30 * time.Second},
		{"Wed, 01 May 2024 11:00:00 GMT", 0},
		{"soon", 0},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := parseRetryAfter(tt.in, now); got != tt.want {
				t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	c := NewClient(WithBackoff(100*time.Millisecond, time.Second))
	for n, wantMax := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 3: 400 * time.Millisecond, 5: time.Second, 40: time.Second} {
		for range 50 {
			if d := c.backoff(n); d < wantMax/2 || d > wantMax {
				t.Fatalf("backoff(%d) = %v, want in [%v, %v]", n, d, wantMax/2, wantMax)
			}
		}
	}
}

// hijackClose drops the connection without an answer, with a TCP reset.
func hijackClose(t *testing.T, w http.ResponseWriter) {
	hijack(t, w, true)
}

// hijack closes the connection under the handler, with a TCP reset or
// with an orderly FIN.
func hijack(t *testing.T, w http.ResponseWriter, reset bool) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Error(err)
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok && reset {
		_ = tc.SetLinger(0)
	}
	conn.Close()
}

func TestTransferFailuresAreRetried(t *testing.T) {
	tests := []struct {
		name    string
		fail    func(t *testing.T, w http.ResponseWriter, r *http.Request)
		stall   time.Duration
		wantErr string // after retries run out
	}{
		{
			name: "connection reset",
			fail: func(t *testing.T, w http.ResponseWriter, r *http.Request) { hijackClose(t, w) },
		},
		{
			name: "truncated body",
			fail: func(t *testing.T, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", strconv.Itoa(len(wheel)))
				_, _ = w.Write(wheel[:len(wheel)/2])
				http.NewResponseController(w).Flush()
				hijack(t, w, false)
			},
			wantErr: "unexpected EOF",
		},
		{
			name: "stalled body",
			fail: func(t *testing.T, w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", strconv.Itoa(len(wheel)))
				_, _ = w.Write(wheel[:100])
				http.NewResponseController(w).Flush()
				<-r.Context().Done()
			},
			stall:   150 * time.Millisecond,
			wantErr: "sent no data for 150ms",
		},
		{
			name: "stalled headers",
			fail: func(t *testing.T, w http.ResponseWriter, r *http.Request) {
				<-r.Context().Done()
			},
			stall:   150 * time.Millisecond,
			wantErr: "sent no data for 150ms",
		},
	}
	for _, tt := range tests {
		for _, api := range []string{"fetch", "project"} {
			t.Run(tt.name+"/"+api, func(t *testing.T) {
				var hits atomic.Int32
				failFirst := int32(2)
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if hits.Add(1) <= failFirst {
						tt.fail(t, w, r)
						return
					}
					if api == "project" {
						w.Header().Set("Content-Type", "text/html")
						fmt.Fprint(w, `<a href="p-1.0.tar.gz">p</a>`)
						return
					}
					serveWheel(w)
				}))
				defer srv.Close()
				opts := []Option{WithRetries(3)}
				if tt.stall > 0 {
					opts = append(opts, WithStallTimeout(tt.stall))
				}
				c, logs := newClient(t, opts...)
				switch api {
				case "fetch":
					p, err := c.Fetch(context.Background(), srv.URL+"/x.whl", sum(wheel))
					if err != nil {
						t.Fatal(err)
					}
					if !bytes.Equal(readFile(t, p), wheel) {
						t.Error("fetched file differs")
					}
				case "project":
					page, err := c.Project(context.Background(), srv.URL, "p")
					if err != nil {
						t.Fatal(err)
					}
					if len(page.Files) != 1 {
						t.Errorf("files = %+v", page.Files)
					}
				}
				if hits.Load() < failFirst+1 {
					t.Errorf("requests = %d, want at least %d", hits.Load(), failFirst+1)
				}
				if !strings.Contains(logs.String(), "retrying request") {
					t.Errorf("no retry logged:\n%s", logs)
				}
				if tt.wantErr == "" {
					return
				}
				// With the failure permanent, the last cause is reported.
				failFirst = 1 << 30
				c2, _ := newClient(t, append(opts, WithRetries(1))...)
				_, err := c2.Fetch(context.Background(), srv.URL+"/x.whl", sum(wheel))
				if err == nil || !strings.Contains(err.Error(), "giving up after 2 attempts: ") || !strings.HasSuffix(err.Error(), tt.wantErr) {
					t.Errorf("error = %v, want giving up after 2 attempts ... %s", err, tt.wantErr)
				}
			})
		}
	}
}

func TestHashMismatch(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		serveWheel(w)
	}))
	defer srv.Close()
	ca, err := cache.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c, _ := newClient(t, WithCache(ca))
	want := sum([]byte("what the lock file says"))
	_, err = c.Fetch(context.Background(), srv.URL+"/files/pkg-1.0-py3-none-any.whl", "sha256:"+want)
	var hm *HashMismatchError
	if !errors.As(err, &hm) {
		t.Fatalf("error = %v, want *HashMismatchError", err)
	}
	if diff := cmp.Diff(&HashMismatchError{URL: srv.URL + "/files/pkg-1.0-py3-none-any.whl", Filename: "pkg-1.0-py3-none-any.whl", Expected: want, Actual: sum(wheel)}, hm); diff != "" {
		t.Errorf("error (-want +got):\n%s", diff)
	}
	wantMsg := "hash mismatch for pkg-1.0-py3-none-any.whl from " + srv.URL + "/files/pkg-1.0-py3-none-any.whl: expected sha256 " + want + ", got " + sum(wheel) +
		"\nhint: the file changed on the index since the lock file was written, or the download was tampered with; re-lock only if you trust the change"
	if err.Error() != wantMsg {
		t.Errorf("error =\n%s\nwant\n%s", err, wantMsg)
	}
	if hits.Load() != 1 {
		t.Errorf("requests = %d, want 1 (a mismatch is not retried)", hits.Load())
	}
	if _, ok, err := ca.Get(want); ok || err != nil {
		t.Errorf("cache has the expected hash: %v, %v", ok, err)
	}
	if _, ok, err := ca.Get(sum(wheel)); ok || err != nil {
		t.Errorf("cache kept the mismatched bytes: %v, %v", ok, err)
	}
}

func TestFetchErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/chunked.whl" {
			// No Content-Length: the limit is enforced while streaming.
			for range 10 {
				_, _ = w.Write(wheel[:1000])
				http.NewResponseController(w).Flush()
			}
			return
		}
		serveWheel(w)
	}))
	defer srv.Close()
	c, _ := newClient(t, WithMaxSize(5000))
	tests := []struct{ name, url, sha, want string }{
		{"bad sha", srv.URL + "/x.whl", "abc", `fetching "` + srv.URL + `/x.whl": invalid sha256 "abc": want 64 hex digits` + "\nhint: canto only downloads files whose sha256 the lock file records"},
		{"no sha", "https://u:p@h/x.whl", "", `fetching "https://***@h/x.whl": invalid sha256 "": want 64 hex digits` + "\nhint: canto only downloads files whose sha256 the lock file records"},
		{"too large", srv.URL + "/x.whl", sum(wheel), `fetching "` + srv.URL + `/x.whl": ` + srv.URL + "/x.whl is larger than the limit of 5000 bytes\nhint: raise the download size limit if this file is expected to be this big"},
		{"too large streamed", srv.URL + "/chunked.whl", sum(wheel[:1000]), `fetching "` + srv.URL + `/chunked.whl": ` + srv.URL + "/chunked.whl is larger than the limit of 5000 bytes\nhint: raise the download size limit if this file is expected to be this big"},
		{"file scheme", "file:///etc/passwd", sum(wheel), `fetching: parsing URL "file:///etc/passwd": want an absolute http or https URL`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.Fetch(context.Background(), tt.url, tt.sha)
			if err == nil || err.Error() != tt.want {
				t.Errorf("error =\n%v\nwant\n%s", err, tt.want)
			}
		})
	}
}

func TestCancelDuringBackoff(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer srv.Close()
	c, _ := newClient(t, WithBackoff(time.Minute, time.Minute))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Fetch(ctx, srv.URL+"/x.whl", sum(wheel))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v, want deadline exceeded", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("cancellation took %v", time.Since(start))
	}
}

func TestCacheHitMakesNoRequest(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		serveWheel(w)
	}))
	defer srv.Close()
	ca, err := cache.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c, _ := newClient(t, WithCache(ca))
	p1, err := c.Fetch(context.Background(), srv.URL+"/x.whl", sum(wheel))
	if err != nil {
		t.Fatal(err)
	}
	// Another client on the same cache, and a URL that would fail: no request.
	c2, logs := newClient(t, WithCache(ca))
	p2, err := c2.Fetch(context.Background(), "https://unreachable.invalid/x.whl", strings.ToUpper(sum(wheel)))
	if err != nil {
		t.Fatal(err)
	}
	if p1 != p2 || hits.Load() != 1 {
		t.Errorf("paths %q, %q; requests %d, want one request", p1, p2, hits.Load())
	}
	if !strings.Contains(logs.String(), "cache hit") {
		t.Errorf("no cache hit logged:\n%s", logs)
	}
}

func TestConcurrentFetch(t *testing.T) {
	var hits atomic.Int32
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		<-release
		serveWheel(w)
	}))
	defer srv.Close()
	c, _ := newClient(t)
	const n = 8
	paths := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			paths[i], errs[i] = c.Fetch(context.Background(), srv.URL+"/x.whl", sum(wheel))
		}()
	}
	time.Sleep(50 * time.Millisecond)
	close(release)
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Fetch %d: %v", i, errs[i])
		}
		if paths[i] != paths[0] {
			t.Errorf("Fetch %d path %q, want %q", i, paths[i], paths[0])
		}
	}
	if !bytes.Equal(readFile(t, paths[0]), wheel) {
		t.Error("fetched file differs")
	}
	if hits.Load() != 1 {
		t.Errorf("requests = %d, want 1", hits.Load())
	}
}

func TestTwoCachesOneDirectory(t *testing.T) {
	files := map[string][]byte{}
	for i := range 6 {
		files[fmt.Sprintf("/f%d.whl", i)] = bytes.Repeat([]byte{byte('a' + i)}, 200<<10+i)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		// Dribble the body so that writers overlap.
		for len(data) > 0 {
			k := min(len(data), 32<<10)
			_, _ = w.Write(data[:k])
			data = data[k:]
			http.NewResponseController(w).Flush()
			time.Sleep(time.Millisecond)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for range 2 {
		ca, err := cache.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		c, _ := newClient(t, WithCache(ca))
		for name, data := range files {
			for range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					p, err := c.Fetch(context.Background(), srv.URL+name, sum(data))
					if err != nil {
						errs <- err
						return
					}
					if got, err := os.ReadFile(p); err != nil || !bytes.Equal(got, data) {
						errs <- fmt.Errorf("%s: read back %d bytes, %w", name, len(got), err)
					}
				}()
			}
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	tmp, err := os.ReadDir(filepath.Join(dir, "tmp"))
	if err != nil || len(tmp) != 0 {
		t.Errorf("temporary files left: %v, %v", tmp, err)
	}
}

// TestSecretsNeverLeak drives every failure path with credentials in play
// and fails if the password, or its basic-auth encoding, shows up in any
// error or log line.
func TestSecretsNeverLeak(t *testing.T) {
	var hits atomic.Int32
	cdn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer cdn.Close()
	srv, _ := authServer(t, func(w http.ResponseWriter, r *http.Request) bool {
		if _, _, ok := r.BasicAuth(); !ok {
			return false
		}
		switch r.URL.Path {
		case "/simple/flaky/":
			if hits.Add(1)%2 == 1 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return true
			}
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, `<a href="/files/pkg-1.0-py3-none-any.whl">pkg</a>`)
		case "/simple/broken/":
			w.Header().Set("Content-Type", "application/vnd.pypi.simple.v1+json")
			fmt.Fprint(w, `{"files":[{"filename":"x","url":"x","hashes":{},"yanked":3}]}`)
		case "/files/reset.whl":
			hijackClose(t, w)
		case "/files/short.whl":
			w.Header().Set("Content-Length", "1000")
			_, _ = w.Write([]byte("short"))
		case "/files/away.whl":
			http.Redirect(w, r, cdn.URL+"/x.whl", http.StatusFound)
		case "/files/loop.whl":
			http.Redirect(w, r, "/files/loop.whl", http.StatusFound)
		default:
			return false
		}
		return true
	})
	userinfoURL := strings.Replace(srv.URL, "http://", "http://"+testUser+":"+testPass+"@", 1)
	env := map[string]string{"POETRY_HTTP_BASIC_SRC_USERNAME": testUser, "POETRY_HTTP_BASIC_SRC_PASSWORD": testPass}
	netrc, err := ParseNetrc([]byte("machine " + hostOf(srv) + " login " + testUser + " password " + testPass))
	if err != nil {
		t.Fatal(err)
	}
	providers := map[string]Credentials{
		"userinfo": nil,
		"env":      PoetryEnv("src", srv.URL, func(k string) string { return env[k] }),
		"netrc":    netrc,
	}
	wrongPass := "wr0ng-" + testPass
	for pname, prov := range providers {
		t.Run(pname, func(t *testing.T) {
			c, logs := newClient(t, WithCredentials(prov), WithRetries(1), WithStallTimeout(time.Second))
			base := srv.URL
			if prov == nil {
				base = userinfoURL
			}
			var errs []error
			collect := func(_ any, err error) { errs = append(errs, err) }
			ctx := context.Background()
			collect(c.Project(ctx, base+"/simple/", "flaky"))
			collect(c.Project(ctx, base+"/simple/", "missing"))
			collect(c.Project(ctx, base+"/simple/", "broken"))
			collect(c.Project(ctx, base+"/simple", "not a name"))
			collect(c.Project(ctx, "http://"+testUser+":"+testPass+"@[::1/simple/", "pkg"))
			collect(c.Fetch(ctx, base+"/files/pkg-1.0-py3-none-any.whl", sum([]byte("other"))))
			collect(c.Fetch(ctx, base+"/files/reset.whl", sum(wheel)))
			collect(c.Fetch(ctx, base+"/files/short.whl", sum(wheel)))
			collect(c.Fetch(ctx, base+"/files/away.whl", sum(wheel)))
			collect(c.Fetch(ctx, base+"/files/loop.whl", sum(wheel)))
			collect(c.Fetch(ctx, base+"/files/nope.whl", sum(wheel)))
			collect(c.Fetch(ctx, base+"/files/x.whl", "not-a-hash"))
			collect(c.Fetch(ctx, "ftp://"+testUser+":"+testPass+"@host/x.whl", sum(wheel)))
			// Last, as the client remembers URL credentials for their origin.
			collect(c.Project(ctx, "http://"+testUser+":"+wrongPass+"@"+strings.TrimPrefix(srv.URL, "http://")+"/simple/", "pkg"))

			encoded := base64.StdEncoding.EncodeToString([]byte(testUser + ":" + testPass))
			failures := 0
			for i, err := range errs {
				if err == nil {
					continue
				}
				failures++
				for _, secret := range []string{testPass, wrongPass, encoded} {
					if strings.Contains(err.Error(), secret) || strings.Contains(fmt.Sprintf("%#v", err), secret) {
						t.Errorf("error %d leaks a secret: %v", i, err)
					}
				}
			}
			if failures < 13 {
				t.Errorf("only %d of %d calls failed; the scenarios are not exercising errors: %v", failures, len(errs), errs)
			}
			out := logs.String()
			if !strings.Contains(out, "retrying request") || !strings.Contains(out, "GET") {
				t.Errorf("logs do not cover retries and requests:\n%s", out)
			}
			for _, secret := range []string{testPass, wrongPass, encoded} {
				if strings.Contains(out, secret) {
					t.Errorf("logs leak a secret:\n%s", out)
				}
			}
		})
	}
}
