package dockerfile

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/canto-build/canto/pkg/pyproject"
	"github.com/google/go-cmp/cmp"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

const uwsgiApp = "testdata/projects/uwsgi-app"

// withPython returns a copy of p with another python constraint.
func withPython(p *pyproject.Project, c string) *pyproject.Project {
	q := *p
	q.PythonConstraint = c
	return &q
}

func TestChoosePython(t *testing.T) {
	p, _ := load(t, uwsgiApp)
	tests := []struct {
		constraint, explicit, want, wantErr string
	}{
		{constraint: "^3.10", want: "3.11"},
		{constraint: "^3.11", want: "3.11"},
		{constraint: ">=3.8,<4.0", want: "3.11"},
		{constraint: "", want: "3.11"},
		{constraint: "*", want: "3.11"},
		{constraint: "^3.12", want: "3.12"},
		{constraint: ">=3.13", want: "3.13"},
		{constraint: ">=3.6,<3.10", want: "3.9"},
		{constraint: "~3.8", want: "3.8"},
		{constraint: ">=3.11.4,<3.12", want: "3.11"},
		{constraint: "^3.10", explicit: "3.12", want: "3.12"},
		{constraint: "^2.7", wantErr: "the python constraint \"^2.7\" of testdata/projects/uwsgi-app/pyproject.toml allows no CPython from 3.8 to 3.14\nhint: choose the version with --python"},
	}
	for _, tt := range tests {
		t.Run(tt.constraint+"/"+tt.explicit, func(t *testing.T) {
			got, err := choosePython(withPython(p, tt.constraint), tt.explicit)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("choosePython = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestIsPythonImage(t *testing.T) {
	for ref, want := range map[string]bool{
		"python:3.11-slim-bookworm":                        true,
		"python":                                           true,
		"docker.io/library/python:3.12":                    true,
		"python@sha256:0123":                               true,
		"canto-testworld/slim":                             false,
		"debian:bookworm-slim":                             false,
		"ghcr.io/acme/python:3.11":                         false,
		"127.0.0.1:5000/canto/base:slim":                   false,
		"pythonista:1":                                     false,
		"index.docker.io/library/python:3.11-bookworm":     true,
		"registry.example/library/python:3.11-bookworm":    false,
		"docker.io/library/python-fork:3.11-slim-bookworm": false,
	} {
		if got := isPythonImage(ref); got != want {
			t.Errorf("isPythonImage(%q) = %v, want %v", ref, got, want)
		}
	}
}

// generate runs Generate for the uwsgi-app project with opts applied.
func generate(t *testing.T, opts func(*Options)) (*Result, error) {
	t.Helper()
	p, l := load(t, uwsgiApp)
	o := Options{Strategy: Recommended, Project: p, Lock: l}
	if opts != nil {
		opts(&o)
	}
	return Generate(o)
}

func mustGenerate(t *testing.T, opts func(*Options)) string {
	t.Helper()
	res, err := generate(t, opts)
	if err != nil {
		t.Fatal(err)
	}
	return string(res.Dockerfile)
}

func TestTailoring(t *testing.T) {
	tests := []struct {
		name          string
		opts          func(*Options)
		want, wantNot []string
	}{
		{
			name: "official image: no python3-dev, no libpython",
			want: []string{
				"FROM python:3.11-slim-bookworm AS builder",
				"apt-get install --yes --no-install-recommends gcc libc6-dev libpcre3-dev libpq-dev \\\n",
				"apt-get install --yes --no-install-recommends libpcre3 libpq5 \\\n",
				"/opt/poetry/bin/pip install poetry==1.3.2",
				"poetry install --only main --no-root\n",
				`CMD ["uwsgi-app"]`,
			},
			wantNot: []string{"python3-dev", "libpython", "--no-directory", "pip.conf", "\nARG "},
		},
		{
			name: "Debian's python: headers and libpython",
			opts: func(o *Options) { o.Base = "canto-testworld/slim" },
			want: []string{
				"FROM canto-testworld/slim AS builder",
				"FROM canto-testworld/slim AS runtime",
				"gcc libc6-dev libpcre3-dev libpq-dev python3-dev \\\n",
				"libpcre3 libpq5 libpython3.11 \\\n",
			},
		},
		{
			name: "builder base apart",
			opts: func(o *Options) { o.Base = "canto-testworld/slim"; o.BuilderBase = "canto-testworld/full" },
			want: []string{"FROM canto-testworld/full AS builder", "FROM canto-testworld/slim AS runtime", "libpython3.11"},
		},
		{
			name:    "explicit interpreter wins over the image name",
			opts:    func(o *Options) { o.Base = "registry.example/python311"; o.Interpreter = Official },
			wantNot: []string{"python3-dev", "libpython"},
		},
		{
			name:    "python from the option",
			opts:    func(o *Options) { o.Python = "3.12" },
			want:    []string{"FROM python:3.12-slim-bookworm AS builder", "Target: linux/amd64 python3.12 glibc-2.36"},
			wantNot: []string{"3.11"},
		},
		{
			name: "Poetry 1.8 adds --no-directory",
			opts: func(o *Options) { o.PoetryVersion = "1.8.0" },
			want: []string{"poetry==1.8.0", "poetry install --only main --no-root --no-directory\n"},
		},
		{
			name: "Poetry 2 too",
			opts: func(o *Options) { o.PoetryVersion = "2.1.3" },
			want: []string{"poetry==2.1.3", "--no-directory"},
		},
		{
			name:    "Poetry 1.7 does not",
			opts:    func(o *Options) { o.PoetryVersion = "1.7.1" },
			wantNot: []string{"--no-directory"},
		},
		{
			name: "loopback index",
			opts: func(o *Options) { o.IndexURL = "http://127.0.0.1:3141/simple/" },
			want: []string{`RUN printf '[global]\nindex-url = http://127.0.0.1:3141/simple/\n' > /etc/pip.conf`},
		},
		{
			name: "plain http index elsewhere is trusted explicitly",
			opts: func(o *Options) { o.IndexURL = "http://pypi.internal:8080/simple/" },
			want: []string{`index-url = http://pypi.internal:8080/simple/\ntrusted-host = pypi.internal\n' > /etc/pip.conf`},
		},
		{
			name: "secrets for the private source",
			want: []string{
				"--mount=type=secret,id=acme-username",
				`if [ -f /run/secrets/acme-password ]; then export POETRY_HTTP_BASIC_ACME_PASSWORD="$(cat /run/secrets/acme-password)"; fi`,
				"--secret id=acme-username,src=FILE --secret id=acme-password,src=FILE",
			},
		},
		{
			name: "extra packages",
			opts: func(o *Options) {
				o.BuildPackages = []string{"libssl-dev"}
				o.RuntimePackages = []string{"curl", "libpq5"}
			},
			want: []string{"gcc libc6-dev libpcre3-dev libpq-dev libssl-dev \\\n", "curl libpcre3 libpq5 \\\n"},
		},
		{
			name: "cmd with quotes and shell syntax",
			opts: func(o *Options) { o.Cmd = []string{"sh", "-c", `echo "a<b" && exec uwsgi`} },
			want: []string{`CMD ["sh", "-c", "echo \"a<b\" && exec uwsgi"]`},
		},
		{
			name: "full defaults to the full image",
			opts: func(o *Options) { o.Strategy = Full },
			want: []string{"FROM python:3.11-bookworm\n"},
			// The full image has a compiler: no apt step.
			wantNot: []string{"apt-get"},
		},
		{
			name: "development target installs the non-optional groups",
			opts: func(o *Options) { o.Strategy = Multistage },
			want: []string{"poetry install --only main,dev --no-root", "FROM base AS production"},
		},
		{
			name:    "development groups chosen",
			opts:    func(o *Options) { o.Strategy = Multistage; o.DevGroups = []string{"docs"} },
			want:    []string{"poetry install --only main,docs --no-root"},
			wantNot: []string{"main,dev"},
		},
		{
			name: "buildkit mounts the caches",
			opts: func(o *Options) { o.Strategy = BuildKit },
			want: []string{"--mount=type=cache,target=/root/.cache/pypoetry", "--mount=type=cache,target=/root/.cache/pip"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			df := mustGenerate(t, tt.opts)
			if len(tt.want)+len(tt.wantNot) == 0 {
				t.Fatal("the case checks nothing")
			}
			for _, w := range tt.want {
				if !strings.Contains(df, w) {
					t.Errorf("the Dockerfile lacks %q:\n%s", w, df)
				}
			}
			for _, w := range tt.wantNot {
				if strings.Contains(df, w) {
					t.Errorf("the Dockerfile has %q:\n%s", w, df)
				}
			}
			parse(t, []byte(df))
		})
	}
}

func TestPackageModeFalse(t *testing.T) {
	df := mustGenerate(t, func(o *Options) {
		p := *o.Project
		p.PackageMode = false
		o.Project = &p
		o.Cmd = []string{"python3", "-m", "uwsgi_app"}
	})
	for _, w := range []string{"FROM builder AS wheels", "poetry build", "pip install --no-deps"} {
		if strings.Contains(df, w) {
			t.Errorf("a non-package project builds no wheel, but the Dockerfile has %q", w)
		}
	}
	if !strings.Contains(df, "COPY . .\nUSER 10001:10001\n") {
		t.Errorf("the code is not copied last:\n%s", df)
	}
}

func TestNotes(t *testing.T) {
	res, err := generate(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"compiled from source, as no wheel fits linux/amd64 python3.11 glibc-2.36: psycopg2 2.9.5, uwsgi 2.0.21"}
	if diff := cmp.Diff(want, res.Notes); diff != "" {
		t.Errorf("notes (-want +got):\n%s", diff)
	}
}

func TestErrors(t *testing.T) {
	scripts := func(names ...string) func(*Options) {
		return func(o *Options) {
			p := *o.Project
			p.Scripts = map[string]pyproject.Script{}
			for _, n := range names {
				p.Scripts[n] = pyproject.Script{Reference: n + ":main", Type: "console"}
			}
			o.Project = &p
		}
	}
	tests := []struct {
		name string
		opts func(*Options)
		want string
	}{
		{"unknown strategy", func(o *Options) { o.Strategy = "fat" }, "unknown strategy \"fat\"\nhint: choose one of full, slim, layered, multistage, buildkit, recommended"},
		{"no project", func(o *Options) { o.Project = nil }, "generating a Dockerfile: Options.Project and Options.Lock are required"},
		{"no lock", func(o *Options) { o.Lock = nil }, "generating a Dockerfile: Options.Project and Options.Lock are required"},
		{"old Poetry", func(o *Options) { o.PoetryVersion = "1.1.15" }, "poetry 1.1.15 has no dependency groups (--only)\nhint: pin Poetry 1.2 or later"},
		{"bad Poetry version", func(o *Options) { o.PoetryVersion = "latest" }, `parsing Poetry version "latest": `},
		{"no script", scripts(), "the project installs no console script to run\nhint: give the container's command, e.g. --cmd 'gunicorn app:app'"},
		{"two scripts", scripts("serve", "migrate"), "the project has 2 console scripts (migrate, serve) and the container runs one\nhint: choose with --cmd, e.g. --cmd migrate"},
		{"index URL", func(o *Options) { o.IndexURL = "ftp://mirror/simple" }, "index URL \"ftp://mirror/simple\" is not an http(s) URL\nhint: pass the simple index, e.g. http://127.0.0.1:8080/simple/"},
		{"index URL quoting", func(o *Options) { o.IndexURL = "http://x/simple/'; rm -rf /'" }, `index URL "http://x/simple/'; rm -rf /'" has characters a Dockerfile cannot carry unquoted`},
		{"base with a space", func(o *Options) { o.Base = "python:3.11 AS x" }, `image name "python:3.11 AS x" has characters a Dockerfile cannot carry unquoted`},
		{"interpreter", func(o *Options) { o.Interpreter = "pypy" }, "unknown interpreter kind \"pypy\"\nhint: use \"official\" or \"debian\""},
		{"package name", func(o *Options) { o.BuildPackages = []string{"gcc; curl evil"} }, `the Debian package name "gcc; curl evil" has characters a Dockerfile cannot carry unquoted`},
		{"python outside the constraint", func(o *Options) { o.Python = "3.9" }, "planning the main group for linux/amd64 python3.9 glibc-2.36: "},
		{"bad platform", func(o *Options) { o.Platform = "windows/amd64" }, "parsing platform \"windows/amd64\": canto builds Linux images, not \"windows\"\nhint: use linux/amd64"},
		{"unknown dev group", func(o *Options) { o.DevGroups = []string{"lint"} }, "testdata/projects/uwsgi-app/pyproject.toml: no dependency group \"lint\" (groups: main, dev, docs)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := generate(t, tt.opts)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error = %q, want it to start with %q", err, tt.want)
			}
		})
	}
}

func TestParseStrategy(t *testing.T) {
	for _, s := range Strategies {
		got, err := ParseStrategy(string(s))
		if err != nil || got != s {
			t.Errorf("ParseStrategy(%q) = %q, %v", s, got, err)
		}
	}
	if _, err := ParseStrategy("Slim"); err == nil {
		t.Error("strategy names are case-sensitive")
	}
}

func TestNativePackages(t *testing.T) {
	tests := []struct {
		name   string
		interp Interpreter
		want   Native
		ok     bool
	}{
		{"uWSGI", Official, Native{Build: []string{"libpcre3-dev"}, Runtime: []string{"libpcre3"}}, true},
		{"uwsgi", Debian, Native{Build: []string{"libpcre3-dev"}, Runtime: []string{"libpcre3", "libpython3.11"}}, true},
		{"psycopg2", Debian, Native{Build: []string{"libpq-dev"}, Runtime: []string{"libpq5"}}, true},
		{"Pillow", Official, Native{Build: []string{"libjpeg-dev", "zlib1g-dev"}, Runtime: []string{"libjpeg62-turbo", "zlib1g"}}, true},
		{"unknown-thing", Official, Native{Build: []string{}, Runtime: []string{}}, false},
	}
	for _, tt := range tests {
		got, ok := NativePackages(tt.name, tt.interp, "3.11")
		if ok != tt.ok {
			t.Errorf("NativePackages(%q) ok = %v", tt.name, ok)
		}
		if diff := cmp.Diff(tt.want, got, cmpEmpty); diff != "" {
			t.Errorf("NativePackages(%q) (-want +got):\n%s", tt.name, diff)
		}
	}
	// The table is not shared with callers.
	n, _ := NativePackages("uwsgi", Official, "3.11")
	n.Build[0] = "changed"
	if again, _ := NativePackages("uwsgi", Official, "3.11"); again.Build[0] != "libpcre3-dev" {
		t.Error("NativePackages returned the table's own slice")
	}
}

var cmpEmpty = cmp.Comparer(func(a, b []string) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return cmp.Equal(a, b)
})

// TestLintCatches makes sure the lint helper does report findings, so that
// TestLint's silence means something.
func TestLintCatches(t *testing.T) {
	bad := "FROM python:3.11 AS Build\nARG PASSWORD\nENV API_TOKEN=x\nWORKDIR app\nCMD python3 -m app\n"
	got := lint(t, []byte(bad))
	var rules []string
	for _, f := range got {
		_, rest, _ := strings.Cut(f, ": ")
		rule, _, _ := strings.Cut(rest, ":")
		rules = append(rules, rule)
	}
	want := []string{"StageNameCasing", "SecretsUsedInArgOrEnv", "SecretsUsedInArgOrEnv", "WorkdirRelativePath", "JSONArgsRecommended"}
	if diff := cmp.Diff(want, rules); diff != "" {
		t.Errorf("lint findings (-want +got):\n%s\n%v", diff, got)
	}
}

func FuzzCmd(f *testing.F) {
	for _, s := range []string{"uwsgi --ini uwsgi.ini", `sh -c "echo $HOME"`, "a\\ b", "\"", "é ✓", "x\ny", "${X}", "[\"a\"]", "\\", "\x00"} {
		f.Add(s)
	}
	p, l := load(f, uwsgiApp)
	f.Fuzz(func(t *testing.T, s string) {
		args := strings.Fields(s)
		if len(args) == 0 {
			return
		}
		res, err := Generate(Options{Strategy: Recommended, Project: p, Lock: l, Cmd: args})
		if !utf8.ValidString(s) {
			if err == nil {
				t.Fatalf("no error for the invalid UTF-8 in %q", args)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		stages := parse(t, res.Dockerfile)
		last := stages[len(stages)-1].Commands
		cmd, ok := last[len(last)-1].(*instructions.CmdCommand)
		if !ok {
			t.Fatalf("the last instruction is %T", last[len(last)-1])
		}
		if !cmd.PrependShell {
			if diff := cmp.Diff(args, cmd.CmdLine); diff != "" {
				t.Errorf("CMD does not round-trip (-want +got):\n%s", diff)
			}
		} else {
			t.Errorf("CMD %q was read in shell form", args)
		}
	})
}
