package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const fixtures = "../../testdata/projects/"

func TestPlanJSON(t *testing.T) {
	code, out, errs := runCLI(t, nil, "plan", fixtures+"nat-n__poethepoet", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	want := `{
  "target": {
    "platform": "linux/amd64",
    "python": "3.11",
    "libc": "glibc-2.36"
  },
  "groups": [
    "main"
  ],
  "extras": [],
  "packages": [
    {
      "name": "pastel",
      "version": "0.2.1",
      "artifact": {
        "kind": "wheel",
        "filename": "pastel-0.2.1-py2.py3-none-any.whl",
        "sha256": "4349225fcdf6c2bb34d483e523475de5bb04a5c10ef711263452cb37d7dd4364"
      }
    },
    {
      "name": "tomli",
      "version": "2.0.1",
      "artifact": {
        "kind": "wheel",
        "filename": "tomli-2.0.1-py3-none-any.whl",
        "sha256": "939de3e7a6161af0c887ef91b7d41a53e7c5a1ca976325f429cb46ea9bc30ecc"
      }
    }
  ]
}
`
	if diff := cmp.Diff(want, out); diff != "" {
		t.Errorf("plan --json (-want +got):\n%s", diff)
	}
}

// TestPlanJSONDirectSources checks the shape for git and directory sources:
// filename and sha256 are null, url is present.
func TestPlanJSONDirectSources(t *testing.T) {
	code, out, errs := runCLI(t, nil, "plan", fixtures+"pwndbg__pwndbg", "--json", "--with", "dev", "--all-extras", "--platform", "linux/arm64", "--libc", "glibc-2.31")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	wantTarget := map[string]any{"platform": "linux/arm64", "python": "3.11", "libc": "glibc-2.31"}
	if diff := cmp.Diff(wantTarget, doc["target"]); diff != "" {
		t.Errorf("target (-want +got):\n%s", diff)
	}
	var git map[string]any
	names := []string{}
	for _, p := range doc["packages"].([]any) {
		pkg := p.(map[string]any)
		names = append(names, pkg["name"].(string))
		if len(pkg) != 3 {
			t.Errorf("package keys: %v", pkg)
		}
		if pkg["name"] == "pt" {
			git = pkg["artifact"].(map[string]any)
		}
	}
	want := map[string]any{"kind": "git", "filename": nil, "sha256": nil, "url": "git+https://github.com/martinradev/gdb-pt-dump@50227bda0b6332e94027f811a15879588de6d5cb"}
	if diff := cmp.Diff(want, git); diff != "" {
		t.Errorf("git artifact (-want +got):\n%s", diff)
	}
	if !sortedStrings(names) {
		t.Errorf("packages not sorted: %v", names)
	}
}

func sortedStrings(s []string) bool {
	for i := 1; i < len(s); i++ {
		if s[i-1] > s[i] {
			return false
		}
	}
	return len(s) > 0
}

func TestPlanTableAndExplain(t *testing.T) {
	code, out, _ := runCLI(t, nil, "plan", fixtures+"nat-n__poethepoet")
	want := "target: linux/amd64 python3.11 glibc-2.36   groups: main   extras: none\n" +
		"PACKAGE  VERSION  KIND   ARTIFACT\n" +
		"pastel   0.2.1    wheel  pastel-0.2.1-py2.py3-none-any.whl\n" +
		"tomli    2.0.1    wheel  tomli-2.0.1-py3-none-any.whl\n" +
		"2 packages\n"
	if code != 0 || out != want {
		t.Errorf("exit %d, table:\n%s\nwant:\n%s", code, out, want)
	}
	code, out, _ = runCLI(t, nil, "plan", fixtures+"nat-n__poethepoet", "--explain", "Tomli")
	want = "tomli 2.0.1 is in the plan, installed from wheel tomli-2.0.1-py3-none-any.whl\n" +
		"required by:\n  group main\n" +
		"files of tomli 2.0.1:\n" +
		" * tomli-2.0.1-py3-none-any.whl: fits as py3-none-any (rank 902 of 914, 0 is best)\n" +
		"   tomli-2.0.1.tar.gz: source distribution, not a wheel\n"
	if code != 0 || out != want {
		t.Errorf("exit %d, explain:\n%s\nwant:\n%s", code, out, want)
	}
}

func TestPlanErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, pyproject, lock string) string {
		d := filepath.Join(dir, name)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "pyproject.toml"), []byte(pyproject), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "poetry.lock"), []byte(lock), 0o644); err != nil {
			t.Fatal(err)
		}
		return d
	}
	goodPy := "[tool.poetry]\nname = \"x\"\nversion = \"1\"\n\n[tool.poetry.dependencies]\npython = \"^3.11\"\n"
	tests := []struct {
		name     string
		dir      string
		args     []string
		wantCode int
		want     string
	}{{
		name:     "malformed pyproject",
		dir:      write("badtoml", "[tool.poetry]\nname = \"x\"\nversion = \n", ""),
		wantCode: 1,
		want:     "pyproject.toml:3:",
	}, {
		name:     "unknown lock version",
		dir:      write("lockver", goodPy, "[metadata]\nlock-version = \"9.0\"\npython-versions = \"^3.11\"\ncontent-hash = \"x\"\n"),
		wantCode: 1,
		want:     `unsupported lock-version "9.0"`,
	}, {
		name:     "stale lock",
		dir:      fixtures + "Poogles__pytest-bq",
		wantCode: 1,
		want:     "hint: run \"poetry lock\"",
	}, {
		name:     "bad platform",
		dir:      fixtures + "nat-n__poethepoet",
		args:     []string{"--platform", "windows/amd64"},
		wantCode: 2,
		want:     `parsing platform "windows/amd64"`,
	}, {
		name:     "python outside the project's range",
		dir:      fixtures + "python-discord__bot",
		wantCode: 1,
		want:     "the project requires python 3.10.*, but the target has Python 3.11",
	}, {
		name:     "no such group",
		dir:      fixtures + "nat-n__poethepoet",
		args:     []string{"--with", "nope"},
		wantCode: 2,
		want:     `no dependency group "nope"`,
	}, {
		name:     "missing directory",
		dir:      filepath.Join(dir, "absent"),
		wantCode: 1,
		want:     "reading \"" + filepath.Join(dir, "absent", "pyproject.toml") + "\"",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runCLI(t, nil, append([]string{"plan", tt.dir}, tt.args...)...)
			if code != tt.wantCode {
				t.Errorf("exit %d, want %d; stderr %s", code, tt.wantCode, errs)
			}
			if out != "" {
				t.Errorf("stdout = %q", out)
			}
			if !strings.HasPrefix(errs, "error: ") || !strings.Contains(errs, tt.want) {
				t.Errorf("stderr = %q, want it to contain %q", errs, tt.want)
			}
		})
	}
}
