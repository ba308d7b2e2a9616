package pep508

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
)

var linux311 = Env{
	"implementation_name": "cpython", "implementation_version": "3.11.2", "os_name": "posix",
	"platform_machine": "x86_64", "platform_python_implementation": "CPython",
	"platform_release": "6.1.0-18-amd64", "platform_system": "Linux", "platform_version": "#1 SMP",
	"python_full_version": "3.11.2", "python_version": "3.11", "sys_platform": "linux",
}

func TestEvaluate(t *testing.T) {
	tests := []struct {
		marker string
		extras []string
		want   bool
	}{
		{`python_version > "3.10"`, nil, true}, // version, not string, comparison
		{`python_version < "3.9"`, nil, false},
		{`platform_release >= "6"`, nil, true}, // "6.1.0-18-amd64" is no version: string comparison
		{`platform_release >= "10"`, nil, true},
		{`'linux' in sys_platform`, nil, true},
		{`extra == "Foo_Bar"`, []string{"foo-bar"}, true},
		{`extra == "foo.bar"`, []string{"Foo_Bar"}, true},
		{`extra == "a" and extra == "b"`, []string{"a", "b"}, true}, // Poetry's set semantics
		{`extra != "a"`, []string{"b", "c"}, true},
		{`extra != "a"`, []string{"b", "a"}, false},
		{`extra == "a"`, nil, false},
		{`extra != "a"`, nil, true},
		{`"x" in extras`, []string{"X"}, true},
		{`"x" not in extras`, []string{"y"}, true},
		{`python_version >= "3" or extra == "x"`, nil, true},
		{`(python_version < "3" or os_name == "posix") and sys_platform == "linux"`, nil, true},
		{`python_version < "3" or os_name == "posix" and sys_platform == "win32"`, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.marker, func(t *testing.T) {
			m, err := ParseMarker(tt.marker)
			if err != nil {
				t.Fatal(err)
			}
			got, err := m.Evaluate(linux311, tt.extras)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("Evaluate(%q, extras %v) = %v, want %v", tt.marker, tt.extras, got, tt.want)
			}
		})
	}
}

func TestEvaluateGroups(t *testing.T) {
	m, err := ParseMarker(`"Dev" in dependency_groups and "docs" not in dependency_groups`)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := m.EvaluateGroups(linux311, nil, []string{"dev"}); err != nil || !ok {
		t.Errorf("EvaluateGroups = %v, %v; want true", ok, err)
	}
	_, err = m.Evaluate(linux311, nil)
	want := "evaluating marker \"\\\"Dev\\\" in dependency_groups and \\\"docs\\\" not in dependency_groups\": dependency_groups is defined only for lock file markers (EvaluateGroups) at position 0\nhint: describe the target environment completely, including dependency_groups"
	if err == nil || err.Error() != want {
		t.Errorf("Evaluate error = %v\nwant %s", err, want)
	}
}

func TestNilMarker(t *testing.T) {
	for _, s := range []string{"", "  \t"} {
		m, err := ParseMarker(s)
		if err != nil || m != nil {
			t.Fatalf("ParseMarker(%q) = %v, %v", s, m, err)
		}
		if ok, err := m.Evaluate(nil, nil); !ok || err != nil {
			t.Errorf("nil marker evaluates %v, %v", ok, err)
		}
		if m.String() != "" {
			t.Errorf("nil marker String = %q", m.String())
		}
	}
}

func TestEvaluateErrors(t *testing.T) {
	tests := []struct {
		marker string
		env    Env
		want   string
		varErr string
	}{
		{`os_name == "posix" and platform_release >= "5"`, Env{"os_name": "posix"},
			"evaluating marker \"os_name == \\\"posix\\\" and platform_release >= \\\"5\\\"\": variable platform_release is not set in the environment at position 23\nhint: describe the target environment completely, including platform_release",
			"platform_release"},
		{`sys_platform ~= "linux"`, linux311,
			`evaluating marker "sys_platform ~= \"linux\"": operator ~= needs versions on both sides, got "linux" and "linux" at position 0`, ""},
		{`"3.8" >= "3.9"`, linux311,
			`evaluating marker "\"3.8\" >= \"3.9\"": comparison needs one variable and one quoted string at position 0`, ""},
		{`extra >= "a"`, linux311,
			`evaluating marker "extra >= \"a\"": operator >= is not defined for extra at position 0`, ""},
		{`extras == "a"`, linux311,
			`evaluating marker "extras == \"a\"": operator == is not defined for extras at position 0`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.marker, func(t *testing.T) {
			m, err := ParseMarker(tt.marker)
			if err != nil {
				t.Fatal(err)
			}
			_, err = m.Evaluate(tt.env, nil)
			if err == nil {
				t.Fatal("Evaluate succeeded")
			}
			if err.Error() != tt.want {
				t.Errorf("error = %q\nwant    %q", err, tt.want)
			}
			var ee *EvalError
			if !errors.As(err, &ee) || ee.Variable != tt.varErr {
				t.Errorf("error is not *EvalError with Variable %q: %#v", tt.varErr, err)
			}
		})
	}
}

func TestParseMarkerErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{`python_version`, `parsing marker "python_version": expected marker operator, one of <=, <, !=, ==, >=, >, ~=, ===, in, not in at position 14`},
		{`python_version = "3"`, `parsing marker "python_version = \"3\"": expected marker operator, one of <=, <, !=, ==, >=, >, ~=, ===, in, not in at position 15`},
		{`foo == "bar"`, `parsing marker "foo == \"bar\"": expected a marker variable or quoted string at position 0`},
		{`python_version >= 3.8`, `parsing marker "python_version >= 3.8": expected a marker variable or quoted string at position 18`},
		{`python_version >= "3.8`, `parsing marker "python_version >= \"3.8": unterminated quoted string at position 18`},
		{`(os_name == "nt"`, `parsing marker "(os_name == \"nt\"": expected closing ')' for this '(' at position 0`},
		{`os_name == "nt")`, `parsing marker "os_name == \"nt\")": expected end of marker, 'and' or 'or' at position 15`},
		{`os_name == "nt" and`, `parsing marker "os_name == \"nt\" and": expected a marker variable or quoted string at position 19`},
		{`os_name not"x"`, `parsing marker "os_name not\"x\"": expected whitespace after 'not' at position 11`},
		{`os_name not "x"`, `parsing marker "os_name not \"x\"": expected 'in' after 'not' at position 12`},
		{`os_name == "nt" xor os_name == "x"`, `parsing marker "os_name == \"nt\" xor os_name == \"x\"": expected end of marker, 'and' or 'or' at position 16`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			_, err := ParseMarker(tt.in)
			if err == nil {
				t.Fatal("ParseMarker succeeded")
			}
			if err.Error() != tt.want {
				t.Errorf("error = %q\nwant    %q", err, tt.want)
			}
		})
	}
}

func TestMarkerString(t *testing.T) {
	tests := []struct{ in, want string }{
		{`os.name=='nt'`, `os_name == "nt"`},
		{`((os_name == "nt"))`, `os_name == "nt"`},
		{`((os_name == "a" or os_name == "b")) and sys_platform == "c"`, `(os_name == "a" or os_name == "b") and sys_platform == "c"`},
		{`os_name == 'a"b'`, `os_name == 'a"b'`},
		{`"Foo_Bar" == extra or extra == "A.B"`, `"foo-bar" == extra or extra == "a-b"`},
		{`'x' in extras`, `"x" in extras`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			m, err := ParseMarker(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := m.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

var lockMarker = regexp.MustCompile(`"((?:[^"\\]|\\.)*)"`)

// TestCorpusMarkers parses every marker of the shared corpus of real
// poetry.lock files, when present, and evaluates it in one environment.
func TestCorpusMarkers(t *testing.T) {
	locks, _ := filepath.Glob("../../../shared/corpus/poetry-locks/*/poetry.lock")
	if len(locks) == 0 {
		t.Skip("shared corpus not present")
	}
	seen := map[string]bool{}
	for _, lock := range locks {
		b, err := os.ReadFile(lock)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range bytes.Split(b, []byte("\n")) {
			if !bytes.HasPrefix(line, []byte("markers = ")) {
				continue
			}
			for _, q := range lockMarker.FindAllString(string(line), -1) {
				s, err := strconv.Unquote(q)
				if err != nil || seen[s] {
					continue
				}
				seen[s] = true
				m, err := ParseMarker(s)
				if err != nil {
					t.Errorf("%s: %v", lock, err)
					continue
				}
				if _, err := m.Evaluate(linux311, []string{"dev"}); err != nil {
					t.Errorf("%s: %v", lock, err)
				}
				if again, err := ParseMarker(m.String()); err != nil || again.String() != m.String() {
					t.Errorf("%s: String %q does not round-trip: %v", lock, m.String(), err)
				}
			}
		}
	}
	if len(seen) < 100 {
		t.Errorf("only %d distinct markers found", len(seen))
	}
	t.Logf("%d distinct markers from %d locks", len(seen), len(locks))
}

func FuzzParseMarker(f *testing.F) {
	for _, s := range []string{
		`python_version > "3.10"`, `'linux' in sys_platform`, `(os_name == "nt" or extra == "x") and python_full_version >= "3.8.1"`,
		`platform_release >= '5.10'`, `"a" not in extras`, `os.name=='nt'`, `((a`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ParseMarker(s)
		if err != nil || m == nil {
			return
		}
		out := m.String()
		again, err := ParseMarker(out)
		if err != nil {
			t.Fatalf("String %q of %q does not re-parse: %v", out, s, err)
		}
		if again.String() != out {
			t.Fatalf("round trip of %q: %q then %q", s, out, again.String())
		}
		r1, err1 := m.EvaluateGroups(linux311, []string{"x"}, []string{"g"})
		r2, err2 := again.EvaluateGroups(linux311, []string{"x"}, []string{"g"})
		if r1 != r2 || (err1 == nil) != (err2 == nil) {
			t.Fatalf("%q and its String %q evaluate differently: %v/%v, %v/%v", s, out, r1, err1, r2, err2)
		}
	})
}
