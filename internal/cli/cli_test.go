package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// runCLI runs canto in-process with the given environment variables.
func runCLI(t *testing.T, vars map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}
	code = run(context.Background(), args, e)
	return code, out.String(), errb.String()
}

func TestRootHelp(t *testing.T) {
	code, out, errs := runCLI(t, nil, "--help")
	if code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	for _, want := range []string{"canto turns a Python project managed by Poetry", "version", "--quiet", "--no-color", "NO_COLOR"} {
		if !strings.Contains(out, want) {
			t.Errorf("--help lacks %q:\n%s", want, out)
		}
	}
}

func TestVersionJSON(t *testing.T) {
	code, out, errs := runCLI(t, nil, "version", "--json")
	if code != 0 || errs != "" {
		t.Fatalf("exit %d, stderr %q", code, errs)
	}
	var got map[string]string
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out)
	}
	want := map[string]string{"version": "dev", "commit": got["commit"], "go_version": runtime.Version(), "platform": runtime.GOOS + "/" + runtime.GOARCH}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("version --json (-want +got):\n%s", diff)
	}
	if got["commit"] == "" {
		t.Error("commit is empty")
	}
}

func TestVersionText(t *testing.T) {
	code, out, _ := runCLI(t, nil, "version")
	if code != 0 || !strings.HasPrefix(out, "canto dev\ncommit: ") || !strings.Contains(out, "go: "+runtime.Version()) {
		t.Fatalf("exit %d, stdout %q", code, out)
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr string
	}{
		{[]string{"version", "extra"}, "error: canto version takes no arguments, got [\"extra\"]\n"},
		{[]string{"--bogus"}, "error: unknown flag: --bogus\n"},
		{[]string{"-q", "-v", "version"}, "error: --quiet and --verbose cannot be used together\n"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, errs := runCLI(t, nil, tt.args...)
			if code != 2 {
				t.Errorf("exit code = %d, want 2", code)
			}
			if out != "" {
				t.Errorf("stdout = %q, want nothing", out)
			}
			if errs != tt.wantErr {
				t.Errorf("stderr = %q, want %q", errs, tt.wantErr)
			}
		})
	}
}

func TestColor(t *testing.T) {
	// Buffers are not terminals, so color is always off in tests; what we can
	// check is that NO_COLOR and --no-color switch it off before the tty test.
	for _, tc := range []struct {
		name string
		vars map[string]string
		flag bool
	}{
		{"NO_COLOR", map[string]string{"NO_COLOR": "1"}, false},
		{"flag", nil, true},
		{"dumb", map[string]string{"TERM": "dumb"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := &env{stderr: &bytes.Buffer{}, getenv: func(k string) string { return tc.vars[k] }}
			e.opts.noColor = tc.flag
			if e.colorEnabled() {
				t.Error("color enabled")
			}
		})
	}
	u := &ui{w: &bytes.Buffer{}, color: true}
	if got := u.paint("1;31", "x"); got != "\x1b[1;31mx\x1b[0m" {
		t.Errorf("paint = %q", got)
	}
	u.color = false
	if got := u.paint("1;31", "x"); got != "x" {
		t.Errorf("paint without color = %q", got)
	}
}

func TestErrorHint(t *testing.T) {
	var b bytes.Buffer
	u := &ui{w: &b}
	u.errorf("reading %q: bad\nhint: run \"poetry lock\"", "poetry.lock")
	want := "error: reading \"poetry.lock\": bad\nhint: run \"poetry lock\"\n"
	if b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}
