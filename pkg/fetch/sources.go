package fetch

import (
	"net/url"
	"strings"

	"github.com/canto-build/canto/pkg/index"
	"github.com/canto-build/canto/pkg/plan"
	"github.com/canto-build/canto/pkg/pyproject"
)

// PyPI is the Simple API root of the Python Package Index, Poetry's implicit
// source.
const PyPI = "https://pypi.org/simple/"

// Source priorities, as [[tool.poetry.source]] spells them. Default and
// Secondary are the legacy (Poetry 1.x) priorities.
const (
	PriorityDefault      = "default"
	PriorityPrimary      = "primary"
	PrioritySecondary    = "secondary"
	PrioritySupplemental = "supplemental"
	PriorityExplicit     = "explicit"
)

// Source is one package index that fetch may ask for a file.
type Source struct {
	// Name is the [[tool.poetry.source]] name, "PyPI" for the implicit
	// PyPI, or "" for an index given by URL only (--index-url,
	// --extra-index-url, or a lock source the project no longer names).
	Name string
	// URL is the Simple API root as configured; it may carry credentials,
	// so pass it through index.Redact before showing it.
	URL string
	// Priority is the source's priority (one of the Priority constants),
	// or "" for indexes given by URL.
	Priority string
}

// Sources is a project's package indexes in the order Poetry searches
// them, plus the command line's index overrides. Build it with SourcesFor.
// The zero value searches PyPI only.
type Sources struct {
	// search lists the sources asked for a package the lock ties to none,
	// in order; explicit sources are left out.
	search []Source
	// named holds every project source (explicit ones too) by their
	// position in pyproject.toml, for lock references and credentials.
	named []Source
	// indexURL is the --index-url override, "" when unset.
	indexURL string
	extra    []string
}

// SourceOption configures SourcesFor.
type SourceOption func(*sourceConfig)

type sourceConfig struct {
	indexURL      string
	extra         []string
	poetryVersion string
}

// WithIndexURL replaces every source that is not explicit (and the
// implicit PyPI) by the index at url, as pip's --index-url replaces its
// default index. Explicit sources stay in use for the packages the lock
// ties to them. The default keeps the project's sources.
func WithIndexURL(url string) SourceOption {
	return func(c *sourceConfig) { c.indexURL = url }
}

// WithExtraIndexURL adds an index searched after all others (pip's
// --extra-index-url). It may be given more than once.
func WithExtraIndexURL(url string) SourceOption {
	return func(c *sourceConfig) { c.extra = append(c.extra, url) }
}

// WithPoetryVersion says which Poetry wrote the lock (lock.Lock.GeneratedBy),
// since the rule that disables the implicit PyPI changed in Poetry 2.0.
// Before 2.0 only a "default" source disables PyPI, and with primary
// sources configured PyPI is searched after them (Poetry 1.5–1.8 warn about
// it); from 2.0 any primary source disables it. The default, "", follows
// Poetry 2.
func WithPoetryVersion(v string) SourceOption {
	return func(c *sourceConfig) { c.poetryVersion = v }
}

// SourcesFor returns the sources of project p ([[tool.poetry.source]]) in
// Poetry's search order (https://python-poetry.org/docs/repositories/#package-sources):
//
//   - a legacy "default" source comes first;
//   - then primary sources, in the order they are written (a source
//     without a priority is primary);
//   - PyPI is the implicit primary source unless a source is "default" or
//     "primary" (Poetry 2; see WithPoetryVersion for 1.x), or a source
//     named "PyPI" configures it explicitly, at its own priority;
//   - then legacy "secondary" sources, then "supplemental" ones, which
//     Poetry asks only for what the primary sources lack;
//   - "explicit" sources are searched only for packages that name them.
//
// A nil p gives PyPI alone (plus the options).
func SourcesFor(p *pyproject.Project, opts ...SourceOption) *Sources {
	var cfg sourceConfig
	for _, o := range opts {
		o(&cfg)
	}
	s := &Sources{indexURL: cfg.indexURL, extra: cfg.extra}
	poetry1 := majorVersion(cfg.poetryVersion) == 1

	var projectSources []pyproject.Source
	if p != nil {
		projectSources = p.Sources
	}
	byPriority := map[string][]Source{}
	explicitPyPI, disablesPyPI := false, false
	for _, ps := range projectSources {
		src := Source{Name: ps.Name, URL: ps.URL, Priority: strings.ToLower(ps.Priority)}
		if src.Priority == "" {
			src.Priority = PriorityPrimary
		}
		if strings.EqualFold(src.Name, "pypi") {
			explicitPyPI = true
			if src.URL == "" {
				src.URL = PyPI
			}
		} else if src.Priority == PriorityDefault || src.Priority == PriorityPrimary && !poetry1 {
			disablesPyPI = true
		}
		s.named = append(s.named, src)
		byPriority[src.Priority] = append(byPriority[src.Priority], src)
	}
	// Only the first default source is the default one; Poetry rejects
	// more than one, and any others act as primary here.
	if d := byPriority[PriorityDefault]; len(d) > 1 {
		byPriority[PriorityPrimary] = append(d[1:len(d):len(d)], byPriority[PriorityPrimary]...)
		byPriority[PriorityDefault] = d[:1]
	}
	implicit := Source{Name: "PyPI", URL: PyPI, Priority: PriorityPrimary}
	s.search = append(s.search, byPriority[PriorityDefault]...)
	if !explicitPyPI && !disablesPyPI && (!poetry1 || len(byPriority[PriorityPrimary]) == 0) {
		s.search = append(s.search, implicit)
	}
	s.search = append(s.search, byPriority[PriorityPrimary]...)
	if !explicitPyPI && !disablesPyPI && poetry1 && len(byPriority[PriorityPrimary]) > 0 {
		implicit.Priority = PrioritySecondary
		s.search = append(s.search, implicit)
	}
	s.search = append(s.search, byPriority[PrioritySecondary]...)
	s.search = append(s.search, byPriority[PrioritySupplemental]...)
	return s
}

// Search returns the sources asked, in order, for a package the lock does
// not tie to a source: the project's (or the --index-url override) and
// then the extra index URLs.
func (s *Sources) Search() []Source {
	if s == nil {
		s = &Sources{}
	}
	var out []Source
	switch {
	case s.indexURL != "":
		out = append(out, Source{URL: s.indexURL})
	case s.search == nil && s.named == nil:
		out = append(out, Source{Name: "PyPI", URL: PyPI, Priority: PriorityPrimary})
	default:
		out = append(out, s.search...)
	}
	for _, e := range s.extra {
		out = append(out, Source{URL: e})
	}
	return out
}

// For returns the sources to ask, in order, for the file of package pkg.
// A package the lock ties to a source ([package.source] of type legacy)
// is fetched from that source only: the project's source of that name
// (its URL and credentials), or, when the project no longer has it, the
// URL the lock recorded. The --index-url override wins over every
// source that is not explicit. Other packages search Search().
func (s *Sources) For(pkg plan.Package) []Source {
	if s == nil {
		s = &Sources{}
	}
	a := pkg.Artifact
	if a.IndexName == "" && a.Index == "" {
		return s.Search()
	}
	if src, ok := s.named1(a.IndexName); ok {
		if src.Priority == PriorityExplicit || s.indexURL == "" {
			return []Source{src}
		}
		return s.Search()
	}
	if s.indexURL != "" {
		return s.Search()
	}
	return []Source{{Name: a.IndexName, URL: a.Index}}
}

func (s *Sources) named1(name string) (Source, bool) {
	if s == nil || name == "" {
		return Source{}, false
	}
	for _, src := range s.named {
		if strings.EqualFold(src.Name, name) {
			return src, true
		}
	}
	return Source{}, false
}

// Credentials returns the basic-auth credentials Poetry would send for the
// project's sources and the override and extra indexes: for a request URL,
// the source on the same host whose URL shares the longest path prefix with
// it (as Poetry's Authenticator chooses) offers the user and password in its
// URL, else those in Poetry's environment variables for its name
// (index.PoetryEnvVars); failing that the netrc file (index.DefaultNetrcPath)
// answers by host. getenv is usually os.Getenv.
//
// The error reports a netrc file that does not parse; the credentials
// returned with it simply lack netrc, which is what Python's requests does
// with such a file.
func (s *Sources) Credentials(getenv func(string) string) (index.Credentials, error) {
	return s.credentials(getenv, nil)
}

// credentials is Credentials with more sources to match, such as those
// only the lock names.
func (s *Sources) credentials(getenv func(string) string, more []Source) (index.Credentials, error) {
	if s == nil {
		s = &Sources{}
	}
	var all []Source
	all = append(all, s.named...)
	all = append(all, s.search...)
	if s.indexURL != "" {
		all = append(all, Source{URL: s.indexURL})
	}
	for _, e := range s.extra {
		all = append(all, Source{URL: e})
	}
	all = append(all, more...)

	type candidate struct {
		host, path string
		creds      index.Credentials
	}
	var cands []candidate
	for _, src := range all {
		u, err := url.Parse(src.URL)
		if err != nil || u.Host == "" {
			continue
		}
		cr := []index.Credentials{index.URLCredentials(src.URL)}
		if src.Name != "" {
			cr = append(cr, index.PoetryEnv(src.Name, src.URL, getenv))
		}
		cands = append(cands, candidate{host: strings.ToLower(u.Host), path: u.Path, creds: index.Chain(cr...)})
	}
	nf, err := index.Netrc(index.DefaultNetrcPath(getenv))
	var netrc index.Credentials
	if err == nil {
		netrc = nf
	}
	return index.CredentialsFunc(func(u *url.URL) (string, string, bool) {
		best, bestLen := -1, -1
		host := strings.ToLower(u.Host)
		for i, c := range cands {
			if c.host != host {
				continue
			}
			if n := commonPrefix(c.path, u.Path); n > bestLen {
				best, bestLen = i, n
			}
		}
		if best >= 0 {
			if user, pass, ok := cands[best].creds.For(u); ok {
				return user, pass, true
			}
		}
		if netrc != nil {
			return netrc.For(u)
		}
		return "", "", false
	}), err
}

func commonPrefix(a, b string) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}

// majorVersion returns the major version of a Poetry version such as
// "1.8.3", or 0 when v is empty or not a version.
func majorVersion(v string) int {
	major, _, _ := strings.Cut(v, ".")
	n := 0
	for _, r := range major {
		if r < '0' || r > '9' {
			return 0
		}
		n = n*10 + int(r-'0')
	}
	return n
}
