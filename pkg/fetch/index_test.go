package fetch

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// fakeIndex is a Simple API index for tests. It serves project pages at
// /simple/<name>/ (PEP 691 JSON, or PEP 503 HTML when html is set) and
// files at /files/<filename>, and records every request.
type fakeIndex struct {
	t    *testing.T
	srv  *httptest.Server
	html bool
	// projects maps a normalised name to its files' names.
	projects map[string][]string
	// content maps a filename to the bytes served, listed sha256 and size
	// being those of listed[filename] if set, else of content.
	content map[string][]byte
	listed  map[string][]byte
	// user and pass, when set, are required as basic auth.
	user, pass string
	// hold, when set, is called before a request is answered.
	hold func(r *http.Request)

	mu          sync.Mutex
	requests    []string
	inflight    int
	maxInflight int
}

func newFakeIndex(t *testing.T) *fakeIndex {
	t.Helper()
	f := &fakeIndex{t: t, projects: map[string][]string{}, content: map[string][]byte{}, listed: map[string][]byte{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// add publishes a file of project name with the given content.
func (f *fakeIndex) add(name, filename string, content []byte) {
	f.projects[name] = append(f.projects[name], filename)
	f.content[filename] = content
}

func (f *fakeIndex) url() string { return f.srv.URL + "/simple/" }

func (f *fakeIndex) log() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...)
}

func (f *fakeIndex) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r.URL.Path)
	f.inflight++
	if f.inflight > f.maxInflight {
		f.maxInflight = f.inflight
	}
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inflight--
		f.mu.Unlock()
	}()
	if f.hold != nil {
		f.hold(r)
	}
	if f.user != "" || f.pass != "" {
		u, p, ok := r.BasicAuth()
		if !ok || u != f.user || p != f.pass {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
	}
	switch {
	case strings.HasPrefix(r.URL.Path, "/simple/"):
		name := strings.Trim(strings.TrimPrefix(r.URL.Path, "/simple/"), "/")
		files, ok := f.projects[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		f.page(w, name, files)
	case strings.HasPrefix(r.URL.Path, "/files/"):
		b, ok := f.content[strings.TrimPrefix(r.URL.Path, "/files/")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		_, _ = w.Write(b)
	default:
		http.NotFound(w, r)
	}
}

func (f *fakeIndex) page(w http.ResponseWriter, name string, files []string) {
	if f.html {
		w.Header().Set("Content-Type", "text/html")
		var b strings.Builder
		b.WriteString("<!DOCTYPE html><html><body>\n")
		for _, fn := range files {
			fmt.Fprintf(&b, "<a href=\"../../files/%s#sha256=%s\">%s</a>\n", fn, sum(f.listedBytes(fn)), fn)
		}
		b.WriteString("</body></html>\n")
		_, _ = w.Write([]byte(b.String()))
		return
	}
	type jfile struct {
		Filename string            `json:"filename"`
		URL      string            `json:"url"`
		Hashes   map[string]string `json:"hashes"`
		Size     int               `json:"size"`
	}
	page := struct {
		Meta  map[string]string `json:"meta"`
		Name  string            `json:"name"`
		Files []jfile           `json:"files"`
	}{Meta: map[string]string{"api-version": "1.1"}, Name: name}
	for _, fn := range files {
		b := f.listedBytes(fn)
		page.Files = append(page.Files, jfile{Filename: fn, URL: "/files/" + fn, Hashes: map[string]string{"sha256": sum(b)}, Size: len(b)})
	}
	w.Header().Set("Content-Type", "application/vnd.pypi.simple.v1+json")
	_ = json.NewEncoder(w).Encode(page)
}

func (f *fakeIndex) listedBytes(fn string) []byte {
	if b, ok := f.listed[fn]; ok {
		return b
	}
	return f.content[fn]
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
