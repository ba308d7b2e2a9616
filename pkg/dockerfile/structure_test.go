package dockerfile

import (
	"regexp"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/patternmatcher"
	ignorefile "github.com/moby/patternmatcher/ignorefile"
)

// imageStages returns the stages an image target is made of: the target and
// the stages it starts FROM, in order from the target down.
func imageStages(t *testing.T, stages []instructions.Stage, target string) []instructions.Stage {
	t.Helper()
	byName := map[string]instructions.Stage{}
	for _, s := range stages {
		byName[s.Name] = s
	}
	var chain []instructions.Stage
	s, ok := stages[len(stages)-1], true
	if target != "" {
		s, ok = byName[target]
		if !ok {
			t.Fatalf("no stage %q", target)
		}
	}
	for ok {
		chain = append(chain, s)
		s, ok = byName[s.BaseName]
	}
	return chain
}

// runText is a RUN instruction's command line as one string.
func runText(c *instructions.RunCommand) string { return strings.Join(c.CmdLine, " ") }

var (
	buildTools    = regexp.MustCompile(`\b(gcc|g\+\+|poetry|libc6-dev|python3-dev|[a-z0-9.+-]+-dev)\b`)
	sensitiveName = regexp.MustCompile(`(?i)(password|passwd|username|token|secret|credential)`)
)

// TestFinalImages checks what the images of the multi-stage strategies
// contain: no compiler, no -dev package and no Poetry installed or run in
// any stage the final image is made of.
func TestFinalImages(t *testing.T) {
	for _, c := range goldenCases(t) {
		var target string
		switch c.strategy {
		case Layered, Recommended:
		case Multistage:
			target = "production"
		default:
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			res, err := Generate(c.opts)
			if err != nil {
				t.Fatal(err)
			}
			chain := imageStages(t, parse(t, res.Dockerfile), target)
			if len(chain) == 0 {
				t.Fatal("no stages")
			}
			runs := 0
			for _, s := range chain {
				for _, cmd := range s.Commands {
					switch cmd := cmd.(type) {
					case *instructions.RunCommand:
						runs++
						if m := buildTools.FindString(runText(cmd)); m != "" {
							t.Errorf("stage %s of the image runs %q: %s", s.Name, m, runText(cmd))
						}
					case *instructions.EnvCommand:
						for _, kv := range cmd.Env {
							if strings.HasPrefix(kv.Key, "POETRY") {
								t.Errorf("stage %s of the image sets %s", s.Name, kv.Key)
							}
						}
					}
				}
			}
			if c.strategy == Recommended {
				last := chain[0].Commands[len(chain[0].Commands)-2]
				if u, ok := last.(*instructions.UserCommand); !ok || u.User != "10001:10001" {
					t.Errorf("the image does not end with USER 10001:10001 before CMD: %#v", last)
				}
			}
			if c.strategy == Recommended && runs == 0 {
				t.Error("no RUN checked")
			}
		})
	}
}

// TestSecrets checks that credentials only ever come through secret mounts:
// no ARG at all, no ENV with a sensitive name, and every `poetry install`
// that resolves packages mounts each source's username and password.
func TestSecrets(t *testing.T) {
	for _, c := range goldenCases(t) {
		t.Run(c.name, func(t *testing.T) {
			res, err := Generate(c.opts)
			if err != nil {
				t.Fatal(err)
			}
			stages := parse(t, res.Dockerfile)
			wantIDs := map[string]bool{}
			for _, s := range c.opts.Project.Sources {
				if s.URL != "" {
					wantIDs[strings.ToLower(s.Name)+"-username"] = true
					wantIDs[strings.ToLower(s.Name)+"-password"] = true
				}
			}
			installs := 0
			for _, s := range stages {
				for _, cmd := range s.Commands {
					switch cmd := cmd.(type) {
					case *instructions.ArgCommand:
						t.Errorf("ARG %v: the Dockerfiles take no build arguments", cmd.Args)
					case *instructions.EnvCommand:
						for _, kv := range cmd.Env {
							if sensitiveName.MatchString(kv.Key) {
								t.Errorf("ENV %s carries something sensitive", kv.Key)
							}
						}
					case *instructions.RunCommand:
						if !strings.Contains(runText(cmd), "--no-root") {
							continue
						}
						installs++
						got := map[string]bool{}
						for _, m := range mounts(t, cmd) {
							if m.Type == instructions.MountTypeSecret {
								got[m.CacheID] = true
								if !strings.Contains(runText(cmd), "/run/secrets/"+m.CacheID) {
									t.Errorf("secret %s is mounted but not read", m.CacheID)
								}
							}
						}
						for id := range wantIDs {
							if !got[id] {
								t.Errorf("stage %s installs dependencies without the secret %s: %s", s.Name, id, runText(cmd))
							}
						}
					}
				}
			}
			if installs == 0 {
				t.Error("no dependency install found")
			}
		})
	}
}

// TestDockerignoreKeepsSources checks that the .dockerignore excludes none of
// the files the Dockerfile copies, nor the project's own files, and does
// exclude the usual local clutter.
func TestDockerignoreKeepsSources(t *testing.T) {
	for _, c := range goldenCases(t) {
		t.Run(c.name, func(t *testing.T) {
			res, err := Generate(c.opts)
			if err != nil {
				t.Fatal(err)
			}
			patterns, err := ignorefile.ReadAll(strings.NewReader(string(res.Dockerignore)))
			if err != nil {
				t.Fatal(err)
			}
			pm, err := patternmatcher.New(patterns)
			if err != nil {
				t.Fatal(err)
			}
			keep := []string{"pyproject.toml", "poetry.lock", "README.md", "src/pkg/__init__.py", "app/wsgi.py", "uwsgi.ini", "libs/sibling/pyproject.toml"}
			for _, s := range parse(t, res.Dockerfile) {
				for _, cmd := range s.Commands {
					if cp, ok := cmd.(*instructions.CopyCommand); ok && cp.From == "" {
						keep = append(keep, cp.SourcePaths...)
					}
				}
			}
			for _, p := range keep {
				if p == "." {
					continue
				}
				if ignored, err := pm.MatchesOrParentMatches(p); err != nil || ignored {
					t.Errorf("%s is ignored (err %v)", p, err)
				}
			}
			for _, p := range []string{".git/config", ".venv/bin/python", "app/__pycache__/x.pyc", ".env", "dist/x.whl"} {
				if ignored, err := pm.MatchesOrParentMatches(p); err != nil || !ignored {
					t.Errorf("%s is not ignored (err %v)", p, err)
				}
			}
		})
	}
}

// mounts returns the --mount options of a RUN, which BuildKit parses when
// it expands the instruction.
func mounts(t *testing.T, cmd *instructions.RunCommand) []*instructions.Mount {
	t.Helper()
	if err := cmd.Expand(func(w string) (string, error) { return w, nil }); err != nil {
		t.Fatalf("expanding %q: %v", runText(cmd), err)
	}
	return instructions.GetMounts(cmd)
}
