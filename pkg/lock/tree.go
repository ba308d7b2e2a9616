package lock

import (
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/pelletier/go-toml/v2"
)

// tree walks a decoded TOML document and records the first type error with
// the key path that caused it. After an error every accessor returns zero
// values, so callers check t.err once at the end.
type tree struct {
	file string
	err  error
}

func (t *tree) fail(path, hint, format string, args ...any) {
	if t.err != nil {
		return
	}
	if hint == "" {
		hint = fmt.Sprintf("correct %s in %s", path, t.file)
	}
	t.err = &FieldError{File: t.file, Path: path, Msg: fmt.Sprintf(format, args...), Hint: hint}
}

func (t *tree) wrongType(path, want string, got any) {
	t.fail(path, "", "expected %s, got %s", want, typeName(got))
}

// table returns m[key] as a table, nil when absent.
func (t *tree) table(m map[string]any, key, path string) map[string]any {
	v, ok := m[key]
	if !ok || t.err != nil {
		return nil
	}
	tb, ok := v.(map[string]any)
	if !ok {
		t.wrongType(path, "a table", v)
		return nil
	}
	return tb
}

// str returns m[key] as a string, "" when absent.
func (t *tree) str(m map[string]any, key, path string) string {
	v, ok := m[key]
	if !ok || t.err != nil {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		t.wrongType(path, "a string", v)
		return ""
	}
	return s
}

// boolean returns m[key] as a bool, def when absent.
func (t *tree) boolean(m map[string]any, key, path string, def bool) bool {
	v, ok := m[key]
	if !ok || t.err != nil {
		return def
	}
	b, ok := v.(bool)
	if !ok {
		t.wrongType(path, "a boolean", v)
		return def
	}
	return b
}

// strList returns m[key] as an array of strings, nil when absent.
func (t *tree) strList(m map[string]any, key, path string) []string {
	v, ok := m[key]
	if !ok || t.err != nil {
		return nil
	}
	return t.strArray(v, path)
}

func (t *tree) strArray(v any, path string) []string {
	arr, ok := v.([]any)
	if !ok {
		t.wrongType(path, "an array of strings", v)
		return nil
	}
	out := make([]string, 0, len(arr))
	for i, e := range arr {
		s, ok := e.(string)
		if !ok {
			t.wrongType(index(path, i), "a string", e)
			return nil
		}
		out = append(out, s)
	}
	return out
}

// sortedKeys returns the keys of a TOML table in byte order, so that output
// built from unordered tables is deterministic.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// join appends key to a dotted TOML key path, quoting it unless it is a
// bare key.
func join(path, key string) string {
	if !isBareKey(key) {
		key = strconv.Quote(key)
	}
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

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
func typeName(v any) string {
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
