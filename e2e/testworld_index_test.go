//go:build e2e

package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The Python package index and the example projects of the test world
// (testworld/parts/20-index.sh and 40-examples.sh).

const pyidxUpHint = "hint: start the test world with `bash testworld/up.sh 20-index 40-examples`"

// pyidxEnv reads the index's variables from $CANTO_TESTWORLD/env and checks
// that the open index answers; the test fails (never skips) otherwise.
func pyidxEnv(t *testing.T) map[string]string {
	t.Helper()
	env := baseimgEnv(t)
	for _, k := range []string{"CANTO_TW_INDEX_URL", "CANTO_TW_AUTH_INDEX_URL", "CANTO_TW_AUTH_USER", "CANTO_TW_AUTH_PASSWORD", "CANTO_TW_PIP_CONF"} {
		if env[k] == "" {
			t.Fatalf("the test world's index is not up: %s is not recorded in $CANTO_TESTWORLD/env\n%s", k, pyidxUpHint)
		}
	}
	resp, err := http.Get(env["CANTO_TW_INDEX_URL"])
	if err != nil {
		t.Fatalf("the test world's index does not answer: %v\n%s", err, pyidxUpHint)
	}
	resp.Body.Close()
	return env
}

type pyidxResponse struct {
	status      int
	contentType string
	body        []byte
}

func pyidxGet(t *testing.T, rawURL, accept, user, password string) pyidxResponse {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if user != "" {
		req.SetBasicAuth(user, password)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", rawURL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", rawURL, err)
	}
	return pyidxResponse{resp.StatusCode, resp.Header.Get("Content-Type"), body}
}

// pyidxJSONProject is a PEP 691 project page.
type pyidxJSONProject struct {
	Meta struct {
		APIVersion string `json:"api-version"`
	} `json:"meta"`
	Name  string `json:"name"`
	Files []struct {
		Filename       string            `json:"filename"`
		URL            string            `json:"url"`
		Hashes         map[string]string `json:"hashes"`
		RequiresPython string            `json:"requires-python"`
	} `json:"files"`
}

func TestTestworldIndexAPI(t *testing.T) {
	env := pyidxEnv(t)
	open, auth := env["CANTO_TW_INDEX_URL"], env["CANTO_TW_AUTH_INDEX_URL"]
	user, pass := env["CANTO_TW_AUTH_USER"], env["CANTO_TW_AUTH_PASSWORD"]

	t.Run("json", func(t *testing.T) {
		r := pyidxGet(t, open+"markupsafe/", "application/vnd.pypi.simple.v1+json", "", "")
		if r.status != 200 || r.contentType != "application/vnd.pypi.simple.v1+json" {
			t.Fatalf("GET markupsafe/ as JSON: %d %q", r.status, r.contentType)
		}
		var p pyidxJSONProject
		if err := json.Unmarshal(r.body, &p); err != nil {
			t.Fatalf("project JSON: %v\n%s", err, r.body)
		}
		got := map[string]string{}
		for _, f := range p.Files {
			got[f.Filename] = f.RequiresPython
			if len(f.Hashes["sha256"]) != 64 {
				t.Errorf("%s: sha256 %q", f.Filename, f.Hashes["sha256"])
			}
		}
		want := map[string]string{"MarkupSafe-2.1.2-cp311-cp311-linux_x86_64.whl": ">=3.7", "MarkupSafe-2.1.2.tar.gz": ">=3.7"}
		if p.Meta.APIVersion != "1.0" || p.Name != "markupsafe" || len(got) != 2 || got["MarkupSafe-2.1.2.tar.gz"] != want["MarkupSafe-2.1.2.tar.gz"] ||
			got["MarkupSafe-2.1.2-cp311-cp311-linux_x86_64.whl"] != want["MarkupSafe-2.1.2-cp311-cp311-linux_x86_64.whl"] {
			t.Errorf("markupsafe JSON = %+v, want files %v", p, want)
		}
		// The listed hash is the hash of the served bytes.
		base, err := url.Parse(open)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range p.Files {
			u, err := base.Parse(f.URL)
			if err != nil {
				t.Fatal(err)
			}
			d := pyidxGet(t, u.String(), "", "", "")
			sum := sha256.Sum256(d.body)
			if d.status != 200 || hex.EncodeToString(sum[:]) != f.Hashes["sha256"] {
				t.Errorf("GET %s: %d, sha256 %x, listed %s", u, d.status, sum, f.Hashes["sha256"])
			}
		}
	})

	t.Run("html", func(t *testing.T) {
		r := pyidxGet(t, open+"poetry-core/", "text/html", "", "")
		if r.status != 200 || !strings.HasPrefix(r.contentType, "text/html") {
			t.Fatalf("GET poetry-core/ as HTML: %d %q", r.status, r.contentType)
		}
		for _, want := range []string{`<meta name="pypi:repository-version" content="1.0">`, `#sha256=`, `data-requires-python="&gt;=3.7,&lt;4.0"`, `>poetry_core-1.4.0-py3-none-any.whl</a>`} {
			if !strings.Contains(string(r.body), want) {
				t.Errorf("poetry-core HTML lacks %q:\n%s", want, r.body)
			}
		}
		root := pyidxGet(t, open, "", "", "")
		for _, want := range []string{`href="/simple/flask/"`, `href="/simple/uwsgi/"`, `href="/simple/canto-testpkg/"`, `href="/simple/poetry/"`} {
			if !strings.Contains(string(root.body), want) {
				t.Errorf("root page lacks %q", want)
			}
		}
	})

	t.Run("redirect", func(t *testing.T) {
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := client.Get(open + "Jinja2/")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/simple/jinja2/" {
			t.Errorf("GET Jinja2/ = %d %q, want 301 /simple/jinja2/", resp.StatusCode, resp.Header.Get("Location"))
		}
	})

	t.Run("auth", func(t *testing.T) {
		if r := pyidxGet(t, auth+"six/", "", "", ""); r.status != http.StatusUnauthorized {
			t.Errorf("auth index without credentials: %d, want 401", r.status)
		}
		if r := pyidxGet(t, auth+"six/", "", user, "wrong"); r.status != http.StatusUnauthorized {
			t.Errorf("auth index with a wrong password: %d, want 401", r.status)
		}
		if r := pyidxGet(t, auth+"six/", "", user, pass); r.status != 200 || !strings.Contains(string(r.body), "six-1.16.0-py3-none-any.whl") {
			t.Errorf("auth index with credentials: %d\n%s", r.status, r.body)
		}
	})
}

// pyidxVenv makes a fresh venv with Debian's python3.11.
func pyidxVenv(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		t.Fatalf("Debian's /usr/bin/python3 is missing: %v\n%s", err, pyidxUpHint)
	}
	venv := filepath.Join(t.TempDir(), "venv")
	if out, err := exec.Command("/usr/bin/python3", "-m", "venv", venv).CombinedOutput(); err != nil {
		t.Fatalf("python3 -m venv: %v\n%s", err, out)
	}
	return venv
}

// pyidxRun runs a command with pip isolated from the user's configuration.
func pyidxRun(t *testing.T, timeout time.Duration, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	// Only the index may supply packages: drop inherited PIP_* settings
	// (a machine's PIP_FIND_LINKS would offer wheels of its own).
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PIP_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "PIP_CONFIG_FILE=/dev/null", "PIP_NO_CACHE_DIR=1",
		"PIP_DISABLE_PIP_VERSION_CHECK=1", "PIP_NO_INPUT=1", "PYTHONDONTWRITEBYTECODE=1")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestTestworldIndexPipInstall: pip installs a compiled wheel (MarkupSafe)
// and builds an sdist (canto-testpkg, in an isolated build that fetches
// setuptools and wheel from the same index) from both indexes.
func TestTestworldIndexPipInstall(t *testing.T) {
	env := pyidxEnv(t)
	authURL, err := url.Parse(env["CANTO_TW_AUTH_INDEX_URL"])
	if err != nil {
		t.Fatal(err)
	}
	authURL.User = url.UserPassword(env["CANTO_TW_AUTH_USER"], env["CANTO_TW_AUTH_PASSWORD"])
	for name, index := range map[string]string{"open": env["CANTO_TW_INDEX_URL"], "auth": authURL.String()} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			venv := pyidxVenv(t)
			out, err := pyidxRun(t, 3*time.Minute, filepath.Join(venv, "bin", "pip"), "install", "--index-url", index,
				"--only-binary", "markupsafe", "--no-binary", "canto-testpkg", "MarkupSafe==2.1.2", "canto-testpkg==1.1.0")
			if err != nil {
				t.Fatalf("pip install: %v\n%s", err, out)
			}
			if !strings.Contains(out, "Building wheel for canto-testpkg") {
				t.Errorf("canto-testpkg was not built from its sdist:\n%s", out)
			}
			out, err = pyidxRun(t, time.Minute, filepath.Join(venv, "bin", "python"), "-c",
				"import markupsafe, canto_testpkg, typing_extensions; "+
					"print(markupsafe.escape('<x>'), markupsafe._speedups.__file__.endswith('.so'), canto_testpkg.greet('e2e', 'loud'))")
			if err != nil {
				t.Fatalf("import: %v\n%s", err, out)
			}
			if got, want := strings.TrimSpace(out), "&lt;x&gt; True HELLO, E2E"; got != want {
				t.Errorf("installed packages say %q, want %q", got, want)
			}
		})
	}
	t.Run("auth without credentials", func(t *testing.T) {
		t.Parallel()
		venv := pyidxVenv(t)
		// -vvv: pip reports the 401 only at debug level.
		out, err := pyidxRun(t, time.Minute, filepath.Join(venv, "bin", "pip"), "install", "-vvv", "--index-url", env["CANTO_TW_AUTH_INDEX_URL"], "canto-testpkg")
		if err == nil {
			t.Fatalf("pip install without credentials succeeded:\n%s", out)
		}
		if !strings.Contains(out, "401 Client Error: Unauthorized") || !strings.Contains(out, "No matching distribution found for canto-testpkg") {
			t.Errorf("pip's output does not show the 401:\n%s", out)
		}
	})
}

// TestTestworldIndexPoetry: Poetry 1.3.2 and its whole dependency closure
// install from the index into a fresh venv, and run.
func TestTestworldIndexPoetry(t *testing.T) {
	env := pyidxEnv(t)
	venv := pyidxVenv(t)
	start := time.Now()
	out, err := pyidxRun(t, 5*time.Minute, filepath.Join(venv, "bin", "pip"), "install", "--index-url", env["CANTO_TW_INDEX_URL"], "poetry==1.3.2")
	if err != nil {
		t.Fatalf("pip install poetry==1.3.2: %v\n%s", err, out)
	}
	t.Logf("pip install poetry==1.3.2 took %s", time.Since(start).Round(time.Second))
	if out, err := pyidxRun(t, time.Minute, filepath.Join(venv, "bin", "pip"), "check"); err != nil {
		t.Errorf("pip check: %v\n%s", err, out)
	}
	out, err = pyidxRun(t, time.Minute, filepath.Join(venv, "bin", "poetry"), "--version")
	if err != nil || !strings.Contains(out, "1.3.2") {
		t.Errorf("poetry --version: %v\n%s", err, out)
	}
}

// TestTestworldExamplesChecked: part 40 has checked, locked and installed
// every example project (its stamps and logs exist).
func TestTestworldExamplesChecked(t *testing.T) {
	pyidxEnv(t)
	tw := os.Getenv("CANTO_TESTWORLD")
	if tw == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			t.Fatal(err)
		}
		tw = filepath.Join(home, ".cache", "canto-testworld")
	}
	for _, name := range []string{"flask-uwsgi", "cli-tool", "gunicorn-web", "markers-groups"} {
		t.Run(name, func(t *testing.T) {
			if _, err := os.Stat(filepath.Join("..", "examples", name, "poetry.lock")); err != nil {
				t.Fatalf("example lock: %v", err)
			}
			stamp, err := os.ReadFile(filepath.Join(tw, "examples", name+".stamp"))
			if err != nil || len(strings.TrimSpace(string(stamp))) != 32 {
				t.Fatalf("example %s was not checked by part 40 (stamp: %v)\n%s", name, err, pyidxUpHint)
			}
			log, err := os.ReadFile(filepath.Join(tw, "logs", "example-"+name+".log"))
			if err != nil {
				t.Fatalf("example %s log: %v", name, err)
			}
			for _, want := range []string{"poetry.lock is consistent with pyproject.toml.", "Installing the current project"} {
				if !strings.Contains(string(log), want) {
					t.Errorf("example %s log lacks %q", name, want)
				}
			}
		})
	}
}
