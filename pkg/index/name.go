package index

import "strings"

// normalizeName implements PEP 503 "Normalized Names":
// re.sub(r"[-_.]+", "-", name).lower().
// https://peps.python.org/pep-0503/#normalized-names
func normalizeName(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	sep := false
	for i := 0; i < len(name); i++ {
		ch := name[i]
		if ch == '-' || ch == '_' || ch == '.' {
			sep = true
			continue
		}
		if sep {
			b.WriteByte('-')
			sep = false
		}
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		b.WriteByte(ch)
	}
	if sep {
		b.WriteByte('-')
	}
	return b.String()
}

// validName reports whether name is a valid project name per PEP 508
// ("Names"): ^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$, case-insensitively.
// https://peps.python.org/pep-0508/#names
func validName(name string) bool {
	if name == "" {
		return false
	}
	alnum := func(ch byte) bool {
		return 'a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9'
	}
	if !alnum(name[0]) || !alnum(name[len(name)-1]) {
		return false
	}
	for i := 0; i < len(name); i++ {
		if ch := name[i]; !alnum(ch) && ch != '.' && ch != '_' && ch != '-' {
			return false
		}
	}
	return true
}
