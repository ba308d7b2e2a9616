//go:build e2e

package e2e

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// A fault-injecting reverse proxy on 127.0.0.1, put in front of the test
// world's real package index or registry. Each request is matched against
// the proxy's rules in order; the first rule that matches decides, from how
// many requests it has matched so far, which fault the request meets.

// faultKind is what happens to one request.
type faultKind int

const (
	faultNone       faultKind = iota // passed through untouched
	faultStatus                      // answered with code (and Retry-After) without asking upstream
	faultReset                       // the connection is reset (TCP RST) before any answer
	faultStall                       // headers and the first bytes are sent, then nothing until the client gives up
	faultTruncate                    // half the body is sent (Content-Length promises all of it), then the connection closes
	faultTamper                      // one byte in the middle of the body is flipped
	faultSlow                        // the response body is sent at rate bytes a second
	faultSlowUpload                  // the request body is read at rate bytes a second
)

// fault is what one request meets.
type fault struct {
	kind       faultKind
	code       int    // faultStatus
	retryAfter string // faultStatus: the Retry-After header, if any
	rate       int    // faultSlow, faultSlowUpload: bytes a second
}

func (f fault) String() string {
	switch f.kind {
	case faultStatus:
		return fmt.Sprintf("status %d", f.code)
	case faultReset:
		return "reset"
	case faultStall:
		return "stall"
	case faultTruncate:
		return "truncate"
	case faultTamper:
		return "tamper"
	case faultSlow:
		return fmt.Sprintf("slow %d B/s", f.rate)
	case faultSlowUpload:
		return fmt.Sprintf("slow upload %d B/s", f.rate)
	}
	return "pass"
}

// firstN makes the first n matching requests meet f, and the rest none:
// a transient fault.
func firstN(n int, f fault) func(int) fault {
	return func(i int) fault {
		if i <= n {
			return f
		}
		return fault{}
	}
}

// always makes every matching request meet f: a lasting fault.
func always(f fault) func(int) fault { return func(int) fault { return f } }

type faultRule struct {
	match func(*http.Request) bool
	fault func(n int) fault
	n     int
}

type faultProxy struct {
	t        *testing.T
	srv      *httptest.Server
	upstream *url.URL
	rp       *httputil.ReverseProxy
	done     chan struct{}

	mu    sync.Mutex
	rules []*faultRule
	log   []string
}

// newFaultProxy starts a proxy in front of upstream (http://host:port),
// stopped when the test ends.
func newFaultProxy(t *testing.T, upstream string) *faultProxy {
	t.Helper()
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{t: t, upstream: u, done: make(chan struct{})}
	p.rp = httputil.NewSingleHostReverseProxy(u)
	// The incoming Host header is kept, so a registry builds upload
	// Locations that point back at the proxy.
	p.rp.FlushInterval = -1
	p.rp.ErrorLog = log.New(io.Discard, "", 0)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DisableCompression = true
	p.rp.Transport = tr
	p.srv = httptest.NewUnstartedServer(http.HandlerFunc(p.serve))
	p.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	p.srv.Start()
	t.Cleanup(func() {
		close(p.done)
		p.srv.CloseClientConnections()
		p.srv.Close()
	})
	return p
}

// URL is the proxy's root, http://127.0.0.1:PORT.
func (p *faultProxy) URL() string { return p.srv.URL }

// Host is the proxy's host:port.
func (p *faultProxy) Host() string { return strings.TrimPrefix(p.srv.URL, "http://") }

// on adds a rule: requests that match meet faults(n) for the n-th match.
func (p *faultProxy) on(match func(*http.Request) bool, faults func(n int) fault) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rules = append(p.rules, &faultRule{match: match, fault: faults})
}

// reset drops every rule.
func (p *faultProxy) reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rules = nil
}

// requests returns the log of requests seen: "METHOD PATH fault".
func (p *faultProxy) requests() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.log...)
}

// count returns how many logged requests contain all of substrs.
func (p *faultProxy) count(substrs ...string) int {
	n := 0
	for _, l := range p.requests() {
		all := true
		for _, s := range substrs {
			all = all && strings.Contains(l, s)
		}
		if all {
			n++
		}
	}
	return n
}

// Matchers.
func pathSuffix(s string) func(*http.Request) bool {
	return func(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, s) }
}

func pathContains(method, s string) func(*http.Request) bool {
	return func(r *http.Request) bool {
		return (method == "" || r.Method == method) && strings.Contains(r.URL.Path, s)
	}
}

func (p *faultProxy) pick(r *http.Request) fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	f := fault{}
	for _, rule := range p.rules {
		if rule.match(r) {
			rule.n++
			f = rule.fault(rule.n)
			break
		}
	}
	p.log = append(p.log, r.Method+" "+r.URL.Path+" "+f.String())
	return f
}

func (p *faultProxy) serve(w http.ResponseWriter, r *http.Request) {
	f := p.pick(r)
	switch f.kind {
	case faultStatus:
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		if r.Body != nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, 1<<20))
		}
		http.Error(w, "fault proxy: "+http.StatusText(f.code), f.code)
		return
	case faultReset:
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(http.ErrAbortHandler)
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0) // close sends RST
		}
		_ = conn.Close()
		return
	case faultSlowUpload:
		if r.Body != nil {
			r.Body = &slowBody{r: r.Body, rate: f.rate, done: p.done, ctx: r.Context().Done()}
		}
	}
	fw := &faultWriter{ResponseWriter: w, f: f, done: p.done, reqDone: r.Context().Done()}
	p.rp.ServeHTTP(fw, r)
}

var errFault = errors.New("fault proxy: connection cut")

// faultWriter damages the response body as the fault says. An error from
// Write makes the ReverseProxy abort the connection.
type faultWriter struct {
	http.ResponseWriter
	f             fault
	written       int64
	done, reqDone <-chan struct{}
}

func (w *faultWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *faultWriter) Flush() {
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *faultWriter) length() int64 {
	n, err := strconv.ParseInt(w.Header().Get("Content-Length"), 10, 64)
	if err != nil {
		return -1
	}
	return n
}

func (w *faultWriter) Write(b []byte) (int, error) {
	switch w.f.kind {
	case faultTruncate, faultStall:
		limit := w.length() / 2
		if limit < 0 {
			limit = 256
		}
		if w.written+int64(len(b)) <= limit {
			break
		}
		n, _ := w.ResponseWriter.Write(b[:limit-w.written])
		w.written += int64(n)
		w.Flush()
		if w.f.kind == faultStall {
			select {
			case <-w.done:
			case <-w.reqDone:
			}
		}
		return n, errFault
	case faultTamper:
		mid := w.length() / 2
		if mid >= w.written && mid < w.written+int64(len(b)) {
			c := append([]byte(nil), b...)
			c[mid-w.written] ^= 0x01
			b = c
		}
	case faultSlow:
		total := 0
		chunk := max(w.f.rate/20, 1)
		for len(b) > 0 {
			k := min(chunk, len(b))
			n, err := w.ResponseWriter.Write(b[:k])
			total += n
			w.written += int64(n)
			if err != nil {
				return total, err
			}
			w.Flush()
			b = b[k:]
			select {
			case <-w.done:
				return total, errFault
			case <-w.reqDone:
				return total, errFault
			case <-time.After(50 * time.Millisecond):
			}
		}
		return total, nil
	}
	n, err := w.ResponseWriter.Write(b)
	w.written += int64(n)
	return n, err
}

// slowBody reads a request body at rate bytes a second.
type slowBody struct {
	r         io.ReadCloser
	rate      int
	done, ctx <-chan struct{}
}

func (s *slowBody) Read(p []byte) (int, error) {
	if chunk := max(s.rate/20, 1); len(p) > chunk {
		p = p[:chunk]
	}
	n, err := s.r.Read(p)
	select {
	case <-s.done:
		return n, errFault
	case <-s.ctx:
		return n, errFault
	case <-time.After(time.Duration(n) * time.Second / time.Duration(s.rate)):
	}
	return n, err
}

func (s *slowBody) Close() error { return s.r.Close() }
