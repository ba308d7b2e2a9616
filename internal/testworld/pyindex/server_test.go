package pyindex

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// makeWheel writes a wheel with a METADATA member to dir and returns its sha256.
func makeWheel(t *testing.T, dir, filename, distInfo, metadata string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, body := range map[string]string{
		"pkg/__init__.py":               "",
		distInfo + "/METADATA":          metadata,
		distInfo + "/WHEEL":             "Wheel-Version: 1.0\n",
		"pkg/data.dist-info/METADATA":   "Requires-Python: >=9\n", // too deep: ignored
		"pkg-0.1.dist-info/NOTMETADATA": "x",
	} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return writeFile(t, dir, filename, buf.Bytes())
}

// makeSdist writes a .tar.gz sdist with a top-level PKG-INFO and returns its sha256.
func makeSdist(t *testing.T, dir, filename, top, pkgInfo string) string {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, m := range []struct{ name, body string }{
		{top + "/setup.py", "print('hi')\n"},
		{top + "/sub/PKG-INFO", "Requires-Python: >=9\n"}, // too deep: ignored
		{top + "/PKG-INFO", pkgInfo},
	} {
		if err := tw.WriteHeader(&tar.Header{Name: m.name, Mode: 0o644, Size: int64(len(m.body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(tw, m.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return writeFile(t, dir, filename, buf.Bytes())
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

type fixture struct {
	dir                          string
	wheelSHA, sdistSHA, plainSHA string
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	dir := t.TempDir()
	f := fixture{dir: dir}
	f.wheelSHA = makeWheel(t, dir, "Poetry_Core-1.4.0-py3-none-any.whl", "poetry_core-1.4.0.dist-info",
		"Metadata-Version: 2.1\nName: poetry-core\nVersion: 1.4.0\nRequires-Python: >=3.7,<4.0\n\nbody\n")
	f.sdistSHA = makeSdist(t, dir, "uwsgi-2.0.21.tar.gz", "uwsgi-2.0.21",
		"Metadata-Version: 1.0\nName: uWSGI\nVersion: 2.0.21\n")
	f.plainSHA = makeWheel(t, dir, "poetry_core-1.3.0-py3-none-any.whl", "poetry_core-1.3.0.dist-info",
		"Metadata-Version: 2.1\nName: poetry-core\nVersion: 1.3.0\n")
	writeFile(t, dir, "MANIFEST.tsv", []byte("not a dist\n"))
	writeFile(t, dir, "broken-1.0-py3-none-any.whl", []byte("not a zip"))
	if err := os.Mkdir(filepath.Join(dir, "sub-1.0.tar.gz"), 0o755); err != nil {
		t.Fatal(err)
	}
	return f
}

type response struct {
	Status      int
	ContentType string
	Location    string
	Body        string
}

func get(t *testing.T, srv *httptest.Server, path string, hdr map[string]string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Location"), string(body)}
}

func TestServerHTML(t *testing.T) {
	f := newFixture(t)
	s, err := New(f.dir)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()

	root := get(t, srv, "/simple/", nil)
	wantRoot := "<!DOCTYPE html>\n<html>\n<head>\n<meta name=\"pypi:repository-version\" content=\"1.0\">\n<title>Simple index</title>\n</head>\n<body>\n" +
		"<a href=\"/simple/poetry-core/\">poetry-core</a><br/>\n<a href=\"/simple/uwsgi/\">uwsgi</a><br/>\n</body>\n</html>\n"
	if diff := cmp.Diff(response{200, "text/html; charset=utf-8", "", wantRoot}, root); diff != "" {
		t.Errorf("GET /simple/ (-want +got):\n%s", diff)
	}

	proj := get(t, srv, "/simple/poetry-core/", map[string]string{"Accept": "text/html"})
	wantProj := "<!DOCTYPE html>\n<html>\n<head>\n<meta name=\"pypi:repository-version\" content=\"1.0\">\n<title>Links for poetry-core</title>\n</head>\n<body>\n<h1>Links for poetry-core</h1>\n" +
		"<a href=\"/files/Poetry_Core-1.4.0-py3-none-any.whl#sha256=" + f.wheelSHA + "\" data-requires-python=\"&gt;=3.7,&lt;4.0\">Poetry_Core-1.4.0-py3-none-any.whl</a><br/>\n" +
		"<a href=\"/files/poetry_core-1.3.0-py3-none-any.whl#sha256=" + f.plainSHA + "\">poetry_core-1.3.0-py3-none-any.whl</a><br/>\n" +
		"</body>\n</html>\n"
	if diff := cmp.Diff(response{200, "text/html; charset=utf-8", "", wantProj}, proj); diff != "" {
		t.Errorf("GET /simple/poetry-core/ (-want +got):\n%s", diff)
	}

	v1 := get(t, srv, "/simple/uwsgi/", map[string]string{"Accept": MediaHTML})
	if v1.Status != 200 || v1.ContentType != MediaHTML || !strings.Contains(v1.Body, `<a href="/files/uwsgi-2.0.21.tar.gz#sha256=`+f.sdistSHA+`">uwsgi-2.0.21.tar.gz</a>`) {
		t.Errorf("GET /simple/uwsgi/ as %s = %+v", MediaHTML, v1)
	}
}

func TestServerJSON(t *testing.T) {
	f := newFixture(t)
	s, err := New(f.dir)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	accept := map[string]string{"Accept": "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01"}

	root := get(t, srv, "/simple/", accept)
	if root.Status != 200 || root.ContentType != MediaJSON {
		t.Fatalf("GET /simple/ = %+v", root)
	}
	var gotRoot any
	if err := json.Unmarshal([]byte(root.Body), &gotRoot); err != nil {
		t.Fatal(err)
	}
	wantRoot := map[string]any{"meta": map[string]any{"api-version": "1.0"},
		"projects": []any{map[string]any{"name": "poetry-core"}, map[string]any{"name": "uwsgi"}}}
	if diff := cmp.Diff(wantRoot, gotRoot); diff != "" {
		t.Errorf("root JSON (-want +got):\n%s", diff)
	}

	proj := get(t, srv, "/simple/poetry-core/", accept)
	var gotProj any
	if err := json.Unmarshal([]byte(proj.Body), &gotProj); err != nil {
		t.Fatal(err)
	}
	wantProj := map[string]any{
		"meta": map[string]any{"api-version": "1.0"},
		"name": "poetry-core",
		"files": []any{
			map[string]any{"filename": "Poetry_Core-1.4.0-py3-none-any.whl", "url": "/files/Poetry_Core-1.4.0-py3-none-any.whl",
				"hashes": map[string]any{"sha256": f.wheelSHA}, "requires-python": ">=3.7,<4.0"},
			map[string]any{"filename": "poetry_core-1.3.0-py3-none-any.whl", "url": "/files/poetry_core-1.3.0-py3-none-any.whl",
				"hashes": map[string]any{"sha256": f.plainSHA}},
		},
	}
	if diff := cmp.Diff(wantProj, gotProj); diff != "" {
		t.Errorf("project JSON (-want +got):\n%s", diff)
	}
	if !strings.Contains(proj.Body, `">=3.7,<4.0"`) {
		t.Errorf("requires-python is escaped in JSON: %s", proj.Body)
	}
}

func TestServerRoutes(t *testing.T) {
	f := newFixture(t)
	s, err := New(f.dir)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	tests := []struct {
		path, accept string
		status       int
		location     string
	}{
		{"/", "", 301, "/simple/"},
		{"/simple", "", 301, "/simple/"},
		{"/simple/Poetry_Core/", "", 301, "/simple/poetry-core/"},
		{"/simple/poetry.core", "", 301, "/simple/poetry-core/"},
		{"/simple/poetry-core", "", 301, "/simple/poetry-core/"},
		{"/simple/nope/", "", 404, ""},
		{"/simple/broken/", "", 404, ""}, // unreadable wheel is skipped
		{"/simple/poetry-core/x", "", 404, ""},
		{"/simple/poetry-core/", "application/json", 406, ""},
		{"/simple/", "image/png", 406, ""},
		{"/files/MANIFEST.tsv", "", 404, ""},
		{"/files/broken-1.0-py3-none-any.whl", "", 404, ""},
		{"/files/../server.go", "", 404, ""},
		{"/files/nope-1.0.tar.gz", "", 404, ""},
		{"/other", "", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path+" "+tt.accept, func(t *testing.T) {
			hdr := map[string]string{}
			if tt.accept != "" {
				hdr["Accept"] = tt.accept
			}
			got := get(t, srv, tt.path, hdr)
			if got.Status != tt.status || got.Location != tt.location {
				t.Errorf("GET %s = %d %q, want %d %q", tt.path, got.Status, got.Location, tt.status, tt.location)
			}
		})
	}

	t.Run("download", func(t *testing.T) {
		got := get(t, srv, "/files/uwsgi-2.0.21.tar.gz", nil)
		sum := sha256.Sum256([]byte(got.Body))
		if got.Status != 200 || got.ContentType != "application/octet-stream" || hex.EncodeToString(sum[:]) != f.sdistSHA {
			t.Errorf("GET /files/uwsgi-2.0.21.tar.gz = %d %q sha256 %x, want 200 %s", got.Status, got.ContentType, sum, f.sdistSHA)
		}
	})
	t.Run("method", func(t *testing.T) {
		resp, err := http.Post(srv.URL+"/simple/", "text/plain", strings.NewReader("x"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, HEAD" {
			t.Errorf("POST /simple/ = %d Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
		}
	})
	t.Run("new file appears", func(t *testing.T) {
		makeWheel(t, f.dir, "late-2.0-py3-none-any.whl", "late-2.0.dist-info", "Name: late\nVersion: 2.0\n")
		got := get(t, srv, "/simple/late/", nil)
		if got.Status != 200 || !strings.Contains(got.Body, "late-2.0-py3-none-any.whl") {
			t.Errorf("GET /simple/late/ = %+v", got)
		}
		if err := os.Remove(filepath.Join(f.dir, "late-2.0-py3-none-any.whl")); err != nil {
			t.Fatal(err)
		}
		if got := get(t, srv, "/simple/late/", nil); got.Status != 404 {
			t.Errorf("GET /simple/late/ after removal = %d, want 404", got.Status)
		}
	})
}

func TestServerAuth(t *testing.T) {
	f := newFixture(t)
	creds, err := ParseHtpasswd([]byte("hashed:{SHA}W6ph5Mm5Pz8GgiULbPgzG37mj9g=\n"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(f.dir, WithBasicAuth("canto", "s3cret"), WithCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	defer srv.Close()
	tests := []struct {
		name, user, pass string
		auth             bool
		status           int
	}{
		{"no credentials", "", "", false, 401},
		{"wrong password", "canto", "nope", true, 401},
		{"unknown user", "other", "s3cret", true, 401},
		{"plain", "canto", "s3cret", true, 200},
		{"sha", "hashed", "password", true, 200},
	}
	for _, tt := range tests {
		for _, path := range []string{"/simple/", "/simple/uwsgi/", "/files/uwsgi-2.0.21.tar.gz", "/simple/Nope/"} {
			t.Run(tt.name+" "+path, func(t *testing.T) {
				req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
				if err != nil {
					t.Fatal(err)
				}
				if tt.auth {
					req.SetBasicAuth(tt.user, tt.pass)
				}
				client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				want := tt.status
				if want == 200 && path == "/simple/Nope/" {
					want = 301
				}
				if resp.StatusCode != want {
					t.Errorf("GET %s = %d, want %d", path, resp.StatusCode, want)
				}
				if want == 401 && resp.Header.Get("WWW-Authenticate") != `Basic realm="canto-testindex", charset="UTF-8"` {
					t.Errorf("WWW-Authenticate = %q", resp.Header.Get("WWW-Authenticate"))
				}
			})
		}
	}
}

func TestNewErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	writeFile(t, dir, "f", nil)
	tests := []struct {
		name    string
		dir     string
		opts    []Option
		wantErr string
	}{
		{"missing", filepath.Join(dir, "nope"), nil, `opening index directory "` + filepath.Join(dir, "nope") + `": stat ` + filepath.Join(dir, "nope") + ": no such file or directory"},
		{"file", file, nil, `opening index directory "` + file + `": not a directory`},
		{"nil logger", dir, []Option{WithLogger(nil)}, "creating index server: logger is nil"},
		{"empty user", dir, []Option{WithBasicAuth("", "x")}, "creating index server: empty user name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.dir, tt.opts...)
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("New error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}
