package pep440

import (
	"errors"
	"slices"
	"strings"
	"unicode"
)

// Operator is a version specifier's comparison operator.
type Operator string

// The operators of the version specifier grammar.
const (
	OpCompatible Operator = "~="
	OpEqual      Operator = "=="
	OpNotEqual   Operator = "!="
	OpLessEq     Operator = "<="
	OpGreaterEq  Operator = ">="
	OpLess       Operator = "<"
	OpGreater    Operator = ">"
	OpArbitrary  Operator = "==="
)

// operators in the order a longest match must try them.
var operators = []Operator{OpArbitrary, OpCompatible, OpEqual, OpNotEqual, OpLessEq, OpGreaterEq, OpLess, OpGreater}

// Specifier is one clause of a specifier set, such as ">=1.0" or "==2.1.*".
//
// Spec: https://packaging.python.org/en/latest/specifications/version-specifiers/#version-specifiers
type Specifier struct {
	Op Operator
	// Version is the version text as written, whitespace trimmed; for "=="
	// and "!=" it may end in ".*", for "===" it is any string.
	Version string

	v        Version // parsed Version (release prefix for wildcards); zero for "==="
	wildcard bool
}

// Specifiers is a comma-separated set of specifiers; a version is contained
// when every clause contains it. The empty set contains every version.
type Specifiers []Specifier

// ParseSpecifiers parses a comma-separated specifier set such as
// ">=1.0,!=1.3.*,<2". Empty clauses are ignored, as packaging ignores them.
func ParseSpecifiers(s string) (Specifiers, error) {
	var out Specifiers
	off := 0
	for _, part := range strings.Split(s, ",") {
		start := off
		off += len(part) + 1
		if strings.TrimSpace(part) == "" {
			continue
		}
		spec, err := parseSpecifier(part)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				return nil, err
			}
			return nil, &ParseError{What: "specifier", Input: s, Pos: start + pe.Pos, Msg: pe.Msg}
		}
		out = append(out, spec)
	}
	return out, nil
}

// ParseSpecifier parses a single specifier clause such as "~=1.4.2".
func ParseSpecifier(s string) (Specifier, error) { return parseSpecifier(s) }

func parseSpecifier(s string) (Specifier, error) {
	fail := func(pos int, msg string) (Specifier, error) {
		return Specifier{}, &ParseError{What: "specifier", Input: s, Pos: pos, Msg: msg}
	}
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	var op Operator
	for _, o := range operators {
		if strings.HasPrefix(s[i:], string(o)) {
			op = o
			break
		}
	}
	if op == "" {
		return fail(i, "expected one of ~= == != <= >= < > ===")
	}
	i += len(op)
	text := strings.TrimSpace(s[i:])
	vpos := i
	for vpos < len(s) && isSpace(s[vpos]) {
		vpos++
	}
	spec := Specifier{Op: op, Version: text}
	if op == OpArbitrary {
		// Arbitrary equality takes any string without whitespace, ';' or ')'.
		if j := strings.IndexAny(text, " \t\n\r\f\v;)"); j >= 0 {
			return fail(vpos+j, "invalid character in arbitrary version")
		}
		return spec, nil
	}
	if text == "" {
		return fail(vpos, "expected version")
	}
	body := text
	if (op == OpEqual || op == OpNotEqual) && strings.HasSuffix(text, ".*") {
		spec.wildcard = true
		body = strings.TrimSuffix(text, ".*")
		if t := strings.TrimRightFunc(body, unicode.IsSpace); len(t) != len(body) {
			return fail(vpos+len(t), "whitespace before \".*\"")
		}
	}
	v, err := Parse(body)
	if err != nil {
		var pe *ParseError
		if !errors.As(err, &pe) {
			return Specifier{}, err
		}
		return fail(vpos+pe.Pos, pe.Msg)
	}
	spec.v = v
	switch {
	case spec.wildcard && (v.pre.label != 0 || v.post.set || v.dev.set || v.local != nil):
		return fail(vpos, "prefix match \".*\" allows only a release segment")
	case op == OpCompatible && len(v.release) < 2:
		return fail(vpos, "\"~=\" needs at least two release segments")
	case v.local != nil && op != OpEqual && op != OpNotEqual:
		return fail(vpos+strings.IndexByte(body, '+'), "local version label allowed only with == and !=")
	}
	return spec, nil
}

// String returns the operator followed by the version as written.
func (s Specifier) String() string { return string(s.Op) + s.Version }

// String returns the clauses sorted and joined by commas, as packaging's
// str(SpecifierSet) does; identical clauses are written once.
func (ss Specifiers) String() string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = s.String()
	}
	slices.Sort(parts)
	return strings.Join(slices.Compact(parts), ",")
}

// Prereleases reports whether the set mentions a pre-release in an inclusive
// clause (==, >=, <=, ~=, ===), which the spec says implies that
// pre-releases are acceptable. Callers resolving with the default policy
// pass it as Contains's allowPrereleases.
//
// Spec: https://packaging.python.org/en/latest/specifications/version-specifiers/#handling-of-pre-releases
func (ss Specifiers) Prereleases() bool {
	for _, s := range ss {
		switch s.Op {
		case OpEqual, OpGreaterEq, OpLessEq, OpCompatible:
			if !s.wildcard && s.v.IsPrerelease() {
				return true
			}
		case OpArbitrary:
			if v, err := Parse(s.Version); err == nil && v.IsPrerelease() {
				return true
			}
		}
	}
	return false
}

// Contains reports whether v satisfies every clause. A pre-release (which
// includes a dev release) is excluded unless allowPrereleases is true, as in
// packaging's SpecifierSet.contains(v, prereleases=allowPrereleases).
func (ss Specifiers) Contains(v Version, allowPrereleases bool) bool {
	if !allowPrereleases && v.IsPrerelease() {
		return false
	}
	for _, s := range ss {
		if !s.Contains(v) {
			return false
		}
	}
	return true
}

// Contains reports whether v satisfies the clause, pre-releases included.
func (s Specifier) Contains(v Version) bool {
	switch s.Op {
	case OpEqual:
		return s.equal(v)
	case OpNotEqual:
		return !s.equal(v)
	case OpLessEq:
		// Spec: "<=" and ">=" compare the public version; local labels are ignored.
		return Compare(v.Public(), s.v) <= 0
	case OpGreaterEq:
		return Compare(v.Public(), s.v) >= 0
	case OpLess:
		// Spec, exclusive ordered comparison: "<V MUST NOT allow a
		// pre-release of the specified version unless the specified version
		// is itself a pre-release."
		if Compare(v, s.v) >= 0 {
			return false
		}
		return s.v.IsPrerelease() || !v.IsPrerelease() || !v.BaseVersion().Equal(s.v.BaseVersion())
	case OpGreater:
		// Spec: ">V MUST NOT allow a post-release of the given version unless
		// V itself is a post release", and "MUST NOT match a local version of
		// the specified version".
		if Compare(v, s.v) <= 0 {
			return false
		}
		same := v.BaseVersion().Equal(s.v.BaseVersion())
		if same && !s.v.IsPostrelease() && v.IsPostrelease() {
			return false
		}
		return !same || v.local == nil
	case OpCompatible:
		// Spec: "~=V.N" is ">=V.N, ==V.*": the release without its last
		// segment is the prefix.
		if Compare(v.Public(), s.v) < 0 {
			return false
		}
		return prefixMatch(v, s.v.epoch, s.v.release[:len(s.v.release)-1])
	case OpArbitrary:
		// Spec: arbitrary equality is a case-insensitive string comparison;
		// packaging compares the normalized form of the candidate.
		return strings.EqualFold(v.String(), s.Version)
	}
	return false
}

// equal implements "==": prefix matching for ".*", otherwise equality where
// a specifier without a local label ignores the candidate's local label.
func (s Specifier) equal(v Version) bool {
	if s.wildcard {
		return prefixMatch(v, s.v.epoch, s.v.release)
	}
	if s.v.local == nil {
		v = v.Public()
	}
	return Compare(v, s.v) == 0
}

// prefixMatch reports whether v's epoch is epoch and its release segment,
// padded with zeros, starts with prefix. Pre, post and dev segments of v are
// ignored, as the spec's prefix matching rules say.
func prefixMatch(v Version, epoch int, prefix []int) bool {
	if v.epoch != epoch {
		return false
	}
	for i, p := range prefix {
		r := 0
		if i < len(v.release) {
			r = v.release[i]
		}
		if r != p {
			return false
		}
	}
	return true
}
