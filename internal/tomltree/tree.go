package tomltree

import (
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/pelletier/go-toml/v2"
)

// Tree walks a decoded TOML document and records the first type error with
// the key path that caused it. After an error every accessor returns zero
// values, so callers check t.Err once at the end.
type Tree struct {
	// File names the document in errors.
	File string
	// Err is the first error met; every accessor is a no-op after it.
	Err error
}

// Fail records a FieldError at path unless an error is already recorded.
func (t *Tree) Fail(path, hint, format string, args ...any) {
	if t.Err != nil {
		return
	}
	if hint == "" {
		hint = fmt.Sprintf("correct %s in %s", path, t.File)
	}
	t.Err = &FieldError{File: t.File, Path: path, Msg: fmt.Sprintf(format, args...), Hint: hint}
}

// WrongType records that path holds a value of the wrong type.
func (t *Tree) WrongType(path, want string, got any) {
	t.Fail(path, "", "expected %s, got %s", want, TypeName(got))
}

// Table returns m[key] as a table, nil when absent.
func (t *Tree) Table(m map[string]any, key, path string) map[string]any {
	v, ok := m[key]
	if !ok || t.Err != nil {
		return nil
	}
	tb, ok := v.(map[string]any)
	if !ok {
		t.WrongType(path, "a table", v)
		return nil
	}
	return tb
}

// Str returns m[key] as a string, "" when absent.
func (t *Tree) Str(m map[string]any, key, path string) string {
	v, ok := m[key]
	if !ok || t.Err != nil {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		t.WrongType(path, "a string", v)
		return ""
	}
	return s
}

// Boolean returns m[key] as a bool, def when absent.
func (t *Tree) Boolean(m map[string]any, key, path string, def bool) bool {
	v, ok := m[key]
	if !ok || t.Err != nil {
		return def
	}
	b, ok := v.(bool)
	if !ok {
		t.WrongType(path, "a boolean", v)
		return def
	}
	return b
}

// StrList returns m[key] as an array of strings, nil when absent.
func (t *Tree) StrList(m map[string]any, key, path string) []string {
	v, ok := m[key]
	if !ok || t.Err != nil {
		return nil
	}
	return t.StrArray(v, path)
}

func (t *Tree) StrArray(v any, path string) []string {
	arr, ok := v.([]any)
	if !ok {
		t.WrongType(path, "an array of strings", v)
		return nil
	}
	out := make([]string, 0, len(arr))
	for i, e := range arr {
		s, ok := e.(string)
		if !ok {
			t.WrongType(Index(path, i), "a string", e)
			return nil
		}
		out = append(out, s)
	}
	return out
}

// StrOrList accepts a string or an array of strings.
func (t *Tree) StrOrList(m map[string]any, key, path string) []string {
	v, ok := m[key]
	if !ok || t.Err != nil {
		return nil
	}
	if s, ok := v.(string); ok {
		return []string{s}
	}
	if _, ok := v.([]any); !ok {
		t.WrongType(path, "a string or an array of strings", v)
		return nil
	}
	return t.StrArray(v, path)
}

// SortedKeys returns the keys of a TOML table in byte order, so that output
// built from unordered tables is deterministic.
func SortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// join appends key to a dotted TOML key path, quoting it unless it is a
// bare key.
// Join appends key to a dotted path, quoting it when it is not a bare key.
func Join(path, key string) string {
	if !isBareKey(key) {
		key = strconv.Quote(key)
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

// Index appends an array index to a path.
func Index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

func isBareKey(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '-' && r != '_' {
			return false
		}
	}
	return true
}

// typeName names the TOML type of a decoded value.
// TypeName names a decoded TOML value's type for error messages.
func TypeName(v any) string {
	switch v.(type) {
	case string:
		return "string"
	case int64:
		return "integer"
	case float64:
		return "float"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "table"
	case time.Time, toml.LocalDateTime:
		return "datetime"
	case toml.LocalDate:
		return "date"
	case toml.LocalTime:
		return "time"
	default:
		return fmt.Sprintf("%T", v)
	}
}
