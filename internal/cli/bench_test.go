package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/canto-build/canto/pkg/bench"
)

const gunicornWeb = "../../examples/gunicorn-web"

func TestBenchUsageErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"repeat", []string{"--repeat", "0"}, "error: --repeat must be at least 1, got 0\n"},
		{"unknown", []string{"--strategies", "slim,fast"}, "error: --strategies: unknown strategy \"fast\"\nhint: choose from full, slim, layered, multistage, buildkit, recommended, canto\n"},
		{"twice", []string{"--strategies", "canto,canto"}, "error: --strategies names \"canto\" twice\n"},
		{"empty", []string{"--strategies", ""}, "error: --strategies is empty\nhint: e.g. --strategies recommended,canto\n"},
		{"no base", []string{"--strategies", "canto"}, "error: canto's build needs a base image: pass --canto-base or set [tool.canto] base\nhint: e.g. --canto-base python:3.11-slim-bookworm or --canto-base oci:./images:slim\n"},
		{"cmd", []string{"--cmd", "'open"}, "error: reading --cmd: unterminated quote or trailing backslash\n"},
		{"args", []string{"a"}, "error: canto bench takes 0 to 1 arguments, got 2\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runCLI(t, nil, append([]string{"bench", gunicornWeb}, tc.args...)...)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			if out != "" {
				t.Errorf("stdout = %q", out)
			}
			if errs != tc.want {
				t.Errorf("stderr = %q\nwant     %q", errs, tc.want)
			}
		})
	}
}

// absentEngine is a Docker engine that is not there.
type absentEngine struct{ bench.Engine }

func (absentEngine) Ping(context.Context) (string, error) {
	return "", errors.New("running docker version: exec: \"docker\": executable file not found in $PATH\nmore")
}

func TestBenchWithoutDocker(t *testing.T) {
	var builds []bench.NativeRequest
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	deps := benchDeps{
		engine: func(benchFlags, *ui) benchEngine { return absentEngine{} },
		native: func(f benchFlags, _ *ui) (bench.NativeBuilder, error) {
			if f.cantoBase != "oci:/x:slim" {
				t.Errorf("canto base = %q", f.cantoBase)
			}
			return bench.NativeBuilderFunc(func(_ context.Context, req bench.NativeRequest) error {
				builds = append(builds, req)
				now = now.Add(time.Second)
				img, err := mutate.AppendLayers(empty.Image, static.NewLayer([]byte(req.Dir), types.DockerLayer))
				if err != nil {
					return err
				}
				p, err := layout.Write(req.Layout, empty.Index)
				if err != nil {
					return err
				}
				return p.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": req.Tag}))
			}), nil
		},
		clock: func() time.Time { return now },
	}
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	f := benchFlags{strategies: []string{"slim", "canto"}, repeat: 2, cantoBase: "oci:/x:slim", tmpDir: t.TempDir(), probeURL: "http://127.0.0.1:1/", probeTimeout: time.Second}
	svg := filepath.Join(t.TempDir(), "chart.svg")
	f.svg = svg
	if err := runBench(context.Background(), e, gunicornWeb, f, deps); err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	if len(builds) != 6 { // (cold, pyproject, code) × 2 with no dependency change
		t.Errorf("%d native builds, want 6", len(builds))
	}
	for _, want := range []string{
		"skipping the Dockerfile strategies: no Docker engine: running docker version: exec: \"docker\": executable file not found in $PATH\n",
		"canto's image is measured without Docker",
		"[1/2 canto] cold build: 1.0 s\n",
		"[2/2 canto] probe: skipped: no engine can run this image\n",
	} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errb.String())
		}
	}
	for _, want := range []string{
		"| canto | canto build |",
		" ¹ |",
		"Skipped:\n- slim: no Docker engine: running docker version",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, out.String())
		}
	}
	chart, err := os.ReadFile(svg)
	if err != nil || !bytes.HasPrefix(chart, []byte("<svg ")) {
		t.Errorf("chart = %.40q, %v", chart, err)
	}
}

func TestBenchNothingLeft(t *testing.T) {
	deps := benchDeps{engine: func(benchFlags, *ui) benchEngine { return absentEngine{} }, clock: time.Now}
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	err := runBench(context.Background(), e, gunicornWeb, benchFlags{strategies: []string{"slim"}, repeat: 1}, deps)
	want := "nothing left to measure: every strategy needs a Docker engine\nhint: start Docker, pass --docker BINARY, or add canto to --strategies"
	if err == nil || err.Error() != want {
		t.Errorf("err = %v", err)
	}
}
