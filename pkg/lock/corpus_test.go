package lock

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/canto-build/canto/pkg/pyproject"
)

const (
	// corpusDir holds real Poetry projects (pyproject.toml, poetry.lock,
	// SOURCE); tests using it skip when it is absent.
	corpusDir = "../../../shared/corpus/poetry-locks"
	// invalidDir holds real locks that tomllib rejects, with expected.json.
	invalidDir = "../../../shared/corpus/invalid-locks"
	// fixturesDir is the committed subset of the corpus.
	fixturesDir = "../../testdata/projects"
)

// knownStale lists real projects whose committed poetry.lock does not match
// their committed pyproject.toml, each verified independently of this
// package (a Python reimplementation of Locker._get_content_hash for every
// Poetry release, and the repositories' history).
var knownStale = map[string]string{
	// The lock (Poetry 1.7.1, python-versions ">=3.8, <4") predates the
	// move to a PEP 621-only pyproject.toml: no [tool.poetry] is left,
	// Poetry 1.7 cannot read [project] dependencies, and ">=3.8, <4"
	// appears nowhere in the pyproject.
	"Poogles__pytest-bq": "pyproject rewritten to PEP 621 without relocking",
	// Commit 8966dc2 rewrote the lock (hash 8df022f5… -> fc1b510e…) with
	// Poetry 1.7.1 from a pyproject state that was never committed: neither
	// that commit's pyproject, nor its parent's, nor any mix of the two
	// crewai-tools constraints it changed, hashes to fc1b510e….
	"crewAIInc__crewAI": "locked from an uncommitted pyproject.toml",
}

var fileHash = regexp.MustCompile(`^(sha256:[0-9a-f]{64}|md5:[0-9a-f]{32})$`)

// countPackages counts [[package]] headers textually, independently of the
// TOML parser.
func countPackages(data []byte) int { return len(packageHeader.FindAll(data, -1)) }

var packageHeader = regexp.MustCompile(`(?m)^\[\[package\]\]\s*$`)

func checkProject(t *testing.T, dir string, stale bool) *Lock {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "poetry.lock"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := Parse(data, "poetry.lock")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(l.Packages), countPackages(data); got != want {
		t.Errorf("parsed %d packages, file has %d [[package]] headers", got, want)
	}
	for i, p := range l.Packages {
		for _, f := range p.Files {
			// Mostly sha256; legacy mirrors (nonebot2's aliyun) gave md5.
			if f.Name == "" || !fileHash.MatchString(f.Hash) {
				t.Errorf("package[%d] %s: file %+v", i, p.Name, f)
			}
		}
		if l.Version == "2.1" && len(p.Groups) == 0 {
			t.Errorf("package[%d] %s: 2.1 lock without groups", i, p.Name)
		}
	}
	proj, err := pyproject.Load(filepath.Join(dir, "pyproject.toml"))
	if err != nil {
		t.Fatal(err)
	}
	err = CheckFresh(l, proj)
	var se *StaleError
	switch {
	case stale && !errors.As(err, &se):
		t.Errorf("listed as stale, but CheckFresh = %v", err)
	case !stale && err != nil:
		t.Errorf("CheckFresh: %v", err)
	}
	return l
}

func TestCorpus(t *testing.T) {
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skipf("corpus not present: %v", err)
	}
	dirs, err := filepath.Glob(filepath.Join(corpusDir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 50 {
		t.Fatalf("found only %d corpus entries", len(dirs))
	}
	total, fresh := 0, 0
	for _, dir := range dirs {
		name := filepath.Base(dir)
		_, stale := knownStale[name]
		t.Run(name, func(t *testing.T) {
			l := checkProject(t, dir, stale)
			total += len(l.Packages)
			if !stale {
				fresh++
			}
		})
	}
	t.Logf("%d projects, %d packages, %d with a reproduced content-hash", len(dirs), total, fresh)
}

// TestInvalidLocks checks that real broken locks fail at the line tomllib
// reports. Columns differ by convention for a redeclared table: tomllib
// points past the header name, go-toml at the start of the key; both are
// pinned.
func TestInvalidLocks(t *testing.T) {
	if _, err := os.Stat(invalidDir); err != nil {
		t.Skipf("corpus not present: %v", err)
	}
	ourColumn := map[string]int{
		"OpenInterpreter__open-interpreter@08ec1eca89": 1, // "<<<<<<< HEAD": same as tomllib
		"dlt-hub__dlt@03f8cf6d95":                      2, // "[extras]" declared twice: tomllib says 8
	}
	dirs, err := filepath.Glob(filepath.Join(invalidDir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) != len(ourColumn) {
		t.Fatalf("found %d invalid locks, the test knows %d", len(dirs), len(ourColumn))
	}
	pos := regexp.MustCompile(`\(at line (\d+), column (\d+)\)`)
	for _, dir := range dirs {
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(dir, "expected.json"))
			if err != nil {
				t.Fatal(err)
			}
			var expected struct {
				ParseError string `json:"parse_error"`
			}
			if err := json.Unmarshal(raw, &expected); err != nil {
				t.Fatal(err)
			}
			m := pos.FindStringSubmatch(expected.ParseError)
			if m == nil {
				t.Fatalf("no position in %q", expected.ParseError)
			}
			wantLine, _ := strconv.Atoi(m[1])
			_, err = Load(filepath.Join(dir, "poetry.lock"))
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Load error = %v, want *SyntaxError", err)
			}
			if se.Line != wantLine {
				t.Errorf("line %d, tomllib says %d (%s)", se.Line, wantLine, expected.ParseError)
			}
			if se.Column != ourColumn[name] {
				t.Errorf("column %d, want %d (tomllib: %s)", se.Column, ourColumn[name], m[2])
			}
		})
	}
}

// TestFixtures runs over the committed fixtures, which stand alone.
func TestFixtures(t *testing.T) {
	want := []struct {
		name     string
		version  string
		packages int
	}{
		{"ManimCommunity__manim", "1.0", 66},
		{"Ponte-Energy-Partners__peprock", "2.0", 26},
		{"Poogles__pytest-bq", "2.0", 40},
		{"PoolitInc__python-anvil", "1.1", 101},
		{"Popkornium18__mpdevil", "1.1", 22},
		{"commitizen-tools__commitizen", "2.1", 91},
		{"copier-org__copier", "2.0", 79},
		{"dry-python__returns", "2.1", 82},
		{"element-hq__synapse", "2.1", 135},
		{"kserve__kserve", "2.0", 98},
		{"langchain-ai__langgraph", "2.1", 162},
		{"nat-n__poethepoet", "1.1", 78},
		{"nonebot__nonebot2", "1.0", 89},
		{"nornir-automation__nornir", "2.1", 164},
		{"pinecone-io__pinecone-python-client", "2.1", 96},
		{"pwndbg__pwndbg", "2.0", 115},
		{"python-discord__bot", "1.1", 96},
		{"python-discord__site", "2.0", 53},
		{"python-pendulum__pendulum", "1.1", 59},
		{"python-poetry__poetry", "2.1", 78},
		{"spotDL__spotify-downloader", "2.0", 120},
		{"truera__trulens", "2.1", 44},
	}
	dirs, err := filepath.Glob(filepath.Join(fixturesDir, "*", "poetry.lock"))
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) != len(want) {
		t.Errorf("%d fixture directories, the test knows %d", len(dirs), len(want))
	}
	sourceTypes := map[string]int{}
	for _, w := range want {
		t.Run(w.name, func(t *testing.T) {
			_, stale := knownStale[w.name]
			l := checkProject(t, filepath.Join(fixturesDir, w.name), stale)
			if l.Version != w.version || len(l.Packages) != w.packages {
				t.Errorf("lock-version %s with %d packages, want %s with %d", l.Version, len(l.Packages), w.version, w.packages)
			}
			for _, p := range l.Packages {
				if p.Source != nil {
					sourceTypes[p.Source.Type]++
				}
			}
		})
	}
	for _, typ := range []string{"git", "directory", "url", "legacy"} {
		if sourceTypes[typ] == 0 {
			t.Errorf("no fixture package has a %s source", typ)
		}
	}
}
