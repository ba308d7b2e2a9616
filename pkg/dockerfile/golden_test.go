package dockerfile

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// project is one project the golden tests generate Dockerfiles for.
type project struct {
	name, dir string
	// cmd is given when the project has no single console script.
	cmd []string
	// example marks the repository's examples, which the test world builds.
	example bool
}

var projects = []project{
	{name: "uwsgi-app", dir: "testdata/projects/uwsgi-app"},
	{name: "flask-uwsgi", dir: "../../examples/flask-uwsgi", cmd: []string{"uwsgi", "--ini", "uwsgi.ini"}, example: true},
	{name: "cli-tool", dir: "../../examples/cli-tool", cmd: []string{"cli-tool"}, example: true},
	{name: "gunicorn-web", dir: "../../examples/gunicorn-web", example: true},
	{name: "markers-groups", dir: "../../examples/markers-groups", cmd: []string{"python3", "-m", "markers_groups"}, example: true},
}

// variant is a set of options the golden tests apply on top of a project.
type variant struct {
	name     string
	examples bool // only for the examples
	opts     func(Strategy, *Options)
}

var variants = []variant{
	{name: "", opts: func(Strategy, *Options) {}},
	{name: "testworld", examples: true, opts: func(s Strategy, o *Options) {
		o.Base = "canto-testworld/slim"
		if s == Full {
			o.Base = "canto-testworld/full"
		}
		o.IndexURL = "http://127.0.0.1:3141/simple/"
	}},
	{name: "poetry-1.8", examples: true, opts: func(_ Strategy, o *Options) { o.PoetryVersion = "1.8.5" }},
}

// goldenCase is one generated Dockerfile of the golden set.
type goldenCase struct {
	name     string // "flask-uwsgi/testworld/recommended"
	project  project
	strategy Strategy
	opts     Options
}

func goldenCases(t *testing.T) []goldenCase {
	t.Helper()
	var cases []goldenCase
	for _, p := range projects {
		if _, err := os.Stat(filepath.Join(p.dir, "poetry.lock")); err != nil {
			if p.example {
				t.Logf("skipping %s: %v", p.name, err)
				continue
			}
			t.Fatal(err)
		}
		proj, lk := load(t, p.dir)
		for _, v := range variants {
			if v.examples && !p.example {
				continue
			}
			for _, s := range Strategies {
				o := Options{Strategy: s, Project: proj, Lock: lk, Cmd: p.cmd}
				v.opts(s, &o)
				name := filepath.Join(p.name, v.name, string(s))
				cases = append(cases, goldenCase{name: filepath.ToSlash(name), project: p, strategy: s, opts: o})
			}
		}
	}
	return cases
}

func TestGolden(t *testing.T) {
	for _, c := range goldenCases(t) {
		t.Run(c.name, func(t *testing.T) {
			res, err := Generate(c.opts)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("testdata/golden", c.name+".Dockerfile"), res.Dockerfile)
			golden(t, filepath.Join("testdata/golden", c.project.name, "dockerignore"), res.Dockerignore)
			again, err := Generate(c.opts)
			if err != nil {
				t.Fatal(err)
			}
			if string(again.Dockerfile) != string(res.Dockerfile) || string(again.Dockerignore) != string(res.Dockerignore) {
				t.Error("two runs gave different output")
			}
		})
	}
}

func TestLint(t *testing.T) {
	for _, c := range goldenCases(t) {
		t.Run(c.name, func(t *testing.T) {
			res, err := Generate(c.opts)
			if err != nil {
				t.Fatal(err)
			}
			parse(t, res.Dockerfile)
			for _, f := range lint(t, res.Dockerfile) {
				t.Errorf("BuildKit lint: %s", f)
			}
		})
	}
}

// TestDocsShowGolden keeps the examples in docs/dockerfile.md identical to
// the generated output.
func TestDocsShowGolden(t *testing.T) {
	doc, err := os.ReadFile("../../docs/dockerfile.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range []string{"flask-uwsgi/testworld/recommended.Dockerfile", "uwsgi-app/multistage.Dockerfile"} {
		want, err := os.ReadFile(filepath.Join("testdata/golden", g))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(doc), "```dockerfile\n"+string(want)+"```\n") {
			t.Errorf("docs/dockerfile.md does not show %s as generated; paste it again", g)
		}
	}
}
