package pyname

import "strings"

// Name is a Python project name as written by a user or a metadata file.
// Its Normalized form is what indexes, lock files and comparisons use.
type Name string

// Normalized returns the PEP 503 normalized form of n.
func (n Name) Normalized() string { return Normalize(string(n)) }

// Valid reports whether n matches the PEP 508 name grammar.
func (n Name) Valid() bool { return Valid(string(n)) }

// Normalize returns the PEP 503 normalized form of name: lowercase, with each
// run of '-', '_' and '.' replaced by a single '-'.
//
// Spec: https://packaging.python.org/en/latest/specifications/name-normalization/
// ("re.sub(r"[-_.]+", "-", name).lower()"). Lowercasing is ASCII-only, which
// is all a valid name can contain; other bytes pass through unchanged.
func Normalize(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	inRun := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == '-' || c == '_' || c == '.' {
			if !inRun {
				b.WriteByte('-')
				inRun = true
			}
			continue
		}
		inRun = false
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}

// Valid reports whether name is a valid project name under PEP 508:
// ^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$ matched case-insensitively.
//
// Spec: https://packaging.python.org/en/latest/specifications/name-normalization/#name-format
func Valid(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case isAlnum(c):
		case (c == '.' || c == '_' || c == '-') && i != 0 && i != len(name)-1:
		default:
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}
