package fetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/canto-build/canto/pkg/cache"
	"github.com/canto-build/canto/pkg/index"
	"github.com/canto-build/canto/pkg/lock"
	"github.com/canto-build/canto/pkg/plan"
	"github.com/canto-build/canto/pkg/pyproject"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// pkg returns a planned package installed from filename, whose locked
// sha256 is that of content.
func pkg(name, version string, kind plan.Kind, filename string, content []byte) plan.Package {
	return plan.Package{Name: name, Version: version, Artifact: plan.Artifact{Kind: kind, Filename: filename, SHA256: sum(content)}}
}

// locked ties p to the lock source named ref at u.
func locked(p plan.Package, ref, u string) plan.Package {
	p.Artifact.IndexName, p.Artifact.Index = ref, u
	return p
}

type harness struct {
	cache  *cache.Cache
	env    map[string]string
	logs   *syncBuffer
	mu     sync.Mutex
	events []Event
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	ca, err := cache.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// No real ~/.netrc or environment leaks into a test.
	return &harness{cache: ca, env: map[string]string{"NETRC": filepath.Join(t.TempDir(), "none")}, logs: &syncBuffer{}}
}

func (h *harness) fetch(ctx context.Context, pl *plan.Plan, src *Sources, opts ...Option) (*Result, error) {
	base := []Option{
		WithCache(h.cache),
		WithGetenv(func(k string) string { return h.env[k] }),
		WithLogger(slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		WithProgress(func(e Event) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.events = append(h.events, e)
		}),
	}
	return Fetch(ctx, pl, src, append(base, opts...)...)
}

func (h *harness) eventsOf(pkg string) []Event {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []Event
	for _, e := range h.events {
		if e.Package == pkg {
			out = append(out, e)
		}
	}
	return out
}

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

func readAll(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var (
	wheelBytes = bytes.Repeat([]byte("a wheel "), 1000)
	sdistBytes = bytes.Repeat([]byte("an sdist "), 700)
)

func TestFetchFormats(t *testing.T) {
	for _, html := range []bool{false, true} {
		name := "json"
		if html {
			name = "html"
		}
		t.Run(name, func(t *testing.T) {
			idx := newFakeIndex(t)
			idx.html = html
			idx.add("demo-pkg", "demo_pkg-1.0-py3-none-any.whl", wheelBytes)
			idx.add("demo-pkg", "demo_pkg-1.0.tar.gz", []byte("not this one"))
			idx.add("other", "other-2.0.tar.gz", sdistBytes)
			gitPkg := plan.Package{Name: "gitdep", Version: "0.1", Artifact: plan.Artifact{Kind: plan.KindGit, URL: "git+https://example.com/g.git@abc"}}
			dirPkg := plan.Package{Name: "local", Version: "0.2", Artifact: plan.Artifact{Kind: plan.KindDirectory, URL: "../local"}}
			pl := &plan.Plan{Packages: []plan.Package{
				pkg("demo-pkg", "1.0", plan.KindWheel, "demo_pkg-1.0-py3-none-any.whl", wheelBytes),
				gitPkg,
				dirPkg,
				pkg("other", "2.0", plan.KindSdist, "other-2.0.tar.gz", sdistBytes),
			}}
			h := newHarness(t)
			res, err := h.fetch(t.Context(), pl, SourcesFor(nil, WithIndexURL(idx.url())))
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]File{
				"demo-pkg": {Package: "demo-pkg", Version: "1.0", Filename: "demo_pkg-1.0-py3-none-any.whl", SHA256: sum(wheelBytes), URL: idx.srv.URL + "/files/demo_pkg-1.0-py3-none-any.whl"},
				"other":    {Package: "other", Version: "2.0", Filename: "other-2.0.tar.gz", SHA256: sum(sdistBytes), URL: idx.srv.URL + "/files/other-2.0.tar.gz"},
			}
			if d := cmp.Diff(want, res.Files, cmpopts.IgnoreFields(File{}, "Path")); d != "" {
				t.Errorf("Files (-want +got):\n%s", d)
			}
			if !bytes.Equal(readAll(t, res.Files["demo-pkg"].Path), wheelBytes) || !bytes.Equal(readAll(t, res.Files["other"].Path), sdistBytes) {
				t.Error("cached files differ from the served ones")
			}
			if d := cmp.Diff([]plan.Package{gitPkg, dirPkg}, res.NotFiles); d != "" {
				t.Errorf("NotFiles (-want +got):\n%s", d)
			}
			wantReqs := []string{"/files/demo_pkg-1.0-py3-none-any.whl", "/files/other-2.0.tar.gz", "/simple/demo-pkg/", "/simple/other/"}
			got := idx.log()
			sortStrings(got)
			if d := cmp.Diff(wantReqs, got); d != "" {
				t.Errorf("requests (-want +got):\n%s", d)
			}
		})
	}
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func TestFetchPriorities(t *testing.T) {
	primary, supplemental, explicit := newFakeIndex(t), newFakeIndex(t), newFakeIndex(t)
	supplemental.html = true
	// "both" is on both sources: the primary one wins.
	primary.add("both", "both-1.0-py3-none-any.whl", wheelBytes)
	supplemental.add("both", "both-1.0-py3-none-any.whl", wheelBytes)
	// "supp" is only on the supplemental source: the primary answers 404.
	supplemental.add("supp", "supp-1.0.tar.gz", sdistBytes)
	// "older" is on the primary source, but not this version's file.
	primary.add("older", "older-0.9.tar.gz", []byte("0.9"))
	supplemental.add("older", "older-1.0.tar.gz", []byte("1.0"))
	// "private" is on the explicit source, which the lock names.
	explicit.add("private", "private-3.0-py3-none-any.whl", []byte("private"))
	p := project(
		pyproject.Source{Name: "supp", URL: supplemental.url(), Priority: "supplemental"},
		pyproject.Source{Name: "corp", URL: primary.url(), Priority: "primary"},
		pyproject.Source{Name: "Secret", URL: explicit.url(), Priority: "explicit"},
	)
	pl := &plan.Plan{Packages: []plan.Package{
		pkg("both", "1.0", plan.KindWheel, "both-1.0-py3-none-any.whl", wheelBytes),
		pkg("older", "1.0", plan.KindSdist, "older-1.0.tar.gz", []byte("1.0")),
		locked(pkg("private", "3.0", plan.KindWheel, "private-3.0-py3-none-any.whl", []byte("private")), "secret", explicit.url()),
		pkg("supp", "1.0", plan.KindSdist, "supp-1.0.tar.gz", sdistBytes),
	}}
	h := newHarness(t)
	res, err := h.fetch(t.Context(), pl, SourcesFor(p), WithJobs(1))
	if err != nil {
		t.Fatal(err)
	}
	wantURLs := map[string]string{
		"both":    primary.srv.URL + "/files/both-1.0-py3-none-any.whl",
		"older":   supplemental.srv.URL + "/files/older-1.0.tar.gz",
		"private": explicit.srv.URL + "/files/private-3.0-py3-none-any.whl",
		"supp":    supplemental.srv.URL + "/files/supp-1.0.tar.gz",
	}
	gotURLs := map[string]string{}
	for name, f := range res.Files {
		gotURLs[name] = f.URL
	}
	if d := cmp.Diff(wantURLs, gotURLs); d != "" {
		t.Errorf("URLs (-want +got):\n%s", d)
	}
	for _, tc := range []struct {
		idx  *fakeIndex
		want []string
	}{
		{primary, []string{"/simple/both/", "/files/both-1.0-py3-none-any.whl", "/simple/older/", "/simple/supp/"}},
		{supplemental, []string{"/simple/older/", "/files/older-1.0.tar.gz", "/simple/supp/", "/files/supp-1.0.tar.gz"}},
		{explicit, []string{"/simple/private/", "/files/private-3.0-py3-none-any.whl"}},
	} {
		if d := cmp.Diff(tc.want, tc.idx.log()); d != "" {
			t.Errorf("requests to %s (-want +got):\n%s", tc.idx.srv.URL, d)
		}
	}
}

func TestFetchExplicitOnlyWhenNamed(t *testing.T) {
	primary, explicit := newFakeIndex(t), newFakeIndex(t)
	explicit.add("private", "private-3.0-py3-none-any.whl", []byte("private"))
	p := project(
		pyproject.Source{Name: "corp", URL: primary.url()},
		pyproject.Source{Name: "secret", URL: explicit.url(), Priority: "explicit"},
	)
	pl := &plan.Plan{Packages: []plan.Package{pkg("private", "3.0", plan.KindWheel, "private-3.0-py3-none-any.whl", []byte("private"))}}
	h := newHarness(t)
	_, err := h.fetch(t.Context(), pl, SourcesFor(p))
	want := `fetching "private": private-3.0-py3-none-any.whl is on none of the indexes tried: ` + primary.url() + `
hint: check [[tool.poetry.source]] in pyproject.toml (or --index-url and --extra-index-url): the file must be served by the index the lock was made from`
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v\nwant %s", err, want)
	}
	if got := explicit.log(); len(got) != 0 {
		t.Errorf("the explicit source was asked for an unsourced package: %v", got)
	}
}

func TestFetchIndexURLOverride(t *testing.T) {
	corp, explicit, mirror := newFakeIndex(t), newFakeIndex(t), newFakeIndex(t)
	corp.add("a", "a-1.0.tar.gz", []byte("a"))
	explicit.add("e", "e-1.0.tar.gz", []byte("e"))
	mirror.add("a", "a-1.0.tar.gz", []byte("a"))
	mirror.add("b", "b-1.0.tar.gz", []byte("b"))
	mirror.add("c", "c-1.0.tar.gz", []byte("c"))
	p := project(
		pyproject.Source{Name: "corp", URL: corp.url()},
		pyproject.Source{Name: "e", URL: explicit.url(), Priority: "explicit"},
	)
	pl := &plan.Plan{Packages: []plan.Package{
		locked(pkg("a", "1.0", plan.KindSdist, "a-1.0.tar.gz", []byte("a")), "corp", corp.url()),
		pkg("b", "1.0", plan.KindSdist, "b-1.0.tar.gz", []byte("b")),
		locked(pkg("c", "1.0", plan.KindSdist, "c-1.0.tar.gz", []byte("c")), "gone", "https://gone.invalid/simple/"),
		locked(pkg("e", "1.0", plan.KindSdist, "e-1.0.tar.gz", []byte("e")), "e", explicit.url()),
	}}
	h := newHarness(t)
	res, err := h.fetch(t.Context(), pl, SourcesFor(p, WithIndexURL(mirror.url())))
	if err != nil {
		t.Fatal(err)
	}
	for name, idx := range map[string]*fakeIndex{"a": mirror, "b": mirror, "c": mirror, "e": explicit} {
		if want := idx.srv.URL + "/files/" + name + "-1.0.tar.gz"; res.Files[name].URL != want {
			t.Errorf("%s came from %s, want %s", name, res.Files[name].URL, want)
		}
	}
	if got := corp.log(); len(got) != 0 {
		t.Errorf("the overridden source was asked: %v", got)
	}
}

func TestFetchBasicAuth(t *testing.T) {
	const secret = "hunter2-s3cret"
	idx := newFakeIndex(t)
	idx.user, idx.pass = "deploy", secret
	idx.add("private", "private-1.0.tar.gz", sdistBytes)
	p := project(pyproject.Source{Name: "my-corp.eu", URL: idx.url()})
	pl := &plan.Plan{Packages: []plan.Package{locked(pkg("private", "1.0", plan.KindSdist, "private-1.0.tar.gz", sdistBytes), "my-corp.eu", idx.url())}}

	t.Run("environment", func(t *testing.T) {
		h := newHarness(t)
		h.env["POETRY_HTTP_BASIC_MY_CORP_EU_USERNAME"] = "deploy"
		h.env["POETRY_HTTP_BASIC_MY_CORP_EU_PASSWORD"] = secret
		res, err := h.fetch(t.Context(), pl, SourcesFor(p))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(readAll(t, res.Files["private"].Path), sdistBytes) {
			t.Error("wrong content")
		}
		if strings.Contains(h.logs.String(), secret) {
			t.Errorf("the password is in the logs:\n%s", h.logs)
		}
	})
	t.Run("lock source the project lacks", func(t *testing.T) {
		for _, src := range []*Sources{nil, SourcesFor(project())} {
			h := newHarness(t)
			h.env["POETRY_HTTP_BASIC_MY_CORP_EU_USERNAME"] = "deploy"
			h.env["POETRY_HTTP_BASIC_MY_CORP_EU_PASSWORD"] = secret
			res, err := h.fetch(t.Context(), pl, src)
			if err != nil {
				t.Fatal(err)
			}
			if want := idx.srv.URL + "/files/private-1.0.tar.gz"; res.Files["private"].URL != want {
				t.Errorf("URL = %s, want %s", res.Files["private"].URL, want)
			}
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		const wrong = "not-the-password-xyz"
		h := newHarness(t)
		h.env["POETRY_HTTP_BASIC_MY_CORP_EU_USERNAME"] = "deploy"
		h.env["POETRY_HTTP_BASIC_MY_CORP_EU_PASSWORD"] = wrong
		_, err := h.fetch(t.Context(), pl, SourcesFor(p))
		var ae *index.AuthError
		if !errors.As(err, &ae) || !ae.CredentialsSent {
			t.Fatalf("err = %v, want an *index.AuthError with credentials sent", err)
		}
		if strings.Contains(err.Error(), wrong) || strings.Contains(h.logs.String(), wrong) {
			t.Errorf("the password is in the error or logs:\n%v\n%s", err, h.logs)
		}
	})
	t.Run("in the URL", func(t *testing.T) {
		withCreds := strings.Replace(idx.url(), "http://", "http://deploy:"+secret+"@", 1)
		p := project(pyproject.Source{Name: "my-corp.eu", URL: withCreds})
		h := newHarness(t)
		res, err := h.fetch(t.Context(), pl, SourcesFor(p))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(res.Files["private"].URL, secret) || strings.Contains(h.logs.String(), secret) {
			t.Errorf("the password is in the result or logs: %q\n%s", res.Files["private"].URL, h.logs)
		}
		// A file the index lacks: the error names the index, redacted.
		pl := &plan.Plan{Packages: []plan.Package{locked(pkg("private", "1.0", plan.KindWheel, "private-1.0-py3-none-any.whl", wheelBytes), "my-corp.eu", idx.url())}}
		_, err = h.fetch(t.Context(), pl, SourcesFor(p))
		want := `fetching "private": private-1.0-py3-none-any.whl is on none of the indexes tried: ` + strings.Replace(idx.url(), "http://", "http://***@", 1) + `
hint: check [[tool.poetry.source]] in pyproject.toml (or --index-url and --extra-index-url): the file must be served by the index the lock was made from`
		if err == nil || err.Error() != want {
			t.Fatalf("err = %v\nwant %s", err, want)
		}
		if strings.Contains(h.logs.String(), secret) {
			t.Errorf("the password is in the logs:\n%s", h.logs)
		}
	})
}

func TestFetchNotFound(t *testing.T) {
	a, b, c := newFakeIndex(t), newFakeIndex(t), newFakeIndex(t)
	b.add("lost", "lost-0.1.tar.gz", []byte("old"))
	extra := strings.Replace(c.url(), "http://", "http://u:tok@", 1)
	p := project(
		pyproject.Source{Name: "a", URL: a.url()},
		pyproject.Source{Name: "b", URL: b.url(), Priority: "supplemental"},
	)
	pl := &plan.Plan{Packages: []plan.Package{pkg("lost", "1.0", plan.KindSdist, "lost-1.0.tar.gz", []byte("new"))}}
	h := newHarness(t)
	_, err := h.fetch(t.Context(), pl, SourcesFor(p, WithExtraIndexURL(extra)))
	var nf *NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("err = %v, want a *NotFoundError", err)
	}
	want := &NotFoundError{Package: "lost", Filename: "lost-1.0.tar.gz", Tried: []string{a.url(), b.url(), strings.Replace(c.url(), "http://", "http://***@", 1)}}
	if d := cmp.Diff(want, nf); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	var pe *PackageError
	if !errors.As(err, &pe) || pe.Package != "lost" || pe.Others != 0 {
		t.Errorf("err = %#v, want a *PackageError for lost", err)
	}
	if got := h.eventsOf("lost"); len(got) != 1 || got[0].Phase != PhaseFailed {
		t.Errorf("events = %+v, want one failed", got)
	}
}

func TestFetchHashMismatch(t *testing.T) {
	idx := newFakeIndex(t)
	good, evil := []byte("good wheel"), []byte("evil wheel")
	idx.add("pkg", "pkg-1.0-py3-none-any.whl", evil)
	idx.listed["pkg-1.0-py3-none-any.whl"] = good
	pl := &plan.Plan{Packages: []plan.Package{pkg("pkg", "1.0", plan.KindWheel, "pkg-1.0-py3-none-any.whl", good)}}
	h := newHarness(t)
	_, err := h.fetch(t.Context(), pl, SourcesFor(nil, WithIndexURL(idx.url())))
	var hm *index.HashMismatchError
	if !errors.As(err, &hm) {
		t.Fatalf("err = %v, want an *index.HashMismatchError", err)
	}
	want := fmt.Sprintf(`fetching "pkg": hash mismatch for pkg-1.0-py3-none-any.whl from %s/files/pkg-1.0-py3-none-any.whl: expected sha256 %s, got %s
hint: the file changed on the index since the lock file was written, or the download was tampered with; re-lock only if you trust the change`, idx.srv.URL, sum(good), sum(evil))
	if err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
	if _, ok, _ := h.cache.Get(sum(good)); ok {
		t.Error("the bad file was cached under the good hash")
	}
}

func TestFetchUnverifiable(t *testing.T) {
	md5Only := plan.Package{Name: "old", Version: "1.0", Artifact: plan.Artifact{Kind: plan.KindSdist, Filename: "old-1.0.tar.gz"},
		Lock: &lock.Package{Name: "old", Files: []lock.File{{Name: "old-1.0.tar.gz", Hash: "md5:0123456789abcdef0123456789abcdef"}}}}
	none := plan.Package{Name: "bare", Version: "1.0", Artifact: plan.Artifact{Kind: plan.KindURL, Filename: "bare-1.0.tar.gz", URL: "https://example.com/bare-1.0.tar.gz"}}
	bad := plan.Package{Name: "bad", Version: "1.0", Artifact: plan.Artifact{Kind: plan.KindWheel, Filename: "bad-1.0-py3-none-any.whl", SHA256: "abc"}}
	tests := []struct {
		name string
		pkgs []plan.Package
		want string
	}{
		{"md5 only", []plan.Package{md5Only}, `fetching "old": the lock file records only md5 for old-1.0.tar.gz, no sha256
hint: md5 is broken for integrity (anyone can make a different file with the same digest), so canto verifies sha256 only; run "poetry lock" ("poetry lock --no-update" before Poetry 2) with a current Poetry to record sha256 hashes`},
		{"no hash", []plan.Package{none}, `fetching "bare": the lock file records no hash for bare-1.0.tar.gz
hint: canto installs only files it can verify against the lock; run "poetry lock" ("poetry lock --no-update" before Poetry 2) with a current Poetry to record sha256 hashes`},
		{"malformed", []plan.Package{bad}, `fetching "bad": the lock file's sha256 for bad-1.0-py3-none-any.whl is "abc", not 64 hex digits
hint: the lock file is damaged; run "poetry lock" to rewrite it`},
		{"several", []plan.Package{none, md5Only, bad}, `fetching "bare": the lock file records no hash for bare-1.0.tar.gz
hint: canto installs only files it can verify against the lock; run "poetry lock" ("poetry lock --no-update" before Poetry 2) with a current Poetry to record sha256 hashes
(2 other packages failed too)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			idx := newFakeIndex(t)
			h := newHarness(t)
			_, err := h.fetch(t.Context(), &plan.Plan{Packages: tt.pkgs}, SourcesFor(nil, WithIndexURL(idx.url())))
			if err == nil || err.Error() != tt.want {
				t.Fatalf("err = %v\nwant %s", err, tt.want)
			}
			if got := idx.log(); len(got) != 0 {
				t.Errorf("requests were made: %v", got)
			}
		})
	}
	t.Run("typed", func(t *testing.T) {
		h := newHarness(t)
		_, err := h.fetch(t.Context(), &plan.Plan{Packages: []plan.Package{md5Only}}, nil)
		var ue *UnverifiableError
		if !errors.As(err, &ue) {
			t.Fatalf("err = %v, want an *UnverifiableError", err)
		}
		if d := cmp.Diff(&UnverifiableError{Package: "old", Filename: "old-1.0.tar.gz", Algorithms: []string{"md5"}}, ue); d != "" {
			t.Errorf("(-want +got):\n%s", d)
		}
	})
}

func TestFetchCacheHitMakesNoRequest(t *testing.T) {
	idx := newFakeIndex(t)
	idx.hold = func(r *http.Request) { t.Errorf("unexpected request %s", r.URL.Path) }
	h := newHarness(t)
	urlBytes, fileBytes := []byte("from a url"), []byte("from a file")
	for _, b := range [][]byte{wheelBytes, urlBytes, fileBytes} {
		if _, err := h.cache.Put(t.Context(), sum(b), bytes.NewReader(b)); err != nil {
			t.Fatal(err)
		}
	}
	urlPkg := pkg("viaurl", "1.0", plan.KindURL, "viaurl-1.0.tar.gz", urlBytes)
	urlPkg.Artifact.URL = idx.srv.URL + "/files/viaurl-1.0.tar.gz"
	filePkg := pkg("viafile", "1.0", plan.KindFile, "viafile-1.0.tar.gz", fileBytes)
	filePkg.Artifact.URL = "does/not/exist/viafile-1.0.tar.gz"
	pl := &plan.Plan{Packages: []plan.Package{pkg("demo", "1.0", plan.KindWheel, "demo-1.0-py3-none-any.whl", wheelBytes), filePkg, urlPkg}}
	res, err := h.fetch(t.Context(), pl, SourcesFor(nil, WithIndexURL(idx.url())))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 3 {
		t.Fatalf("got %d files, want 3", len(res.Files))
	}
	if got := idx.log(); len(got) != 0 {
		t.Errorf("requests were made: %v", got)
	}
	n := int64(len(wheelBytes))
	if d := cmp.Diff([]Event{{Package: "demo", Filename: "demo-1.0-py3-none-any.whl", Phase: PhaseCached, Bytes: n, Total: n}}, h.eventsOf("demo")); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
}

func TestFetchFileAndURL(t *testing.T) {
	idx := newFakeIndex(t)
	urlBytes := []byte("an archive from a URL")
	idx.content["direct-1.0.tar.gz"] = urlBytes
	dir := t.TempDir()
	fileBytes := []byte("a wheel built locally")
	if err := os.MkdirAll(filepath.Join(dir, "dist"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "dist", "mine-1.0-py3-none-any.whl"), fileBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	urlPkg := pkg("direct", "1.0", plan.KindURL, "direct-1.0.tar.gz", urlBytes)
	urlPkg.Artifact.URL = idx.srv.URL + "/files/direct-1.0.tar.gz"
	filePkg := pkg("mine", "1.0", plan.KindFile, "mine-1.0-py3-none-any.whl", fileBytes)
	filePkg.Artifact.URL = "dist/mine-1.0-py3-none-any.whl"

	h := newHarness(t)
	res, err := h.fetch(t.Context(), &plan.Plan{Packages: []plan.Package{urlPkg, filePkg}}, nil, WithProjectDir(dir))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(readAll(t, res.Files["direct"].Path), urlBytes) || !bytes.Equal(readAll(t, res.Files["mine"].Path), fileBytes) {
		t.Error("wrong content")
	}
	if d := cmp.Diff([]string{"/files/direct-1.0.tar.gz"}, idx.log()); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}

	t.Run("local file changed", func(t *testing.T) {
		changed := pkg("mine", "1.0", plan.KindFile, "mine-1.0-py3-none-any.whl", []byte("what was locked"))
		changed.Artifact.URL = "dist/mine-1.0-py3-none-any.whl"
		h := newHarness(t)
		_, err := h.fetch(t.Context(), &plan.Plan{Packages: []plan.Package{changed}}, nil, WithProjectDir(dir))
		var dm *cache.DigestMismatchError
		if !errors.As(err, &dm) {
			t.Fatalf("err = %v, want a *cache.DigestMismatchError", err)
		}
		p := filepath.Join(dir, "dist", "mine-1.0-py3-none-any.whl")
		want := fmt.Sprintf(`fetching "mine": reading %q: sha256 is %s, the lock file says %s: %v
hint: the file changed since the lock file was written; run "poetry lock" if the change is intended`, p, sum(fileBytes), sum([]byte("what was locked")), dm)
		if err.Error() != want {
			t.Errorf("err = %v\nwant %s", err, want)
		}
	})
	t.Run("local file missing", func(t *testing.T) {
		gone := pkg("gone", "1.0", plan.KindFile, "gone-1.0.tar.gz", []byte("x"))
		gone.Artifact.URL = "dist/gone-1.0.tar.gz"
		h := newHarness(t)
		_, err := h.fetch(t.Context(), &plan.Plan{Packages: []plan.Package{gone}}, nil, WithProjectDir(dir))
		if !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("err = %v, want a not-exist error", err)
		}
	})
}

func TestFetchJobsBound(t *testing.T) {
	idx := newFakeIndex(t)
	var pkgs []plan.Package
	for i := range 6 {
		name := fmt.Sprintf("p%d", i)
		content := []byte("content of " + name)
		idx.add(name, name+"-1.0.tar.gz", content)
		pkgs = append(pkgs, pkg(name, "1.0", plan.KindSdist, name+"-1.0.tar.gz", content))
	}
	// Hold each request until two are in flight (or a while has passed),
	// so that the bound is reached and any excess would show.
	idx.hold = func(r *http.Request) {
		deadline := time.Now().Add(500 * time.Millisecond)
		for time.Now().Before(deadline) {
			idx.mu.Lock()
			n := idx.inflight
			idx.mu.Unlock()
			if n >= 2 {
				break
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	h := newHarness(t)
	res, err := h.fetch(t.Context(), &plan.Plan{Packages: pkgs}, SourcesFor(nil, WithIndexURL(idx.url())), WithJobs(2))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 6 {
		t.Errorf("got %d files, want 6", len(res.Files))
	}
	idx.mu.Lock()
	maxInflight := idx.maxInflight
	idx.mu.Unlock()
	if maxInflight != 2 {
		t.Errorf("at most %d requests were in flight, want 2", maxInflight)
	}
}

func TestFetchProgress(t *testing.T) {
	idx := newFakeIndex(t)
	idx.add("demo", "demo-1.0-py3-none-any.whl", wheelBytes)
	pl := &plan.Plan{Packages: []plan.Package{pkg("demo", "1.0", plan.KindWheel, "demo-1.0-py3-none-any.whl", wheelBytes)}}
	h := newHarness(t)
	src := SourcesFor(nil, WithIndexURL(idx.url()))
	if _, err := h.fetch(t.Context(), pl, src); err != nil {
		t.Fatal(err)
	}
	// A second run finds the file in the cache.
	if _, err := h.fetch(t.Context(), pl, src); err != nil {
		t.Fatal(err)
	}
	n := int64(len(wheelBytes))
	want := []Event{
		{Package: "demo", Filename: "demo-1.0-py3-none-any.whl", Phase: PhaseDownloading, Total: n},
		{Package: "demo", Filename: "demo-1.0-py3-none-any.whl", Phase: PhaseDone, Bytes: n, Total: n},
		{Package: "demo", Filename: "demo-1.0-py3-none-any.whl", Phase: PhaseCached, Bytes: n, Total: n},
	}
	if d := cmp.Diff(want, h.eventsOf("demo")); d != "" {
		t.Errorf("events (-want +got):\n%s", d)
	}
}

func TestFetchFirstFailureCancelsTheRest(t *testing.T) {
	idx := newFakeIndex(t)
	idx.add("slow", "slow-1.0.tar.gz", []byte("slow"))
	arrived, released := make(chan struct{}), make(chan struct{})
	idx.hold = func(r *http.Request) {
		switch r.URL.Path {
		case "/simple/missing/":
			// Fail only once the slow download is under way.
			select {
			case <-arrived:
			case <-time.After(5 * time.Second):
			}
		case "/files/slow-1.0.tar.gz":
			close(arrived)
			select {
			case <-r.Context().Done():
				close(released)
			case <-time.After(10 * time.Second):
			}
		}
	}
	pl := &plan.Plan{Packages: []plan.Package{
		pkg("missing", "1.0", plan.KindSdist, "missing-1.0.tar.gz", []byte("m")),
		pkg("slow", "1.0", plan.KindSdist, "slow-1.0.tar.gz", []byte("slow")),
	}}
	h := newHarness(t)
	start := time.Now()
	_, err := h.fetch(t.Context(), pl, SourcesFor(nil, WithIndexURL(idx.url())))
	var pe *PackageError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want a *PackageError", err)
	}
	if pe.Package != "missing" || pe.Others != 0 {
		t.Errorf("got package %q with %d others, want missing with 0", pe.Package, pe.Others)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Fetch took %v: the slow download was not cancelled", d)
	}
	select {
	case <-released:
	case <-time.After(5 * time.Second):
		t.Error("the slow request was never cancelled")
	}
}

func TestFetchOptions(t *testing.T) {
	tests := []struct {
		name string
		pl   *plan.Plan
		opts []Option
		want string
	}{
		{"no plan", nil, nil, "fetching: no plan"},
		{"jobs", &plan.Plan{}, []Option{WithJobs(0)}, "fetching: jobs must be at least 1, not 0"},
		{"kind", &plan.Plan{Packages: []plan.Package{{Name: "x", Artifact: plan.Artifact{Kind: "egg"}}}}, nil, `fetching "x": unknown artifact kind "egg"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Fetch(t.Context(), tt.pl, nil, append([]Option{WithCache(newHarness(t).cache)}, tt.opts...)...)
			if err == nil || err.Error() != tt.want {
				t.Errorf("err = %v, want %s", err, tt.want)
			}
		})
	}
	t.Run("nothing to fetch", func(t *testing.T) {
		dir := plan.Package{Name: "local", Artifact: plan.Artifact{Kind: plan.KindDirectory, URL: "."}}
		res, err := Fetch(t.Context(), &plan.Plan{Packages: []plan.Package{dir}}, nil, WithCache(newHarness(t).cache))
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(&Result{Files: map[string]File{}, NotFiles: []plan.Package{dir}}, res); d != "" {
			t.Errorf("(-want +got):\n%s", d)
		}
	})
}
