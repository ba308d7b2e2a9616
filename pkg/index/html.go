package index

import (
	"fmt"
	"html"
	"net/url"
	"strings"
)

// ParseHTML parses a PEP 503 HTML project page served at pageURL, which must
// be absolute. It reads every anchor as a file, honouring
//
//   - the PEP 503 "#<hashname>=<hashvalue>" URL fragment,
//   - data-requires-python (PEP 503; HTML-escaped, unescaped here),
//   - data-yanked (PEP 592; present means yanked, the value is the reason),
//   - data-core-metadata, else data-dist-info-metadata (PEP 714, PEP 658):
//     "true" or "<hashname>=<hashvalue>",
//   - <meta name="pypi:repository-version"> (PEP 629),
//   - a <base href> element, which moves the base for relative URLs.
//
// The HTML reader is deliberately small: tags, quoted and unquoted
// attributes, comments, and raw text inside <script> and <style>.
// https://peps.python.org/pep-0503/#specification
func ParseHTML(data []byte, pageURL *url.URL) (*ProjectPage, error) {
	page := &ProjectPage{URL: pageURL.String(), Files: []File{}}
	base := pageURL
	sawBase := false
	s := string(data)
	for i := 0; i < len(s); {
		lt := strings.IndexByte(s[i:], '<')
		if lt < 0 {
			break
		}
		i += lt
		rest := s[i:]
		switch {
		case strings.HasPrefix(rest, "<!--"):
			i = skipPast(s, i+4, "-->")
			continue
		case strings.HasPrefix(rest, "</"), strings.HasPrefix(rest, "<!"), strings.HasPrefix(rest, "<?"):
			i = skipPast(s, i+1, ">")
			continue
		}
		t, next, ok := readTag(s, i)
		if !ok {
			i++
			continue
		}
		i = next
		switch t.name {
		case "script", "style":
			i = skipPastFold(s, i, "</"+t.name)
		case "base":
			if href, ok := t.attr("href"); ok && !sawBase {
				sawBase = true
				r, err := url.Parse(strings.TrimSpace(href))
				if err != nil {
					return nil, fmt.Errorf("parsing <base href=%q>: %w", href, err)
				}
				base = pageURL.ResolveReference(r)
			}
		case "meta":
			if name, _ := t.attr("name"); strings.EqualFold(name, "pypi:repository-version") {
				v, _ := t.attr("content")
				if err := checkAPIVersion(v); err != nil {
					return nil, err
				}
				page.APIVersion = v
			}
		case "a":
			f, ok, err := anchorFile(t, base)
			if err != nil {
				return nil, fmt.Errorf("parsing anchor %d: %w", len(page.Files), err)
			}
			if ok {
				page.Files = append(page.Files, f)
			}
		}
	}
	return page, nil
}

func anchorFile(t tag, base *url.URL) (File, bool, error) {
	href, ok := t.attr("href")
	if !ok || strings.TrimSpace(href) == "" {
		return File{}, false, nil
	}
	u, filename, err := resolveFile(base, href)
	if err != nil {
		return File{}, false, fmt.Errorf("href %q: %w", href, err)
	}
	f := File{Filename: filename, URL: withoutFragment(u), Hashes: map[string]string{}, Size: -1}
	if name, value, ok := parseHashFragment(u.Fragment); ok {
		f.Hashes[name] = value
	}
	f.RequiresPython, _ = t.attr("data-requires-python")
	f.YankedReason, f.Yanked = t.attr("data-yanked")
	meta, ok := t.attr("data-core-metadata")
	if !ok {
		meta, ok = t.attr("data-dist-info-metadata")
	}
	if ok {
		if strings.EqualFold(meta, "true") {
			f.CoreMetadata = true
		} else if name, value, ok := parseHashFragment(meta); ok {
			f.CoreMetadata = true
			f.CoreMetadataHashes = map[string]string{name: value}
		}
	}
	return f, true, nil
}

// tag is a start tag with its attributes, values unescaped. The first of
// several attributes with one name wins, as in HTML.
type tag struct {
	name  string
	attrs []attr
}

type attr struct{ name, value string }

func (t tag) attr(name string) (string, bool) {
	for _, a := range t.attrs {
		if a.name == name {
			return a.value, true
		}
	}
	return "", false
}

func isSpace(ch byte) bool {
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f'
}

func isLetter(ch byte) bool {
	return 'a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z'
}

// readTag reads the start tag at s[i] == '<' and returns it and the index
// just past its '>'. ok is false if s[i:] does not start a tag.
func readTag(s string, i int) (t tag, next int, ok bool) {
	j := i + 1
	if j >= len(s) || !isLetter(s[j]) {
		return tag{}, 0, false
	}
	for j < len(s) && !isSpace(s[j]) && s[j] != '/' && s[j] != '>' {
		j++
	}
	t.name = strings.ToLower(s[i+1 : j])
	for j < len(s) {
		for j < len(s) && (isSpace(s[j]) || s[j] == '/') {
			j++
		}
		if j >= len(s) {
			break
		}
		if s[j] == '>' {
			return t, j + 1, true
		}
		k := j
		for k < len(s) && !isSpace(s[k]) && s[k] != '/' && s[k] != '>' && (s[k] != '=' || k == j) {
			k++
		}
		name := strings.ToLower(s[j:k])
		j = k
		for j < len(s) && isSpace(s[j]) {
			j++
		}
		value := ""
		if j < len(s) && s[j] == '=' {
			j++
			for j < len(s) && isSpace(s[j]) {
				j++
			}
			if j < len(s) && (s[j] == '"' || s[j] == '\'') {
				q := s[j]
				end := strings.IndexByte(s[j+1:], q)
				if end < 0 {
					value, j = s[j+1:], len(s)
				} else {
					value, j = s[j+1:j+1+end], j+2+end
				}
			} else {
				k := j
				for k < len(s) && !isSpace(s[k]) && s[k] != '>' {
					k++
				}
				value, j = s[j:k], k
			}
		}
		if _, dup := t.attr(name); !dup {
			t.attrs = append(t.attrs, attr{name: name, value: html.UnescapeString(value)})
		}
	}
	// The document ended inside the tag: take what was read.
	return t, len(s), true
}

// skipPast returns the index just after the first end at or after i, or
// len(s).
func skipPast(s string, i int, end string) int {
	if i > len(s) {
		return len(s)
	}
	if k := strings.Index(s[i:], end); k >= 0 {
		return i + k + len(end)
	}
	return len(s)
}

// skipPastFold is skipPast with an ASCII case-insensitive end, which it
// leaves in place for the tag reader.
func skipPastFold(s string, i int, end string) int {
	for k := i; k+len(end) <= len(s); k++ {
		if asciiEqualFold(s[k:k+len(end)], end) {
			return k
		}
	}
	return len(s)
}

// asciiEqualFold is strings.EqualFold restricted to ASCII letters, so that
// byte offsets stay meaningful.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
