package lock

import (
	"errors"
	"testing"

	"github.com/canto-build/canto/pkg/pyproject"
)

// Both documents and their hashes per scheme are pinned in
// pkg/pyproject/contenthash_test.go (checked against a Python
// reimplementation of Poetry's Locker).
const (
	pep621Doc = `[project]
name = "demo"
requires-python = ">=3.9"
dependencies = ["requests>=2.31", "click"]

[project.optional-dependencies]
cli = ["rich>=13"]

[dependency-groups]
dev = ["pytest>=8", {include-group = "lint"}]
lint = ["ruff"]

[tool.poetry.dependencies]
requests = { source = "internal" }

[[tool.poetry.source]]
name = "internal"
url = "https://pypi.example/simple"
priority = "explicit"
`
	pep621Hash23 = "178186db93bf2c77a0c091d5a629ad7f7ad16e47b1efabb544b7f4dfc7fe960d"
	pep621Hash20 = "20676d8152ded4b16539623f349ea38a1bec47f0b7c4eee077e727c4a9444402"
	pep621Hash12 = "43dce7b6e8ea783bd5722cb45402d83bfcb0c8e74831f157efc4ab1a0fe4c1e1"

	groupsDoc = `[tool.poetry.dependencies]
python = "^3.9"
requests = "^2.31"

[tool.poetry.group.test.dependencies]
pytest = "^8"
`
)

func TestCheckFresh(t *testing.T) {
	groups, err := pyproject.Parse([]byte(groupsDoc), "pyproject.toml")
	if err != nil {
		t.Fatal(err)
	}
	groupsHash12 := groups.ContentHashFor(pyproject.HashPoetry12)
	groupsHash10 := groups.ContentHashFor(pyproject.HashPoetry10)
	if groupsHash10 == groupsHash12 {
		t.Fatal("test document does not tell the 1.0 and 1.2 schemes apart")
	}
	tests := []struct {
		name      string
		doc       string
		hash      string
		version   string
		generator string
		fresh     bool
	}{
		{"current scheme by Poetry 2.4", pep621Doc, pep621Hash23, "2.1", "2.4.1", true},
		{"Poetry 2.2 ignores dependency-groups", pep621Doc, pep621Hash20, "2.1", "2.2.1", true},
		{"Poetry 2.3 needs dependency-groups", pep621Doc, pep621Hash20, "2.1", "2.3.0", false},
		{"Poetry 1.8 ignores [project]", pep621Doc, pep621Hash12, "2.0", "1.8.3", true},
		{"Poetry 2.1 includes [project]", pep621Doc, pep621Hash12, "2.1", "2.1.0", false},
		{"headerless 2.0 lock: Poetry 1.3-1.8", pep621Doc, pep621Hash12, "2.0", "", true},
		{"headerless 2.1 lock: Poetry 2", pep621Doc, pep621Hash12, "2.1", "", false},
		{"headerless 2.1 lock, pre-2.3 scheme", pep621Doc, pep621Hash20, "2.1", "", true},
		{"Poetry 1.1 ignores groups", groupsDoc, groupsHash10, "1.1", "", true},
		{"Poetry 1.2 hashes groups", groupsDoc, groupsHash12, "1.1", "", true},
		{"Poetry 1.8 hashes groups", groupsDoc, groupsHash10, "2.0", "1.8.3", false},
		{"Poetry 1.0 header", groupsDoc, groupsHash10, "1.0", "1.0.10", true},
		{"missing content-hash", groupsDoc, "", "2.1", "2.1.0", false},
		{"other hash", groupsDoc, "0000", "2.1", "2.1.0", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := pyproject.Parse([]byte(tt.doc), "pyproject.toml")
			if err != nil {
				t.Fatal(err)
			}
			l := &Lock{File: "poetry.lock", Version: tt.version, ContentHash: tt.hash, GeneratedBy: tt.generator}
			err = CheckFresh(l, p)
			var stale *StaleError
			if tt.fresh && err != nil {
				t.Errorf("CheckFresh = %v, want fresh", err)
			}
			if !tt.fresh && !errors.As(err, &stale) {
				t.Errorf("CheckFresh = %v, want *StaleError", err)
			}
		})
	}
}

func TestStaleErrorText(t *testing.T) {
	p, err := pyproject.Parse([]byte(pep621Doc), "pyproject.toml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		lock *Lock
		want string
	}{
		{"poetry 1.8", &Lock{File: "poetry.lock", Version: "2.0", GeneratedBy: "1.8.3", ContentHash: "ffffffffffffffffff"},
			"poetry.lock: lock file is stale: its content-hash ffffffffffff does not match pyproject.toml (43dce7b6e8ea)\n" +
				`hint: run "poetry lock" (Poetry 1.x: "poetry lock --no-update") and commit the result`},
		{"no hash", &Lock{File: "poetry.lock", Version: "2.1", GeneratedBy: "2.4.1"},
			`poetry.lock: lock file is stale: its content-hash "" does not match pyproject.toml (178186db93bf)` + "\n" +
				`hint: run "poetry lock" (Poetry 1.x: "poetry lock --no-update") and commit the result`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckFresh(tt.lock, p)
			if err == nil {
				t.Fatal("CheckFresh = nil, want stale")
			}
			if err.Error() != tt.want {
				t.Errorf("error =\n%s\nwant\n%s", err, tt.want)
			}
		})
	}
}

func TestMajorMinor(t *testing.T) {
	tests := []struct {
		in           string
		major, minor int
		ok           bool
	}{
		{"1.8.3", 1, 8, true},
		{"2.0.0b1", 2, 0, true},
		{"2.10", 2, 10, true},
		{"2", 0, 0, false},
		{"", 0, 0, false},
		{"x.1", 0, 0, false},
	}
	for _, tt := range tests {
		ma, mi, ok := majorMinor(tt.in)
		if ma != tt.major || mi != tt.minor || ok != tt.ok {
			t.Errorf("majorMinor(%q) = %d, %d, %v; want %d, %d, %v", tt.in, ma, mi, ok, tt.major, tt.minor, tt.ok)
		}
	}
}
