package pyindex

import (
	"bytes"
	"encoding/json"
	"html"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// ServeHTTP answers the Simple Repository API:
//
//	GET /simple/            project list (PEP 503 HTML or PEP 691 JSON)
//	GET /simple/{project}/  files of one project, links with #sha256= and
//	                        data-requires-python; non-normalised names redirect
//	GET /files/{filename}   the file itself
//
// With credentials configured, every request needs HTTP basic auth.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	s.serve(rec, r)
	s.cfg.logger.Info("request", "method", r.Method, "path", r.URL.Path,
		"status", rec.status, "duration", time.Since(start).Round(time.Microsecond))
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if s.cfg.creds != nil {
		user, pass, ok := r.BasicAuth()
		if !ok || !s.cfg.creds.check(user, pass) {
			w.Header().Set("WWW-Authenticate", `Basic realm="canto-testindex", charset="UTF-8"`)
			http.Error(w, "401 unauthorized", http.StatusUnauthorized)
			return
		}
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	}
	p := r.URL.Path
	switch {
	case p == "/" || p == "/simple":
		http.Redirect(w, r, "/simple/", http.StatusMovedPermanently)
	case p == "/simple/":
		s.serveRoot(w, r)
	case strings.HasPrefix(p, "/simple/"):
		s.serveProject(w, r, strings.TrimPrefix(p, "/simple/"))
	case strings.HasPrefix(p, "/files/"):
		s.serveFile(w, r, strings.TrimPrefix(p, "/files/"))
	default:
		http.NotFound(w, r)
	}
}

// negotiate sets the response's content type, or answers 406 and returns "".
func negotiate(w http.ResponseWriter, r *http.Request) string {
	w.Header().Add("Vary", "Accept")
	media := Negotiate(r.Header.Get("Accept"))
	if media == "" {
		http.Error(w, "406 not acceptable: this index serves "+strings.Join(offers, ", "), http.StatusNotAcceptable)
		return ""
	}
	ct := media
	if media == MediaLegacyHTML {
		ct += "; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	return media
}

// jsonMeta is the "meta" key of PEP 691 responses.
type jsonMeta struct {
	APIVersion string `json:"api-version"`
}

func (s *Server) serveRoot(w http.ResponseWriter, r *http.Request) {
	projects, err := s.snapshot()
	if err != nil {
		s.cfg.logger.Error("listing projects", "err", err)
		http.Error(w, "500 internal server error", http.StatusInternalServerError)
		return
	}
	names := make([]string, 0, len(projects))
	for n := range projects {
		names = append(names, n)
	}
	sort.Strings(names)
	media := negotiate(w, r)
	switch media {
	case "":
		return
	case MediaJSON:
		type project struct {
			Name string `json:"name"`
		}
		body := struct {
			Meta     jsonMeta  `json:"meta"`
			Projects []project `json:"projects"`
		}{Meta: jsonMeta{APIVersion: "1.0"}, Projects: []project{}}
		for _, n := range names {
			body.Projects = append(body.Projects, project{Name: n})
		}
		writeJSON(w, body)
	default:
		var b strings.Builder
		b.WriteString("<!DOCTYPE html>\n<html>\n<head>\n<meta name=\"pypi:repository-version\" content=\"1.0\">\n<title>Simple index</title>\n</head>\n<body>\n")
		for _, n := range names {
			e := html.EscapeString(n)
			b.WriteString(`<a href="/simple/` + e + `/">` + e + "</a><br/>\n")
		}
		b.WriteString("</body>\n</html>\n")
		_, _ = w.Write([]byte(b.String()))
	}
}

func (s *Server) serveProject(w http.ResponseWriter, r *http.Request, rest string) {
	name, tail, _ := strings.Cut(rest, "/")
	if name == "" || tail != "" {
		http.NotFound(w, r)
		return
	}
	// PEP 503: the project URL is /simple/{normalised}/; other spellings
	// (and a missing trailing slash) redirect there.
	if norm := Normalize(name); norm != name || !strings.HasSuffix(rest, "/") {
		http.Redirect(w, r, "/simple/"+norm+"/", http.StatusMovedPermanently)
		return
	}
	projects, err := s.snapshot()
	if err != nil {
		s.cfg.logger.Error("listing files", "project", name, "err", err)
		http.Error(w, "500 internal server error", http.StatusInternalServerError)
		return
	}
	files, ok := projects[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	media := negotiate(w, r)
	switch media {
	case "":
		return
	case MediaJSON:
		type file struct {
			Filename       string            `json:"filename"`
			URL            string            `json:"url"`
			Hashes         map[string]string `json:"hashes"`
			RequiresPython string            `json:"requires-python,omitempty"`
		}
		body := struct {
			Meta  jsonMeta `json:"meta"`
			Name  string   `json:"name"`
			Files []file   `json:"files"`
		}{Meta: jsonMeta{APIVersion: "1.0"}, Name: name}
		for _, f := range files {
			body.Files = append(body.Files, file{
				Filename:       f.Filename,
				URL:            "/files/" + f.Filename,
				Hashes:         map[string]string{"sha256": f.SHA256},
				RequiresPython: f.RequiresPython,
			})
		}
		writeJSON(w, body)
	default:
		var b strings.Builder
		title := html.EscapeString("Links for " + name)
		b.WriteString("<!DOCTYPE html>\n<html>\n<head>\n<meta name=\"pypi:repository-version\" content=\"1.0\">\n<title>" + title + "</title>\n</head>\n<body>\n<h1>" + title + "</h1>\n")
		for _, f := range files {
			b.WriteString(`<a href="` + html.EscapeString("/files/"+f.Filename) + "#sha256=" + f.SHA256 + `"`)
			if f.RequiresPython != "" {
				b.WriteString(` data-requires-python="` + html.EscapeString(f.RequiresPython) + `"`)
			}
			b.WriteString(">" + html.EscapeString(f.Filename) + "</a><br/>\n")
		}
		b.WriteString("</body>\n</html>\n")
		_, _ = w.Write([]byte(b.String()))
	}
}

func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, filename string) {
	projects, err := s.snapshot()
	if err != nil {
		s.cfg.logger.Error("listing files", "err", err)
		http.Error(w, "500 internal server error", http.StatusInternalServerError)
		return
	}
	// Only files the index lists are served: no paths, no other files.
	d, err := ParseFilename(filename)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	var fi *fileInfo
	for i, f := range projects[d.Project] {
		if f.Filename == filename {
			fi = &projects[d.Project][i]
		}
	}
	if fi == nil {
		http.NotFound(w, r)
		return
	}
	f, err := os.Open(filepath.Join(s.dir, fi.Filename))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer func() { _ = f.Close() }()
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("ETag", `"`+fi.SHA256+`"`)
	http.ServeContent(w, r, fi.Filename, fi.modTime, f)
}

func writeJSON(w http.ResponseWriter, v any) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // keep ">=3.7" readable; JSON needs no HTML escaping
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		http.Error(w, "500 internal server error", http.StatusInternalServerError)
		return
	}
	_, _ = w.Write(b.Bytes())
}
