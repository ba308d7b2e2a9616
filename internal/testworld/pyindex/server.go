package pyindex

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"
)

// Option configures a Server.
type Option func(*config)

type config struct {
	creds  Credentials
	logger *slog.Logger
}

// WithBasicAuth requires HTTP basic authentication with one user and a
// plain-text password on every request. Default: no authentication.
func WithBasicAuth(user, password string) Option {
	return func(c *config) {
		if c.creds == nil {
			c.creds = Credentials{}
		}
		c.creds[user] = password
	}
}

// WithCredentials requires HTTP basic authentication against creds (see
// ParseHtpasswd) on every request. Default: no authentication.
func WithCredentials(creds Credentials) Option {
	return func(c *config) {
		if c.creds == nil {
			c.creds = Credentials{}
		}
		for u, p := range creds {
			c.creds[u] = p
		}
	}
}

// WithLogger logs each request and each unreadable file at the given
// logger. Default: discard.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.logger = l }
}

// Server serves the distributions in one directory. The directory is read
// again on each request, so files may be added while the server runs; each
// file's hash and metadata are computed once per (size, modification time).
type Server struct {
	dir string
	cfg config

	mu    sync.Mutex
	cache map[string]fileInfo
}

// fileInfo is what the index knows about one distribution file.
type fileInfo struct {
	Dist
	SHA256         string
	RequiresPython string
	size           int64
	modTime        time.Time
}

// New returns a Server for dir, which must be a readable directory.
func New(dir string, opts ...Option) (*Server, error) {
	cfg := config{logger: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.logger == nil {
		return nil, errors.New("creating index server: logger is nil")
	}
	for u := range cfg.creds {
		if u == "" {
			return nil, errors.New("creating index server: empty user name")
		}
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("opening index directory %q: %w", dir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("opening index directory %q: not a directory", dir)
	}
	return &Server{dir: dir, cfg: cfg, cache: map[string]fileInfo{}}, nil
}

// snapshot lists the distributions now in the directory, by project.
func (s *Server) snapshot() (map[string][]fileInfo, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, fmt.Errorf("reading index directory %q: %w", s.dir, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	projects := map[string][]fileInfo{}
	seen := map[string]bool{}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		d, err := ParseFilename(e.Name())
		if err != nil {
			if !errors.Is(err, ErrNotDist) {
				s.cfg.logger.Warn("skipping file", "file", e.Name(), "err", err)
			}
			continue
		}
		st, err := e.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			return nil, fmt.Errorf("reading index directory %q: %w", s.dir, err)
		}
		seen[d.Filename] = true
		fi, ok := s.cache[d.Filename]
		if !ok || fi.size != st.Size() || !fi.modTime.Equal(st.ModTime()) {
			fi, err = s.inspect(d, st)
			if err != nil {
				s.cfg.logger.Warn("skipping file", "file", d.Filename, "err", err)
				continue
			}
			s.cache[d.Filename] = fi
		}
		projects[d.Project] = append(projects[d.Project], fi)
	}
	for name := range s.cache {
		if !seen[name] {
			delete(s.cache, name)
		}
	}
	for _, files := range projects {
		sort.Slice(files, func(i, j int) bool { return files[i].Filename < files[j].Filename })
	}
	return projects, nil
}

func (s *Server) inspect(d Dist, st fs.FileInfo) (fileInfo, error) {
	p := filepath.Join(s.dir, d.Filename)
	f, err := os.Open(p)
	if err != nil {
		return fileInfo{}, fmt.Errorf("opening %q: %w", d.Filename, err)
	}
	defer func() { _ = f.Close() }()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fileInfo{}, fmt.Errorf("hashing %q: %w", d.Filename, err)
	}
	meta, err := readMetadata(p, d)
	if err != nil {
		return fileInfo{}, err
	}
	return fileInfo{
		Dist:           d,
		SHA256:         hex.EncodeToString(h.Sum(nil)),
		RequiresPython: RequiresPython(meta),
		size:           st.Size(),
		modTime:        st.ModTime(),
	}, nil
}
