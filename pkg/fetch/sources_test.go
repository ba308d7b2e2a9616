package fetch

import (
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/canto-build/canto/pkg/plan"
	"github.com/canto-build/canto/pkg/pyproject"
	"github.com/google/go-cmp/cmp"
)

func project(srcs ...pyproject.Source) *pyproject.Project {
	return &pyproject.Project{File: "pyproject.toml", Sources: srcs}
}

var pypi = Source{Name: "PyPI", URL: PyPI, Priority: PriorityPrimary}

func TestSourcesSearch(t *testing.T) {
	a := pyproject.Source{Name: "a", URL: "https://a.example/simple/", Priority: "primary"}
	b := pyproject.Source{Name: "b", URL: "https://b.example/simple/"} // no priority: primary
	sup := pyproject.Source{Name: "sup", URL: "https://sup.example/simple/", Priority: "supplemental"}
	exp := pyproject.Source{Name: "exp", URL: "https://exp.example/simple/", Priority: "explicit"}
	def := pyproject.Source{Name: "def", URL: "https://def.example/simple/", Priority: "default"}
	sec := pyproject.Source{Name: "sec", URL: "https://sec.example/simple/", Priority: "secondary"}
	src := func(s pyproject.Source, prio string) Source { return Source{Name: s.Name, URL: s.URL, Priority: prio} }

	tests := []struct {
		name string
		p    *pyproject.Project
		opts []SourceOption
		want []Source
	}{
		{"no project", nil, nil, []Source{pypi}},
		{"no sources", project(), nil, []Source{pypi}},
		{"supplemental and explicit keep PyPI first", project(sup, exp), nil, []Source{pypi, src(sup, "supplemental")}},
		{"primary disables PyPI (Poetry 2)", project(sup, a, b), nil, []Source{src(a, "primary"), src(b, "primary"), src(sup, "supplemental")}},
		{"default disables PyPI and comes first", project(a, sec, def), nil, []Source{src(def, "default"), src(a, "primary"), src(sec, "secondary")}},
		{"secondary alone keeps PyPI", project(sec), nil, []Source{pypi, src(sec, "secondary")}},
		{"Poetry 1 puts PyPI after primaries", project(a, sup), []SourceOption{WithPoetryVersion("1.8.3")}, []Source{src(a, "primary"), {Name: "PyPI", URL: PyPI, Priority: "secondary"}, src(sup, "supplemental")}},
		{"Poetry 1 default disables PyPI", project(a, def), []SourceOption{WithPoetryVersion("1.4.0")}, []Source{src(def, "default"), src(a, "primary")}},
		{"Poetry 2 explicit version", project(a), []SourceOption{WithPoetryVersion("2.1.1")}, []Source{src(a, "primary")}},
		{"PyPI configured explicitly", project(a, pyproject.Source{Name: "PyPI", Priority: "supplemental"}), nil, []Source{src(a, "primary"), {Name: "PyPI", URL: PyPI, Priority: "supplemental"}}},
		{"index-url replaces the sources", project(a, sup, exp), []SourceOption{WithIndexURL("https://mirror.example/simple/")}, []Source{{URL: "https://mirror.example/simple/"}}},
		{"extra index URLs come last", project(sup), []SourceOption{WithExtraIndexURL("https://x.example/simple/"), WithExtraIndexURL("https://y.example/simple/")}, []Source{pypi, src(sup, "supplemental"), {URL: "https://x.example/simple/"}, {URL: "https://y.example/simple/"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SourcesFor(tt.p, tt.opts...).Search()
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("Search() (-want +got):\n%s", d)
			}
		})
	}
	t.Run("zero value", func(t *testing.T) {
		var s *Sources
		if d := cmp.Diff([]Source{pypi}, s.Search()); d != "" {
			t.Errorf("(-want +got):\n%s", d)
		}
	})
}

func TestSourcesFor(t *testing.T) {
	a := pyproject.Source{Name: "A", URL: "https://a.example/simple/"}
	exp := pyproject.Source{Name: "exp", URL: "https://exp.example/simple/", Priority: "explicit"}
	locked := func(ref, u string) plan.Package {
		return plan.Package{Name: "pkg", Artifact: plan.Artifact{Kind: plan.KindWheel, Index: u, IndexName: ref}}
	}
	mirror := Source{URL: "https://mirror.example/simple/"}
	tests := []struct {
		name string
		opts []SourceOption
		pkg  plan.Package
		want []Source
	}{
		{"unsourced package searches non-explicit sources", nil, plan.Package{Name: "pkg"}, []Source{{Name: "A", URL: a.URL, Priority: "primary"}}},
		{"lock reference names a project source, any case", nil, locked("a", "https://old.example/simple/"), []Source{{Name: "A", URL: a.URL, Priority: "primary"}}},
		{"lock reference names an explicit source", nil, locked("exp", exp.URL), []Source{{Name: "exp", URL: exp.URL, Priority: "explicit"}}},
		{"lock reference the project lacks", nil, locked("gone", "https://gone.example/simple/"), []Source{{Name: "gone", URL: "https://gone.example/simple/"}}},
		{"override wins over a primary source", []SourceOption{WithIndexURL(mirror.URL)}, locked("A", a.URL), []Source{mirror}},
		{"override wins over a source the project lacks", []SourceOption{WithIndexURL(mirror.URL)}, locked("gone", "https://gone.example/simple/"), []Source{mirror}},
		{"override leaves explicit sources alone", []SourceOption{WithIndexURL(mirror.URL)}, locked("exp", exp.URL), []Source{{Name: "exp", URL: exp.URL, Priority: "explicit"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SourcesFor(project(a, exp), tt.opts...).For(tt.pkg)
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("For() (-want +got):\n%s", d)
			}
		})
	}
}

func TestSourcesCredentials(t *testing.T) {
	env := map[string]string{
		"POETRY_HTTP_BASIC_TEAM_A_USERNAME": "alice",
		"POETRY_HTTP_BASIC_TEAM_A_PASSWORD": "pa",
		"POETRY_HTTP_BASIC_TEAM_B_USERNAME": "bob",
		"POETRY_HTTP_BASIC_TEAM_B_PASSWORD": "pb",
	}
	env["NETRC"] = filepath.Join(t.TempDir(), "netrc")
	if err := os.WriteFile(env["NETRC"], []byte("machine files.example login nora password pn\nmachine git.example login nobody password wrong\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := project(
		pyproject.Source{Name: "team-a", URL: "https://git.example/api/projects/1/simple/"},
		pyproject.Source{Name: "team-b", URL: "https://git.example/api/projects/2/simple/", Priority: "explicit"},
		pyproject.Source{Name: "embedded", URL: "https://carol:pc@emb.example/simple/"},
	)
	creds, err := SourcesFor(p).Credentials(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		url, user, pass string
		ok              bool
	}{
		{"https://git.example/api/projects/1/simple/pkg/", "alice", "pa", true},
		{"https://git.example/api/projects/2/files/pkg.whl", "bob", "pb", true},
		{"https://git.example/other/", "alice", "pa", true}, // same host: the first with the longest common prefix
		{"https://emb.example/files/x.whl", "carol", "pc", true},
		{"https://files.example/x.whl", "nora", "pn", true}, // netrc
		{"https://other.example/x.whl", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			u, _ := url.Parse(tt.url)
			user, pass, ok := creds.For(u)
			if user != tt.user || pass != tt.pass || ok != tt.ok {
				t.Errorf("For(%s) = %q, %q, %v; want %q, %q, %v", tt.url, user, pass, ok, tt.user, tt.pass, tt.ok)
			}
		})
	}
}
