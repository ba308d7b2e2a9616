package pep508

import (
	"strings"

	"github.com/canto-build/canto/pkg/pep440"
	"github.com/canto-build/canto/pkg/pyname"
)

// Env holds the values of marker variables for one target environment, keyed
// by the canonical variable names: python_version, python_full_version,
// os_name, sys_platform, platform_release, platform_system, platform_version,
// platform_machine, platform_python_implementation, implementation_name and
// implementation_version. The "extra" variable is not read from Env; extras
// are passed to Evaluate.
type Env map[string]string

// Variables lists the marker variables an Env describes.
var Variables = []string{
	"implementation_name", "implementation_version", "os_name", "platform_machine",
	"platform_python_implementation", "platform_release", "platform_system",
	"platform_version", "python_full_version", "python_version", "sys_platform",
}

// variableAliases maps every accepted spelling to its canonical name. The
// dotted and python_implementation spellings are legacy forms the spec
// keeps accepting.
var variableAliases = map[string]string{
	"python_version":                 "python_version",
	"python_full_version":            "python_full_version",
	"os_name":                        "os_name",
	"os.name":                        "os_name",
	"sys_platform":                   "sys_platform",
	"sys.platform":                   "sys_platform",
	"platform_release":               "platform_release",
	"platform_system":                "platform_system",
	"platform_version":               "platform_version",
	"platform.version":               "platform_version",
	"platform_machine":               "platform_machine",
	"platform.machine":               "platform_machine",
	"platform_python_implementation": "platform_python_implementation",
	"platform.python_implementation": "platform_python_implementation",
	"python_implementation":          "platform_python_implementation",
	"implementation_name":            "implementation_name",
	"implementation_version":         "implementation_version",
	"extra":                          "extra",
	"extras":                         "extras",
	"dependency_groups":              "dependency_groups",
}

// Marker is a parsed environment marker. A nil *Marker is the empty marker,
// which holds in every environment.
type Marker struct {
	src  string
	root *expr
}

// expr is a sequence of terms joined by "and"/"or"; "and" binds tighter.
type expr struct {
	terms []term
	ops   []string // len(ops) == len(terms)-1
}

// term is a comparison or a parenthesized expression.
type term struct {
	cmp   *comparison
	paren *expr
}

type operand struct {
	variable string // canonical variable name, or "" for a literal
	value    string
}

type comparison struct {
	lhs, rhs operand
	op       string // one of ===, ==, ~=, !=, <=, >=, <, >, in, not in
	pos      int
}

// ParseMarker parses an environment marker expression. Empty or all-blank
// input yields a nil *Marker (always true) and no error, which is what an
// absent marker in a lock file means.
//
// Spec: https://packaging.python.org/en/latest/specifications/dependency-specifiers/#environment-markers
func ParseMarker(s string) (*Marker, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	p := &parser{in: s, what: "marker"}
	e, err := p.marker()
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.pos != len(p.in) {
		return nil, p.fail("expected end of marker, 'and' or 'or'")
	}
	return &Marker{src: s, root: e}, nil
}

type parser struct {
	in   string
	pos  int
	what string
}

func (p *parser) fail(msg string) error {
	return &ParseError{What: p.what, Input: p.in, Pos: p.pos, Msg: msg}
}

func (p *parser) ws() {
	for p.pos < len(p.in) && (p.in[p.pos] == ' ' || p.in[p.pos] == '\t') {
		p.pos++
	}
}

func isWordByte(c byte) bool {
	return c == '_' || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') || c >= 0x80
}

// keyword reports whether the word w starts at pos and ends at a word
// boundary, and consumes it if so.
func (p *parser) keyword(w string) bool {
	if !strings.HasPrefix(p.in[p.pos:], w) {
		return false
	}
	end := p.pos + len(w)
	if end < len(p.in) && isWordByte(p.in[end]) {
		return false
	}
	if p.pos > 0 && isWordByte(p.in[p.pos-1]) {
		return false
	}
	p.pos = end
	return true
}

// marker = atom (BOOLOP atom)*
func (p *parser) marker() (*expr, error) {
	e := &expr{}
	for {
		t, err := p.atom()
		if err != nil {
			return nil, err
		}
		e.terms = append(e.terms, t)
		p.ws()
		switch {
		case p.keyword("and"):
			e.ops = append(e.ops, "and")
		case p.keyword("or"):
			e.ops = append(e.ops, "or")
		default:
			return e, nil
		}
	}
}

// atom = WS? ( "(" WS? marker WS? ")" | item ) WS?
func (p *parser) atom() (term, error) {
	p.ws()
	if p.pos < len(p.in) && p.in[p.pos] == '(' {
		open := p.pos
		p.pos++
		p.ws()
		e, err := p.marker()
		if err != nil {
			return term{}, err
		}
		p.ws()
		if p.pos >= len(p.in) || p.in[p.pos] != ')' {
			if p.pos < len(p.in) {
				return term{}, p.fail("expected 'and', 'or' or ')'")
			}
			p.pos = open
			return term{}, p.fail("expected closing ')' for this '('")
		}
		p.pos++
		p.ws()
		return term{paren: e}, nil
	}
	c, err := p.item()
	if err != nil {
		return term{}, err
	}
	return term{cmp: c}, nil
}

// item = marker_var WS? marker_op WS? marker_var
func (p *parser) item() (*comparison, error) {
	c := &comparison{pos: p.pos}
	var err error
	if c.lhs, err = p.operand(); err != nil {
		return nil, err
	}
	p.ws()
	if c.op, err = p.op(); err != nil {
		return nil, err
	}
	p.ws()
	if c.rhs, err = p.operand(); err != nil {
		return nil, err
	}
	p.ws()
	return c, nil
}

// operand = VARIABLE | QUOTED_STRING; strings have no escapes.
func (p *parser) operand() (operand, error) {
	if p.pos < len(p.in) && (p.in[p.pos] == '\'' || p.in[p.pos] == '"') {
		q := p.in[p.pos]
		end := strings.IndexByte(p.in[p.pos+1:], q)
		if end < 0 {
			return operand{}, p.fail("unterminated quoted string")
		}
		v := p.in[p.pos+1 : p.pos+1+end]
		p.pos += end + 2
		return operand{value: v}, nil
	}
	start := p.pos
	for p.pos < len(p.in) && (isWordByte(p.in[p.pos]) || p.in[p.pos] == '.') {
		p.pos++
	}
	name, ok := variableAliases[p.in[start:p.pos]]
	if !ok {
		p.pos = start
		return operand{}, p.fail("expected a marker variable or quoted string")
	}
	return operand{variable: name}, nil
}

var markerOps = []string{"===", "==", "~=", "!=", "<=", ">=", "<", ">"}

func (p *parser) op() (string, error) {
	for _, o := range markerOps {
		if strings.HasPrefix(p.in[p.pos:], o) {
			p.pos += len(o)
			return o, nil
		}
	}
	if p.keyword("in") {
		return "in", nil
	}
	if p.keyword("not") {
		if p.pos >= len(p.in) || (p.in[p.pos] != ' ' && p.in[p.pos] != '\t') {
			return "", p.fail("expected whitespace after 'not'")
		}
		p.ws()
		if !p.keyword("in") {
			return "", p.fail("expected 'in' after 'not'")
		}
		return "not in", nil
	}
	return "", p.fail("expected marker operator, one of <=, <, !=, ==, >=, >, ~=, ===, in, not in")
}

// String returns the canonical form: variables bare, values in double quotes
// (single quotes if the value holds a double quote), one space around
// operators, extra names normalized, and parentheses only around groups of
// more than one comparison. A nil Marker is "".
func (m *Marker) String() string {
	if m == nil {
		return ""
	}
	var b strings.Builder
	m.root.write(&b, true)
	return b.String()
}

func (e *expr) write(b *strings.Builder, top bool) {
	if len(e.terms) == 1 {
		e.terms[0].write(b)
		return
	}
	if !top {
		b.WriteByte('(')
	}
	for i, t := range e.terms {
		if i > 0 {
			b.WriteString(" " + e.ops[i-1] + " ")
		}
		t.write(b)
	}
	if !top {
		b.WriteByte(')')
	}
}

func (t term) write(b *strings.Builder) {
	if t.paren != nil {
		t.paren.write(b, false)
		return
	}
	c := t.cmp
	c.lhs.write(b, c.rhs.variable)
	b.WriteString(" " + c.op + " ")
	c.rhs.write(b, c.lhs.variable)
}

// write prints o; other is the variable on the other side, if any, so that
// names compared with "extra" print normalized (PEP 685).
func (o operand) write(b *strings.Builder, other string) {
	if o.variable != "" {
		b.WriteString(o.variable)
		return
	}
	v := o.value
	if other == "extra" || other == "extras" || other == "dependency_groups" {
		v = pyname.Normalize(v)
	}
	q := `"`
	if strings.Contains(v, `"`) {
		q = `'`
	}
	b.WriteString(q + v + q)
}

// Evaluate reports whether the marker holds in env with the given extras
// requested. "extra == 'x'" holds when x is one of extras and "extra != 'x'"
// when it is not (names compared after PEP 503 normalization, as PEP 685
// says, and as Poetry evaluates lock file markers); with no extras this is
// what packaging does with extra="". "'x' in extras" is the set form of PEP
// 751. A nil Marker holds everywhere.
//
// Comparisons follow the spec: version operators compare as PEP 440
// versions when the right side forms a valid specifier and the left side a
// valid version (packaging's Specifier(op+rhs).contains(lhs,
// prereleases=True)); otherwise <, <=, ==, !=, >=, > and in, not in compare
// as Python strings do. "~=" and "===" on non-versions are errors, as is a
// variable missing from env. Every comparison is evaluated, so such errors
// do not depend on the values of the others.
func (m *Marker) Evaluate(env Env, extras []string) (bool, error) {
	return m.evaluate(env, extras, nil, false)
}

// EvaluateGroups is Evaluate in the lock file context of PEP 751, where the
// set-valued variable dependency_groups is also defined, as groups.
func (m *Marker) EvaluateGroups(env Env, extras, groups []string) (bool, error) {
	return m.evaluate(env, extras, groups, true)
}

func (m *Marker) evaluate(env Env, extras, groups []string, haveGroups bool) (bool, error) {
	if m == nil {
		return true, nil
	}
	ev := evaluator{m: m, env: env, extras: normalizeAll(extras), groups: normalizeAll(groups), haveGroups: haveGroups}
	return ev.expr(m.root)
}

func normalizeAll(names []string) map[string]bool {
	set := make(map[string]bool, len(names))
	for _, n := range names {
		set[pyname.Normalize(n)] = true
	}
	return set
}

type evaluator struct {
	m          *Marker
	env        Env
	extras     map[string]bool
	groups     map[string]bool
	haveGroups bool
}

func (ev *evaluator) fail(c *comparison, msg string) error {
	return &EvalError{Marker: ev.m.src, Pos: c.pos, Msg: msg}
}

// expr evaluates "or" of "and" groups without short-circuiting.
func (ev *evaluator) expr(e *expr) (bool, error) {
	result, group := false, true
	for i, t := range e.terms {
		v, err := ev.term(t)
		if err != nil {
			return false, err
		}
		group = group && v
		if i == len(e.terms)-1 || e.ops[i] == "or" {
			result = result || group
			group = true
		}
	}
	return result, nil
}

func (ev *evaluator) term(t term) (bool, error) {
	if t.paren != nil {
		return ev.expr(t.paren)
	}
	c := t.cmp
	for _, set := range []string{"extra", "extras", "dependency_groups"} {
		if c.lhs.variable == set || c.rhs.variable == set {
			return ev.setComparison(c, set)
		}
	}
	if (c.lhs.variable == "") == (c.rhs.variable == "") {
		// packaging fails on these too (KeyError); the spec gives no meaning.
		return false, ev.fail(c, "comparison needs one variable and one quoted string")
	}
	lhs, err := ev.value(c, c.lhs)
	if err != nil {
		return false, err
	}
	rhs, err := ev.value(c, c.rhs)
	if err != nil {
		return false, err
	}
	return ev.compare(c, lhs, rhs)
}

func (ev *evaluator) value(c *comparison, o operand) (string, error) {
	if o.variable == "" {
		return o.value, nil
	}
	v, ok := ev.env[o.variable]
	if !ok {
		return "", &EvalError{Marker: ev.m.src, Pos: c.pos, Msg: "variable " + o.variable + " is not set in the environment", Variable: o.variable}
	}
	return v, nil
}

// setComparison evaluates comparisons involving extra, extras or
// dependency_groups, whose values are sets of normalized names.
func (ev *evaluator) setComparison(c *comparison, name string) (bool, error) {
	set := ev.extras
	if name == "dependency_groups" {
		if !ev.haveGroups {
			return false, &EvalError{Marker: ev.m.src, Pos: c.pos, Msg: "dependency_groups is defined only for lock file markers (EvaluateGroups)", Variable: name}
		}
		set = ev.groups
	}
	other := c.rhs
	if c.rhs.variable == name {
		other = c.lhs
	}
	if other.variable != "" {
		return false, ev.fail(c, "cannot compare "+name+" with variable "+other.variable)
	}
	member := set[pyname.Normalize(other.value)]
	switch {
	case name == "extra" && c.op == "==":
		return member, nil
	case name == "extra" && c.op == "!=":
		return !member, nil
	case name != "extra" && c.rhs.variable == name && c.op == "in":
		return member, nil
	case name != "extra" && c.rhs.variable == name && c.op == "not in":
		return !member, nil
	}
	return false, ev.fail(c, "operator "+c.op+" is not defined for "+name)
}

func (ev *evaluator) compare(c *comparison, lhs, rhs string) (bool, error) {
	switch c.op {
	case "in":
		return strings.Contains(rhs, lhs), nil
	case "not in":
		return !strings.Contains(rhs, lhs), nil
	}
	if spec, err := pep440.ParseSpecifier(c.op + rhs); err == nil {
		if v, err := pep440.Parse(lhs); err == nil {
			return spec.Contains(v), nil
		}
	}
	switch c.op {
	case "==":
		return lhs == rhs, nil
	case "!=":
		return lhs != rhs, nil
	case "<":
		return lhs < rhs, nil
	case "<=":
		return lhs <= rhs, nil
	case ">":
		return lhs > rhs, nil
	case ">=":
		return lhs >= rhs, nil
	}
	return false, ev.fail(c, "operator "+c.op+" needs versions on both sides, got "+quote(lhs)+" and "+quote(rhs))
}

func quote(s string) string { return `"` + s + `"` }
