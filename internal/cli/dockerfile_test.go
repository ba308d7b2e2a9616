package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const poethepoet = fixtures + "nat-n__poethepoet"

func TestDockerfileStdout(t *testing.T) {
	code, out, errs := runCLI(t, nil, "dockerfile", poethepoet, "--strategy", "slim")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{
		"# Dockerfile for poethepoet 0.17.0, written by `canto dockerfile --strategy slim`.\n",
		"FROM python:3.11-slim-bookworm\n",
		"/opt/poetry/bin/pip install --no-cache-dir poetry==1.3.2",
		`CMD ["poe"]`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, ".dockerignore") || strings.Contains(out, "\n.git\n") {
		t.Errorf("stdout carries the .dockerignore:\n%s", out)
	}
	if errs != "" {
		t.Errorf("stderr = %q, want nothing", errs)
	}
}

func TestDockerfileDefaultsToRecommended(t *testing.T) {
	code, out, errs := runCLI(t, nil, "dockerfile", poethepoet)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, "--strategy recommended`") || !strings.Contains(out, "USER 10001:10001\n") {
		t.Errorf("not the recommended strategy:\n%s", out)
	}
}

func TestDockerfileOutput(t *testing.T) {
	dir := t.TempDir()
	code, out, errs := runCLI(t, nil, "dockerfile", poethepoet, "-o", dir, "--strategy", "layered", "--cmd", `poe --help "a b"`)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if out != "" {
		t.Errorf("stdout = %q, want nothing with -o", out)
	}
	df, err := os.ReadFile(filepath.Join(dir, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	ignore, err := os.ReadFile(filepath.Join(dir, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(df), `CMD ["poe", "--help", "a b"]`) || !strings.Contains(string(df), "FROM python:3.11-slim-bookworm AS builder") {
		t.Errorf("Dockerfile:\n%s", df)
	}
	if !strings.HasPrefix(string(ignore), "# .dockerignore for poethepoet") || !strings.Contains(string(ignore), "\n.venv\n") {
		t.Errorf(".dockerignore:\n%s", ignore)
	}
	wantErr := "wrote " + filepath.Join(dir, "Dockerfile") + " and " + filepath.Join(dir, ".dockerignore") + " (strategy layered)\n"
	if errs != wantErr {
		t.Errorf("stderr = %q, want %q", errs, wantErr)
	}

	// A second run keeps the files...
	code, _, errs = runCLI(t, nil, "dockerfile", poethepoet, "-o", dir, "--strategy", "slim")
	want := "error: writing \"" + filepath.Join(dir, "Dockerfile") + "\": the file exists\nhint: pass --force to overwrite it, or print to stdout without -o\n"
	if code != 1 || errs != want {
		t.Errorf("exit %d, stderr %q; want 1, %q", code, errs, want)
	}
	// ...unless forced.
	code, _, errs = runCLI(t, nil, "dockerfile", poethepoet, "-o", dir, "--strategy", "slim", "--force", "-q")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d: %s", code, errs)
	}
	df, err = os.ReadFile(filepath.Join(dir, "Dockerfile"))
	if err != nil || !strings.Contains(string(df), "--strategy slim`") {
		t.Errorf("not overwritten: %v\n%s", err, df)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Errorf("the directory holds %d entries, want 2 (no temporary files left)", len(entries))
	}
}

func TestDockerfileOutputNewDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "dir") + "/"
	code, _, errs := runCLI(t, nil, "dockerfile", poethepoet, "-o", dir, "-q")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, p := range []string{"Dockerfile", ".dockerignore"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Error(err)
		}
	}
}

func TestDockerfileOutputFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "prod.Dockerfile")
	code, _, errs := runCLI(t, nil, "dockerfile", poethepoet, "-o", file)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, p := range []string{file, file + ".dockerignore"} {
		if _, err := os.Stat(p); err != nil {
			t.Error(err)
		}
	}
}

func TestDockerfileUsageErrors(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr string
	}{
		{[]string{"dockerfile", poethepoet, "--strategy", "fat"}, "error: unknown strategy \"fat\"\nhint: choose one of full, slim, layered, multistage, buildkit, recommended\n"},
		{[]string{"dockerfile", poethepoet, "--cmd", `poe "unclosed`}, "error: reading --cmd: unterminated quote or trailing backslash\n"},
		{[]string{"dockerfile", poethepoet, "--cmd", "  "}, "error: reading --cmd: the command is empty\n"},
		{[]string{"dockerfile", "a", "b"}, "error: canto dockerfile takes 0 to 1 arguments, got 2\n"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args[1:], " "), func(t *testing.T) {
			code, out, errs := runCLI(t, nil, tt.args...)
			if code != 2 || out != "" || errs != tt.wantErr {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2, nothing, %q", code, out, errs, tt.wantErr)
			}
		})
	}
}

func TestDockerfileErrors(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr string
	}{
		{[]string{"dockerfile", fixtures + "dry-python__returns"}, "error: the project installs no console script to run\nhint: give the container's command, e.g. --cmd 'gunicorn app:app'\n"},
		{[]string{"dockerfile", poethepoet, "--poetry-version", "1.1.0"}, "error: poetry 1.1.0 has no dependency groups (--only)\nhint: pin Poetry 1.2 or later\n"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args[1:], " "), func(t *testing.T) {
			code, out, errs := runCLI(t, nil, tt.args...)
			if code != 1 || out != "" || errs != tt.wantErr {
				t.Errorf("exit %d, stdout %q, stderr %q; want 1, nothing, %q", code, out, errs, tt.wantErr)
			}
		})
	}
}

func TestDockerfileNotes(t *testing.T) {
	code, _, errs := runCLI(t, nil, "dockerfile", fixtures+"pwndbg__pwndbg", "--cmd", "pwndbg")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.HasPrefix(errs, "note: compiled from source, as no wheel fits linux/amd64 python3.") {
		t.Errorf("stderr = %q", errs)
	}
	code, _, errs = runCLI(t, nil, "dockerfile", fixtures+"pwndbg__pwndbg", "--cmd", "pwndbg", "-q")
	if code != 0 || errs != "" {
		t.Errorf("-q: exit %d, stderr %q", code, errs)
	}
}

func TestDockerfileHelp(t *testing.T) {
	code, out, _ := runCLI(t, nil, "dockerfile", "--help")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"canto dockerfile ./myapp --strategy multistage -o ./myapp", "--strategy string", "full, slim, layered, multistage, buildkit, recommended", "--index-url URL", "--poetry-version VERSION", "docs/dockerfile.md"} {
		if !strings.Contains(out, want) {
			t.Errorf("--help lacks %q:\n%s", want, out)
		}
	}
}

func TestSplitCommand(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"uwsgi --ini uwsgi.ini", []string{"uwsgi", "--ini", "uwsgi.ini"}},
		{"  a\tb\n", []string{"a", "b"}},
		{`sh -c 'echo "$HOME"'`, []string{"sh", "-c", `echo "$HOME"`}},
		{`a "b c" d`, []string{"a", "b c", "d"}},
		{`"a\"b" "c\d" "e\\f"`, []string{`a"b`, `c\d`, `e\f`}},
		{`a\ b ''`, []string{"a b", ""}},
		{`x"y"'z'`, []string{"xyz"}},
	}
	for _, tt := range tests {
		got, err := splitCommand(tt.in)
		if err != nil {
			t.Errorf("splitCommand(%q): %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("splitCommand(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
	for _, bad := range []string{`'a`, `"a`, `a\`, ``, " "} {
		if _, err := splitCommand(bad); err == nil {
			t.Errorf("splitCommand(%q): no error", bad)
		}
	}
}
