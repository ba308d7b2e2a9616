package pep440

import (
	"errors"
	"regexp"
	"strings"
)

// Constraint is a Poetry version constraint as written in pyproject.toml
// dependencies and in poetry.lock "python-versions": a union (|| or |) of
// intersections (comma or space) of clauses. It follows poetry-core's
// constraints/version/parser.py, including Poetry's own meanings of "^", "~"
// and "~=" and its treatment of exclusive bounds; it is not a PEP 440
// specifier set. Contains applies no pre-release policy of its own.
type Constraint struct {
	src   string
	union [][]clause // OR of AND groups; an empty group allows everything
}

// clause is one parsed clause: a union of ranges, most often exactly one.
type clause struct {
	text   string // canonical text for String
	ranges []vrange
}

// vrange is poetry-core's VersionRange, or a single Version when exact is set.
type vrange struct {
	exact          *Version
	min, max       *Version
	incMin, incMax bool
}

var orSplit = regexp.MustCompile(`\s*\|\|?\s*`)

// ParsePoetryConstraint parses a Poetry constraint such as "^1.2", "~1.2.3",
// ">=3.8,<4.0", ">=2.7, !=3.0.*" or "^2.7 || ^3.6". "*" allows everything.
//
// Source of the semantics: poetry-core src/poetry/core/constraints/version/
// parser.py (parse_constraint, parse_single_constraint).
func ParsePoetryConstraint(s string) (Constraint, error) {
	c := Constraint{src: s}
	trimmed := strings.TrimSpace(s)
	lead := strings.Index(s, trimmed)
	if trimmed == "*" {
		c.union = [][]clause{nil}
		return c, nil
	}
	bounds := orSplit.FindAllStringIndex(trimmed, -1)
	start := 0
	for i := 0; i <= len(bounds); i++ {
		end := len(trimmed)
		if i < len(bounds) {
			end = bounds[i][0]
		}
		group, err := parseAndGroup(s, lead+start, trimmed[start:end])
		if err != nil {
			return Constraint{}, err
		}
		c.union = append(c.union, group)
		if i < len(bounds) {
			start = bounds[i][1]
		}
	}
	return c, nil
}

// parseAndGroup splits one alternative into clauses the way poetry-core's
// regular expression does: on a comma or space, unless it follows an
// operator (">= 1.0" is one clause) or touches a '-'.
func parseAndGroup(input string, off int, part string) ([]clause, error) {
	// Poetry tolerates trailing commas: constraints.rstrip(",").rstrip().
	part = strings.TrimRightFunc(strings.TrimRight(part, ","), isSpaceRune)
	var group []clause
	start := 0
	for i := 0; i < len(part); {
		if part[i] != ' ' && part[i] != ',' {
			i++
			continue
		}
		j := i
		commas := 0
		for j < len(part) && (part[j] == ' ' || part[j] == ',') {
			if part[j] == ',' {
				commas++
			}
			j++
		}
		split := i > 0 && j < len(part) && commas <= 1 &&
			!strings.ContainsRune("^~=><-", rune(part[i-1])) && part[j] != '-'
		if split {
			cl, err := parseClause(input, off+start, part[start:i])
			if err != nil {
				return nil, err
			}
			group = append(group, cl)
			start = j
		}
		i = j
	}
	cl, err := parseClause(input, off+start, part[start:])
	if err != nil {
		return nil, err
	}
	return append(group, cl), nil
}

func isSpaceRune(r rune) bool { return r < 0x80 && isSpace(byte(r)) }

var (
	anyClause = regexp.MustCompile(`(?i)^v?[x*](\.[x*])*$`)
	// Poetry before poetry-core 2 (#770) also read "3.10.x" as "3.10.*", and
	// lock files written then still carry it, so 'x' is accepted here.
	xClause = regexp.MustCompile(`^(!=|==)?\s*v?(\d+(?:\.\d+)?(?:\.\d+)?)(?:\.[xX*])+$`)
	basicOp = regexp.MustCompile(`^(<>|!=|>=?|<=?|==?)?\s*`)
)

// parseClause is poetry-core's parse_single_constraint, in its order: any,
// tilde, PEP 440 tilde, caret, X-range, basic comparison.
func parseClause(input string, off int, text string) (clause, error) {
	fail := func(pos int, msg string) (clause, error) {
		return clause{}, &ParseError{What: "constraint", Input: input, Pos: off + pos, Msg: msg}
	}
	version := func(pos int, s string) (Version, error) {
		v, err := Parse(s)
		var pe *ParseError
		if errors.As(err, &pe) {
			return v, &ParseError{What: "constraint", Input: input, Pos: off + pos + pe.Pos, Msg: pe.Msg}
		}
		return v, err
	}
	afterOp := func(n int) int {
		for n < len(text) && isSpace(text[n]) {
			n++
		}
		return n
	}
	switch {
	case text == "":
		return fail(0, "empty constraint")
	case anyClause.MatchString(text):
		return clause{text: "*"}, nil
	case strings.HasPrefix(text, "~="):
		// PEP 440 tilde as Poetry reads it: two release segments bump the
		// major version, any other count bumps the minor one.
		p := afterOp(2)
		v, err := version(p, text[p:])
		if err != nil {
			return clause{}, err
		}
		high := nextMinor(v)
		if len(v.release) == 2 {
			high = nextMajor(v)
		}
		return rangeClause(vrange{min: &v, max: &high, incMin: true}), nil
	case strings.HasPrefix(text, "~"):
		// Tilde: "~1" allows >=1,<2; "~1.2" and "~1.2.3" bump the minor version.
		p := afterOp(1)
		v, err := version(p, text[p:])
		if err != nil {
			return clause{}, err
		}
		high := nextMinor(v)
		if len(v.release) == 1 {
			high = nextMajor(v)
		}
		return rangeClause(vrange{min: &v, max: &high, incMin: true}), nil
	case strings.HasPrefix(text, "^"):
		p := afterOp(1)
		v, err := version(p, text[p:])
		if err != nil {
			return clause{}, err
		}
		high := nextBreaking(v)
		return rangeClause(vrange{min: &v, max: &high, incMin: true}), nil
	}
	if m := xClause.FindStringSubmatchIndex(text); m != nil {
		v, err := version(m[4], text[m[4]:m[5]])
		if err != nil {
			return clause{}, err
		}
		return wildcardClause(v, m[2] >= 0 && text[m[2]:m[3]] == "!="), nil
	}
	m := basicOp.FindStringSubmatchIndex(text)
	op := ""
	if m[2] >= 0 {
		op = text[m[2]:m[3]]
	}
	p := m[1]
	body := text[p:]
	wildcard := strings.HasSuffix(body, ".*")
	if wildcard {
		body = strings.TrimSuffix(body, ".*")
	}
	if op == "<>" {
		return clause{}, &ParseError{What: "constraint", Input: input, Pos: off, Msg: "operator \"<>\" is not supported", Hint: "write != instead"}
	}
	if strings.EqualFold(body, "dev") {
		body = "0.0.dev0"
	}
	v, err := version(p, body)
	if err != nil {
		return clause{}, err
	}
	switch op {
	case "<":
		return rangeClause(vrange{max: &v}), nil
	case "<=":
		return rangeClause(vrange{max: &v, incMax: true}), nil
	case ">":
		return rangeClause(vrange{min: &v}), nil
	case ">=":
		return rangeClause(vrange{min: &v, incMin: true}), nil
	}
	if wildcard {
		return wildcardClause(v, op == "!="), nil
	}
	if op == "!=" {
		return clause{text: "!=" + v.String(), ranges: []vrange{{max: &v}, {min: &v}}}, nil
	}
	return clause{text: v.String(), ranges: []vrange{{exact: &v}}}, nil
}

func rangeClause(r vrange) clause {
	return clause{text: r.String(), ranges: []vrange{r}}
}

// wildcardClause is poetry-core's _make_x_constraint_range outside markers:
// [v.dev0, next.dev0), or its complement for "!=".
func wildcardClause(v Version, invert bool) clause {
	var next Version
	switch {
	case v.post.set:
		next = Version{epoch: v.epoch, release: v.release, pre: v.pre, post: v.post}
		if !v.dev.set {
			next.post.n++
		}
	case !v.IsPrerelease(): // stable
		next = Version{epoch: v.epoch, release: bumpLast(v.release), local: v.local}
	case v.pre.label != 0:
		next = Version{epoch: v.epoch, release: v.release, pre: v.pre}
		if !v.dev.set {
			next.pre.n++
		}
	default: // dev release
		next = Version{epoch: v.epoch, release: v.release, pre: v.pre, post: v.post, dev: optNum{set: true, n: v.dev.n + 1}}
	}
	lo := firstDev(v)
	hi := next
	if !hi.dev.set {
		hi = firstDev(next)
	}
	if invert {
		return clause{text: "!=" + v.String() + ".*", ranges: []vrange{{max: &lo}, {min: &hi, incMin: true}}}
	}
	return clause{text: "==" + v.String() + ".*", ranges: []vrange{{min: &lo, max: &hi, incMin: true}}}
}

// firstDev is poetry's first_devrelease: v with dev0 and without local.
func firstDev(v Version) Version {
	return Version{epoch: v.epoch, release: v.release, pre: v.pre, post: v.post, dev: optNum{set: true}}
}

// bumpLast is poetry's Release.next: bump the last written segment.
func bumpLast(r []int) []int {
	out := make([]int, len(r))
	copy(out, r)
	out[len(out)-1]++
	return out
}

// bump increments release segment idx of v and zeroes the ones after it,
// keeping v's precision but adding missing segments up to idx (Poetry's
// Release.next_major/next_minor/next_patch). Only the epoch is kept.
func bump(v Version, idx int) Version {
	r := v.release
	n := max(len(r), idx+1)
	out := make([]int, n)
	copy(out, r)
	out[idx]++
	for i := idx + 1; i < n; i++ {
		out[i] = 0
	}
	return Version{epoch: v.epoch, release: out}
}

// nextMajor, nextMinor and nextPatch are poetry's next_* on the stable form
// of v: bump one release segment, zero those after it, keep the precision
// (a missing minor or patch that must be bumped is added).
func nextMajor(v Version) Version { return bump(v, 0) }
func nextMinor(v Version) Version { return bump(v, 1) }
func nextPatch(v Version) Version { return bump(v, 2) }

// nextBreaking is poetry's Version.next_breaking, the caret's upper bound:
// the first non-zero of major, minor, patch is bumped (precision permitting).
func nextBreaking(v Version) Version {
	r := v.release
	switch {
	case r[0] > 0 || len(r) < 2:
		return nextMajor(v)
	case r[1] > 0 || len(r) < 3:
		return nextMinor(v)
	}
	return nextPatch(v)
}

// Contains reports whether v satisfies the constraint, as poetry-core's
// VersionConstraint.allows does.
func (c Constraint) Contains(v Version) bool {
	for _, group := range c.union {
		if groupAllows(group, v) {
			return true
		}
	}
	return false
}

func groupAllows(group []clause, v Version) bool {
	for _, cl := range group {
		if cl.text == "*" {
			continue
		}
		ok := false
		for _, r := range cl.ranges {
			if r.allows(v) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// IsAny reports whether the constraint allows every version.
func (c Constraint) IsAny() bool {
	for _, g := range c.union {
		all := true
		for _, cl := range g {
			if cl.text != "*" {
				all = false
			}
		}
		if all {
			return true
		}
	}
	return false
}

// String returns a canonical form that re-parses to the same constraint:
// carets and tildes expanded to ranges (">=1.2,<2.0"), clauses joined by
// ",", alternatives by " || ".
func (c Constraint) String() string {
	alts := make([]string, len(c.union))
	for i, g := range c.union {
		parts := make([]string, 0, len(g))
		for _, cl := range g {
			if cl.text != "*" || len(g) == 1 {
				parts = append(parts, cl.text)
			}
		}
		if len(parts) == 0 {
			parts = append(parts, "*")
		}
		alts[i] = strings.Join(parts, ",")
	}
	return strings.Join(alts, " || ")
}

func (r vrange) String() string {
	if r.exact != nil {
		return r.exact.String()
	}
	var parts []string
	if r.min != nil {
		op := ">"
		if r.incMin {
			op = ">="
		}
		parts = append(parts, op+r.min.String())
	}
	if r.max != nil {
		op := "<"
		if r.incMax {
			op = "<="
		}
		parts = append(parts, op+r.max.String())
	}
	if len(parts) == 0 {
		return "*"
	}
	return strings.Join(parts, ",")
}

// allows is poetry-core's Version.allows and VersionRange.allows, including
// the exclusive-bound rules: ">V" does not allow post or local releases of V
// and "<V" (V stable) does not allow V's pre- or dev releases.
func (r vrange) allows(v Version) bool {
	if r.exact != nil {
		if r.exact.local == nil {
			v = v.Public()
		}
		return Compare(*r.exact, v) == 0
	}
	if r.min != nil {
		o := v
		if !r.incMin && !r.min.post.set && o.post.set {
			o.post, o.dev = optNum{}, optNum{} // without_postrelease
		}
		if r.min.local == nil && o.local != nil {
			o = o.Public()
		}
		if Compare(o, *r.min) < 0 {
			return false
		}
		if !r.incMin && Compare(o, *r.min) == 0 {
			return false
		}
	}
	if r.max != nil {
		this := r.allowedMax()
		o := v
		if this.local == nil && o.local != nil {
			o = o.Public()
		}
		if Compare(o, this) > 0 {
			return false
		}
		if !r.incMax && (Compare(o, *r.max) == 0 || Compare(o, this) == 0) {
			return false
		}
	}
	return true
}

// allowedMax is poetry-core's VersionRangeConstraint.allowed_max.
func (r vrange) allowedMax() Version {
	m := *r.max
	if r.incMax || m.IsPrerelease() {
		return m
	}
	if r.min != nil && Compare(*r.min, m) == 0 && r.incMin {
		return m
	}
	return firstDev(m)
}
