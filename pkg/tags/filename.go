package tags

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"
)

// ErrInvalidFilename is matched (errors.Is) by every error ParseWheelFilename
// and ParseSdistFilename return.
var ErrInvalidFilename = errors.New("invalid distribution filename")

type filenameError struct {
	kind     string // "wheel" or "sdist"
	filename string
	reason   string
	err      error
}

func (e *filenameError) Error() string {
	msg := fmt.Sprintf("parsing %s filename %q: %s", e.kind, e.filename, e.reason)
	if e.err != nil {
		msg += ": " + e.err.Error()
	}
	return msg
}

func (e *filenameError) Is(target error) bool { return target == ErrInvalidFilename }
func (e *filenameError) Unwrap() error        { return e.err }

// WheelFilename is a parsed wheel filename.
type WheelFilename struct {
	// Name is the project name normalised per PEP 503 ("Foo_Bar" becomes
	// "foo-bar"); compare names with it.
	Name string
	// RawName is the project name exactly as written in the filename.
	RawName string
	// Version is the version as written; it is a valid PEP 440 version but is
	// not normalised.
	Version string
	// Build is the optional build tag ("" when absent); it starts with a digit.
	Build string
	// Tags is the expanded compressed tag set, in the order ParseTag gives.
	Tags []Tag
}

// ParseWheelFilename parses a wheel filename per "File name convention" of
// the binary distribution format specification (PEP 427):
//
//	{distribution}-{version}(-{build tag})?-{python tag}-{abi tag}-{platform tag}.whl
//
// It accepts what packaging.utils.parse_wheel_filename (23.0) accepts, with
// these additions to what it rejects: an empty project name, and the tag
// forms ParseTag rejects. The version must be a valid PEP 440 version.
func ParseWheelFilename(s string) (WheelFilename, error) {
	fail := func(reason string, err error) (WheelFilename, error) {
		return WheelFilename{}, &filenameError{kind: "wheel", filename: s, reason: reason, err: err}
	}
	stem, ok := strings.CutSuffix(s, ".whl")
	if !ok {
		return fail(`extension must be ".whl"`, nil)
	}
	// "Each component of the filename is escaped by replacing runs of
	// non-alphanumeric characters with an underscore", so the dashes separate
	// exactly 5 or 6 components.
	dashes := strings.Count(stem, "-")
	if dashes != 4 && dashes != 5 {
		return fail(fmt.Sprintf("want name-version[-build]-python-abi-platform.whl, got %d dash-separated parts", dashes+1), nil)
	}
	parts := strings.Split(stem, "-")
	w := WheelFilename{RawName: parts[0], Version: parts[1]}
	if err := checkWheelName(w.RawName); err != nil {
		return fail(err.Error(), nil)
	}
	w.Name = normalizeName(w.RawName)
	if !isPEP440(w.Version) {
		return fail(fmt.Sprintf("invalid version %q", w.Version), nil)
	}
	if dashes == 5 {
		w.Build = parts[2]
		// "Must start with a digit."
		if w.Build == "" || w.Build[0] < '0' || w.Build[0] > '9' {
			return fail(fmt.Sprintf("invalid build tag %q (must start with a digit)", w.Build), nil)
		}
	}
	tagStr := strings.Join(parts[len(parts)-3:], "-")
	tags, err := ParseTag(tagStr)
	if err != nil {
		return fail("invalid tags", err)
	}
	w.Tags = tags
	return w, nil
}

// checkWheelName applies packaging's rule for the distribution component:
// word characters, digits, '.' and '_' only, and no "__" run (PEP 427:
// runs of other characters become a single '_').
func checkWheelName(name string) error {
	if name == "" {
		return errors.New("empty project name")
	}
	if strings.Contains(name, "__") {
		return fmt.Errorf("invalid project name %q (contains \"__\")", name)
	}
	for _, r := range name {
		if !isNameRune(r) {
			return fmt.Errorf("invalid project name %q (character %q not allowed)", name, r)
		}
	}
	return nil
}

func isNameRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || r == '_' || r == '.'
}

// String returns the canonical filename for w, built from RawName, Version,
// Build and Tags (the tag set is written compressed only when it is a full
// cross product, as ParseTag would expand it back).
func (w WheelFilename) String() string {
	var b strings.Builder
	b.WriteString(w.RawName)
	b.WriteString("-")
	b.WriteString(w.Version)
	if w.Build != "" {
		b.WriteString("-")
		b.WriteString(w.Build)
	}
	b.WriteString("-")
	b.WriteString(compressTags(w.Tags))
	b.WriteString(".whl")
	return b.String()
}

// compressTags writes tags as one compressed set when they form a full
// cross product in ParseTag order, and otherwise the first tag only.
func compressTags(ts []Tag) string {
	if len(ts) == 0 {
		return "--"
	}
	var sets [3][]string
	seen := [3]map[string]bool{{}, {}, {}}
	for _, t := range ts {
		for i, v := range [3]string{t.Interpreter, t.ABI, t.Platform} {
			if !seen[i][v] {
				seen[i][v] = true
				sets[i] = append(sets[i], v)
			}
		}
	}
	s := strings.Join(sets[0], ".") + "-" + strings.Join(sets[1], ".") + "-" + strings.Join(sets[2], ".")
	if back, err := ParseTag(s); err == nil && tagsEqual(back, ts) {
		return s
	}
	return ts[0].String()
}

func tagsEqual(a, b []Tag) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// sdistExtensions are the archive suffixes ParseSdistFilename accepts: the
// two of the source distribution format specification first, then legacy
// ones still found on PyPI.
var sdistExtensions = []string{".tar.gz", ".zip", ".tar.bz2", ".tgz"}

// ParseSdistFilename parses a source distribution filename per "Source
// distribution file name" of the source distribution format specification:
// {name}-{version}.tar.gz, also accepting .zip and the legacy .tar.bz2 and
// .tgz. The split is at the last '-', since a PEP 440 version holds none.
// The name is returned normalised per PEP 503; the version as written, and it
// must be a valid PEP 440 version.
func ParseSdistFilename(s string) (name, version string, err error) {
	fail := func(reason string) (string, string, error) {
		return "", "", &filenameError{kind: "sdist", filename: s, reason: reason}
	}
	stem := ""
	found := false
	for _, ext := range sdistExtensions {
		if st, ok := strings.CutSuffix(s, ext); ok {
			stem, found = st, true
			break
		}
	}
	if !found {
		return fail(`extension must be ".tar.gz" or ".zip" (or legacy ".tar.bz2" or ".tgz")`)
	}
	i := strings.LastIndex(stem, "-")
	if i < 0 {
		return fail("want name-version, found no '-'")
	}
	rawName, version := stem[:i], stem[i+1:]
	if rawName == "" {
		return fail("empty project name")
	}
	if !isPEP440(version) {
		return fail(fmt.Sprintf("invalid version %q", version))
	}
	return normalizeName(rawName), version, nil
}

var nameSeparators = regexp.MustCompile(`[-_.]+`)

// normalizeName is PEP 503 name normalisation: runs of -, _ and . become one
// '-', and the result is lower case.
func normalizeName(name string) string {
	return strings.ToLower(nameSeparators.ReplaceAllString(name, "-"))
}

// pep440Pattern is the version pattern of PEP 440 Appendix B ("Parsing
// version strings with regular expressions"), used here only to validate;
// surrounding whitespace, which packaging tolerates, is rejected.
var pep440Pattern = regexp.MustCompile(`(?i)^v?` +
	`(?:[0-9]+!)?` + // epoch
	`[0-9]+(?:\.[0-9]+)*` + // release
	`(?:[-_.]?(?:a|b|c|rc|alpha|beta|pre|preview)[-_.]?[0-9]*)?` + // pre
	`(?:-[0-9]+|[-_.]?(?:post|rev|r)[-_.]?[0-9]*)?` + // post
	`(?:[-_.]?dev[-_.]?[0-9]*)?` + // dev
	`(?:\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?$`) // local

func isPEP440(v string) bool { return pep440Pattern.MatchString(v) }

// CompareBuildTags orders two wheel build tags as pip does when it breaks a
// tie between equally ranked wheels: no build tag sorts before any build tag;
// otherwise the leading decimal numbers compare numerically, then the rest
// compares as a string. It returns -1, 0 or +1.
func CompareBuildTags(a, b string) int {
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return -1
	case b == "":
		return 1
	}
	an, as := splitBuild(a)
	bn, bs := splitBuild(b)
	if c := compareDecimal(an, bn); c != 0 {
		return c
	}
	return strings.Compare(as, bs)
}

// splitBuild splits a build tag into its leading digits and the rest.
func splitBuild(s string) (digits, rest string) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i], s[i:]
}

// compareDecimal compares two strings of ASCII digits by numeric value,
// whatever their length.
func compareDecimal(a, b string) int {
	a = strings.TrimLeft(a, "0")
	b = strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}
