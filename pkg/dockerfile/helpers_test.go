package dockerfile

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/canto-build/canto/pkg/lock"
	"github.com/canto-build/canto/pkg/pyproject"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	digest "github.com/opencontainers/go-digest"
)

// load reads a project directory's pyproject.toml and poetry.lock, failing
// the test when the lock is stale.
func load(t testing.TB, dir string) (*pyproject.Project, *lock.Lock) {
	t.Helper()
	p, err := pyproject.Load(filepath.Join(dir, "pyproject.toml"))
	if err != nil {
		t.Fatal(err)
	}
	l, err := lock.Load(filepath.Join(dir, "poetry.lock"))
	if err != nil {
		t.Fatal(err)
	}
	if err := lock.CheckFresh(l, p); err != nil {
		t.Fatal(err)
	}
	return p, l
}

// parse parses a Dockerfile with BuildKit's own parser and instruction
// parser, failing the test on an error or a parser warning.
func parse(t testing.TB, df []byte) []instructions.Stage {
	t.Helper()
	res, err := parser.Parse(bytes.NewReader(df))
	if err != nil {
		t.Fatalf("BuildKit cannot parse the Dockerfile: %v\n%s", err, df)
	}
	for _, w := range res.Warnings {
		t.Errorf("BuildKit parser warning: %s (line %d)", w.Short, w.Location.Start.Line)
	}
	stages, _, err := instructions.Parse(res.AST, nil)
	if err != nil {
		t.Fatalf("BuildKit cannot parse the instructions: %v\n%s", err, df)
	}
	return stages
}

// offlineResolver answers BuildKit's base image lookups without a registry:
// every image is a linux/amd64 image with the usual PATH.
type offlineResolver struct{}

func (offlineResolver) ResolveImageConfig(_ context.Context, ref string, _ sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	cfg := `{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]}}`
	return ref, digest.FromString(ref), []byte(cfg), nil
}

// lint runs BuildKit's Dockerfile checks (what `docker build --check` runs),
// experimental rules included, and returns every finding.
func lint(t testing.TB, df []byte) []string {
	t.Helper()
	src := append([]byte("# check=experimental=all\n"), df...)
	st := llb.Local("dockerfile")
	def, err := st.Marshal(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sm := llb.NewSourceMap(&st, "Dockerfile", "Dockerfile", src)
	sm.Definition = def
	res, err := dockerfile2llb.DockerfileLint(context.Background(), src, dockerfile2llb.ConvertOpt{MetaResolver: offlineResolver{}, SourceMap: sm})
	if err != nil {
		t.Fatalf("linting: %v", err)
	}
	var out []string
	for _, w := range res.Warnings {
		line := 0
		if len(w.Location.Ranges) > 0 {
			line = int(w.Location.Ranges[0].Start.Line) - 1 // the check directive added a line
		}
		out = append(out, fmt.Sprintf("line %d: %s: %s", line, w.RuleName, w.Detail))
	}
	if res.Error != nil {
		out = append(out, "error: "+res.Error.Message)
	}
	return out
}

// readGolden returns the golden file's content, or writes got to it when
// -update is set.
func golden(t *testing.T, file string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v\nhint: run go test ./pkg/dockerfile -run %s -update", err, t.Name())
	}
	if !bytes.Equal(want, got) {
		t.Errorf("%s differs from the generated output (run with -update to accept):\n--- want\n%s\n--- got\n%s", file, want, got)
	}
}
