package pep440

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// Version is a parsed PEP 440 version. The zero value is not a valid version;
// obtain one from Parse or MustParse. Versions compare with Compare, which
// treats 1.0 and 1.0.0 as equal even though String keeps the release segment
// as written.
//
// Spec: https://packaging.python.org/en/latest/specifications/version-specifiers/#public-version-identifiers
type Version struct {
	epoch   int
	release []int
	pre     preTag // label 0 when absent
	post    optNum
	dev     optNum
	local   []localPart
}

// preTag is a pre-release segment; label is 'a', 'b' or 'c' (rc), 0 if absent.
type preTag struct {
	label byte
	n     int
}

type optNum struct {
	set bool
	n   int
}

// localPart is one dot-separated segment of a local version label, lowercased.
// Numeric segments are stored without leading zeros.
type localPart struct {
	s   string
	num bool
}

// Parse parses a version, accepting every spelling the spec's normalization
// rules allow (case, 'v' prefix, alternate pre/post/dev spellings and
// separators, implicit numbers, surrounding whitespace).
//
// Spec: https://packaging.python.org/en/latest/specifications/version-specifiers/#normalization
func Parse(s string) (Version, error) {
	p := versionParser{in: s}
	v, err := p.parse()
	if err != nil {
		return Version{}, err
	}
	return v, nil
}

// MustParse is like Parse but panics on error. It is meant for constants in
// tests and tables.
func MustParse(s string) Version {
	v, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return v
}

type versionParser struct {
	in  string
	pos int
}

func (p *versionParser) fail(msg string) error {
	return &ParseError{What: "version", Input: p.in, Pos: p.pos, Msg: msg}
}

func (p *versionParser) peek() byte {
	if p.pos < len(p.in) {
		return p.in[p.pos]
	}
	return 0
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isSep(c byte) bool { return c == '-' || c == '_' || c == '.' }

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// isSpace matches the whitespace Python's \s accepts in ASCII.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// hasPrefixFold reports whether the input at pos starts with the lowercase word w.
func (p *versionParser) hasPrefixFold(w string) bool {
	if len(p.in)-p.pos < len(w) {
		return false
	}
	for i := 0; i < len(w); i++ {
		if lower(p.in[p.pos+i]) != w[i] {
			return false
		}
	}
	return true
}

// number reads a run of digits; it reports false if there is none.
func (p *versionParser) number() (int, bool, error) {
	start := p.pos
	for p.pos < len(p.in) && isDigit(p.in[p.pos]) {
		p.pos++
	}
	if p.pos == start {
		return 0, false, nil
	}
	digits := strings.TrimLeft(p.in[start:p.pos], "0")
	if digits == "" {
		return 0, true, nil
	}
	n, err := strconv.Atoi(digits)
	if err != nil {
		p.pos = start
		return 0, false, p.fail("number too large")
	}
	return n, true, nil
}

// label tries the given spellings (longest first) at pos and consumes the match.
func (p *versionParser) label(spellings ...string) (string, bool) {
	for _, w := range spellings {
		if p.hasPrefixFold(w) {
			p.pos += len(w)
			return w, true
		}
	}
	return "", false
}

// parse follows the VERSION_PATTERN of the spec's appendix, one group at a time:
// v? (epoch!)? release (pre)? (post)? (dev)? (+local)?
func (p *versionParser) parse() (Version, error) {
	var v Version
	for p.pos < len(p.in) && isSpace(p.in[p.pos]) {
		p.pos++
	}
	if c := lower(p.peek()); c == 'v' {
		p.pos++
	}
	// Epoch and first release number share a leading digit run.
	n, ok, err := p.number()
	if err != nil {
		return v, err
	}
	if !ok {
		return v, p.fail("expected release number")
	}
	if p.peek() == '!' {
		p.pos++
		v.epoch = n
		if n, ok, err = p.number(); err != nil {
			return v, err
		} else if !ok {
			return v, p.fail("expected release number after epoch")
		}
	}
	v.release = append(v.release, n)
	for p.peek() == '.' && p.pos+1 < len(p.in) && isDigit(p.in[p.pos+1]) {
		p.pos++
		if n, _, err = p.number(); err != nil {
			return v, err
		}
		v.release = append(v.release, n)
	}
	if err := p.parsePre(&v); err != nil {
		return v, err
	}
	if err := p.parsePost(&v); err != nil {
		return v, err
	}
	if err := p.parseDev(&v); err != nil {
		return v, err
	}
	if p.peek() == '+' {
		p.pos++
		if err := p.parseLocal(&v); err != nil {
			return v, err
		}
	}
	end := p.pos
	for p.pos < len(p.in) && isSpace(p.in[p.pos]) {
		p.pos++
	}
	if p.pos != len(p.in) {
		// A separator is fine by itself; point at what follows it ("1.2.x").
		p.pos = end
		if isSep(p.in[end]) && end+1 < len(p.in) {
			p.pos++
		}
		return v, p.fail("invalid character")
	}
	return v, nil
}

// sepBefore consumes an optional separator if one of words follows it.
func (p *versionParser) sepBefore(words ...string) bool {
	save := p.pos
	if isSep(p.peek()) {
		p.pos++
	}
	for _, w := range words {
		if p.hasPrefixFold(w) {
			return true
		}
	}
	p.pos = save
	return false
}

// trailingNumber parses "[-_.]?[0-9]*" after a label. The separator may be
// present without digits, as the spec's regular expression allows ("1.0a-"),
// and a missing number means 0.
func (p *versionParser) trailingNumber() (int, error) {
	if isSep(p.peek()) {
		p.pos++
	}
	n, _, err := p.number()
	return n, err
}

func (p *versionParser) parsePre(v *Version) error {
	save := p.pos
	if !p.sepBefore("a", "b", "c", "rc", "pre") {
		return nil
	}
	w, ok := p.label("alpha", "beta", "preview", "pre", "rc", "a", "b", "c")
	if !ok {
		p.pos = save
		return nil
	}
	switch w {
	case "a", "alpha":
		v.pre.label = 'a'
	case "b", "beta":
		v.pre.label = 'b'
	default:
		v.pre.label = 'c'
	}
	n, err := p.trailingNumber()
	v.pre.n = n
	return err
}

func (p *versionParser) parsePost(v *Version) error {
	// Implicit post release: "-N".
	if p.peek() == '-' && p.pos+1 < len(p.in) && isDigit(p.in[p.pos+1]) {
		p.pos++
		n, _, err := p.number()
		v.post = optNum{set: true, n: n}
		return err
	}
	save := p.pos
	if !p.sepBefore("post", "rev", "r") {
		return nil
	}
	if _, ok := p.label("post", "rev", "r"); !ok {
		p.pos = save
		return nil
	}
	n, err := p.trailingNumber()
	v.post = optNum{set: true, n: n}
	return err
}

func (p *versionParser) parseDev(v *Version) error {
	save := p.pos
	if !p.sepBefore("dev") {
		return nil
	}
	if _, ok := p.label("dev"); !ok {
		p.pos = save
		return nil
	}
	n, err := p.trailingNumber()
	v.dev = optNum{set: true, n: n}
	return err
}

// parseLocal parses "[a-z0-9]+([-_.][a-z0-9]+)*".
func (p *versionParser) parseLocal(v *Version) error {
	for {
		start := p.pos
		for p.pos < len(p.in) && (isDigit(p.in[p.pos]) || ('a' <= lower(p.in[p.pos]) && lower(p.in[p.pos]) <= 'z')) {
			p.pos++
		}
		if p.pos == start {
			return p.fail("expected local version segment")
		}
		seg := strings.ToLower(p.in[start:p.pos])
		num := strings.Trim(seg, "0123456789") == ""
		if num {
			seg = strings.TrimLeft(seg, "0")
			if seg == "" {
				seg = "0"
			}
		}
		v.local = append(v.local, localPart{s: seg, num: num})
		if !isSep(p.peek()) {
			return nil
		}
		p.pos++
	}
}

// String returns the normalized form of v, as the spec's normalization rules
// and packaging's str(Version) produce it: N!R[{a|b|rc}N][.postN][.devN][+local].
func (v Version) String() string {
	var b strings.Builder
	if v.epoch != 0 {
		b.WriteString(strconv.Itoa(v.epoch))
		b.WriteByte('!')
	}
	for i, r := range v.release {
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(strconv.Itoa(r))
	}
	switch v.pre.label {
	case 'a', 'b':
		b.WriteByte(v.pre.label)
		b.WriteString(strconv.Itoa(v.pre.n))
	case 'c':
		b.WriteString("rc")
		b.WriteString(strconv.Itoa(v.pre.n))
	}
	if v.post.set {
		b.WriteString(".post")
		b.WriteString(strconv.Itoa(v.post.n))
	}
	if v.dev.set {
		b.WriteString(".dev")
		b.WriteString(strconv.Itoa(v.dev.n))
	}
	if l := v.Local(); l != "" {
		b.WriteByte('+')
		b.WriteString(l)
	}
	return b.String()
}

// IsZero reports whether v is the zero Version (not produced by Parse).
func (v Version) IsZero() bool { return len(v.release) == 0 }

// Epoch returns the epoch, 0 when none is written.
func (v Version) Epoch() int { return v.epoch }

// Release returns a copy of the release segment as written (1.0 stays [1 0]).
func (v Version) Release() []int { return slices.Clone(v.release) }

// IsPrerelease reports whether v has a pre-release or a development release
// segment, as packaging's Version.is_prerelease does.
func (v Version) IsPrerelease() bool { return v.pre.label != 0 || v.dev.set }

// IsPostrelease reports whether v has a post-release segment.
func (v Version) IsPostrelease() bool { return v.post.set }

// IsDevrelease reports whether v has a development release segment.
func (v Version) IsDevrelease() bool { return v.dev.set }

// Local returns the normalized local version label without '+', or "".
func (v Version) Local() string {
	parts := make([]string, len(v.local))
	for i, l := range v.local {
		parts[i] = l.s
	}
	return strings.Join(parts, ".")
}

// Public returns v without its local version label.
func (v Version) Public() Version {
	v.local = nil
	return v
}

// BaseVersion returns the epoch and release segment only (no pre, post, dev
// or local), like packaging's Version.base_version.
func (v Version) BaseVersion() Version {
	return Version{epoch: v.epoch, release: v.release}
}

// Compare returns -1, 0 or +1 as a sorts before, equal to or after b under the
// spec's ordering rules (packaging's _cmpkey): epoch, release with trailing
// zeros ignored, then pre, post, dev and local segments, where a dev release
// without pre or post sorts before every pre-release of its release.
//
// Spec: https://packaging.python.org/en/latest/specifications/version-specifiers/#summary-of-permitted-suffixes-and-relative-ordering
func Compare(a, b Version) int {
	if c := cmp.Compare(a.epoch, b.epoch); c != 0 {
		return c
	}
	if c := compareRelease(a.release, b.release); c != 0 {
		return c
	}
	if c := cmpKey(a.preKey(), b.preKey()); c != 0 {
		return c
	}
	if c := cmpKey(a.postKey(), b.postKey()); c != 0 {
		return c
	}
	if c := cmpKey(a.devKey(), b.devKey()); c != 0 {
		return c
	}
	return compareLocal(a.local, b.local)
}

// Equal reports whether Compare(v, o) == 0.
func (v Version) Equal(o Version) bool { return Compare(v, o) == 0 }

func compareRelease(a, b []int) int {
	for i := 0; i < max(len(a), len(b)); i++ {
		var x, y int
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if c := cmp.Compare(x, y); c != 0 {
			return c
		}
	}
	return 0
}

// key is a (rank, number) pair; ranks order absent segments before or after
// present ones as the spec requires.
type key struct{ rank, n int }

func cmpKey(a, b key) int {
	if c := cmp.Compare(a.rank, b.rank); c != 0 {
		return c
	}
	return cmp.Compare(a.n, b.n)
}

func (v Version) preKey() key {
	switch {
	case v.pre.label == 0 && !v.post.set && v.dev.set:
		return key{rank: -1} // 1.0.dev0 sorts before 1.0a0
	case v.pre.label == 0:
		return key{rank: 10} // a final release sorts after its pre-releases
	}
	return key{rank: rankOfLabel(v.pre.label), n: v.pre.n}
}

func rankOfLabel(l byte) int {
	switch l {
	case 'a':
		return 1
	case 'b':
		return 2
	}
	return 3
}

func (v Version) postKey() key {
	if !v.post.set {
		return key{rank: -1} // no post release sorts before any post release
	}
	return key{n: v.post.n}
}

func (v Version) devKey() key {
	if !v.dev.set {
		return key{rank: 1} // no dev release sorts after any dev release
	}
	return key{n: v.dev.n}
}

func compareLocal(a, b []localPart) int {
	for i := 0; i < min(len(a), len(b)); i++ {
		x, y := a[i], b[i]
		switch {
		case x.num && y.num:
			if c := cmp.Compare(len(x.s), len(y.s)); c != 0 {
				return c
			}
			if c := strings.Compare(x.s, y.s); c != 0 {
				return c
			}
		case x.num:
			return 1 // numeric segments sort after alphanumeric ones
		case y.num:
			return -1
		default:
			if c := strings.Compare(x.s, y.s); c != 0 {
				return c
			}
		}
	}
	return cmp.Compare(len(a), len(b))
}
