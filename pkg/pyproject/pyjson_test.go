package pyproject

import (
	"math"
	"testing"
)

// Expected strings were produced by CPython 3.11's json.dumps(v, sort_keys=True).
func TestAppendPyJSON(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"null", nil, "null"},
		{"true", true, "true"},
		{"false", false, "false"},
		{"zero", int64(0), "0"},
		{"negative", int64(-42), "-42"},
		{"maxint", int64(math.MaxInt64), "9223372036854775807"},
		{"float one", 1.0, "1.0"},
		{"negative zero", math.Copysign(0, -1), "-0.0"},
		{"tenth", 0.1, "0.1"},
		{"1e16", 1e16, "1e+16"},
		{"1e15", 1e15, "1000000000000000.0"},
		{"big", 123456789012345678.0, "1.2345678901234568e+17"},
		{"1e-4", 1e-4, "0.0001"},
		{"1e-5", 1e-5, "1e-05"},
		{"1.5e-7", 1.5e-7, "1.5e-07"},
		{"pi-ish", 3.14159, "3.14159"},
		{"1e300", 1e300, "1e+300"},
		{"inf", math.Inf(1), "Infinity"},
		{"-inf", math.Inf(-1), "-Infinity"},
		{"nan", math.NaN(), "NaN"},
		{"empty string", "", `""`},
		{"plain", "plain", `"plain"`},
		{"quote and backslash", `q"b\s`, `"q\"b\\s"`},
		{"controls", "\n\r\t\b\f\x00\x1f\x7f", `"\n\r\t\b\f\u0000\u001f\u007f"`},
		{"non-ascii", "é ü 中", `"\u00e9 \u00fc \u4e2d"`},
		{"astral", "😀", `"\ud83d\ude00"`},
		{"empty array", []any{}, "[]"},
		{"empty table", map[string]any{}, "{}"},
		{"array", []any{int64(1), "a", []any{true}}, `[1, "a", [true]]`},
		{"sorted keys", map[string]any{"b": int64(1), "a": map[string]any{"d": []any{}, "c": nil}, "A": int64(2), "é": int64(0), "z": int64(1)},
			`{"A": 2, "a": {"c": null, "d": []}, "b": 1, "z": 1, "\u00e9": 0}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(appendPyJSON(nil, tt.in)); got != tt.want {
				t.Errorf("appendPyJSON(%#v) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}
