package pep508

import (
	"errors"
	"slices"
	"strings"

	"github.com/canto-build/canto/pkg/pep440"
)

// Requirement is a parsed dependency specifier.
//
// Spec: https://packaging.python.org/en/latest/specifications/dependency-specifiers/
type Requirement struct {
	// Name is the project name as written; compare with pyname.Normalize.
	Name string
	// Extras are the requested extras as written, in order, without duplicates.
	Extras []string
	// Specifiers is the version specifier set; empty when there is none or
	// when URL is set.
	Specifiers pep440.Specifiers
	// URL is the direct reference after "@", or "".
	URL string
	// Marker is the environment marker after ";", or nil.
	Marker *Marker
}

// ParseRequirement parses a dependency specifier such as
// `requests[socks] (>=2.8.1, <3) ; python_version >= "3.8"` or
// `pip @ https://example.com/pip.whl ; sys_platform == "linux"`.
// It follows the grammar as packaging implements it, including that a
// marker after a URL must be separated from it by whitespace.
func ParseRequirement(s string) (Requirement, error) {
	p := &parser{in: s, what: "requirement"}
	var r Requirement
	p.ws()
	r.Name = p.identifier()
	if r.Name == "" {
		return r, p.fail("expected package name at the start of dependency specifier")
	}
	p.ws()
	if err := p.extras(&r); err != nil {
		return r, err
	}
	p.ws()
	if p.pos < len(p.in) && p.in[p.pos] == '@' {
		p.pos++
		p.ws()
		urlStart := p.pos
		for p.pos < len(p.in) && p.in[p.pos] != ' ' && p.in[p.pos] != '\t' {
			p.pos++
		}
		if p.pos == urlStart {
			return r, p.fail("expected URL after @")
		}
		r.URL = p.in[urlStart:p.pos]
		p.ws()
		if p.pos == len(p.in) {
			return r, nil
		}
		if p.in[p.pos] != ';' && strings.Contains(r.URL, ";") {
			return r, &ParseError{What: p.what, Input: p.in, Pos: p.pos, Msg: "expected end or semicolon after URL", Hint: "put whitespace between the URL and the ';' that starts the marker"}
		}
	} else if err := p.specifiers(&r); err != nil {
		return r, err
	}
	p.ws()
	if p.pos == len(p.in) {
		return r, nil
	}
	if p.in[p.pos] != ';' {
		return r, p.fail("expected end or semicolon")
	}
	p.pos++
	mstart := p.pos
	sub := &parser{in: p.in[mstart:], what: "marker"}
	e, err := sub.marker()
	if err == nil {
		sub.ws()
		if sub.pos != len(sub.in) {
			err = sub.fail("expected end of marker, 'and' or 'or'")
		}
	}
	if err != nil {
		var pe *ParseError
		if errors.As(err, &pe) {
			return r, &ParseError{What: "requirement", Input: s, Pos: mstart + pe.Pos, Msg: pe.Msg}
		}
		return r, err
	}
	r.Marker = &Marker{src: sub.in, root: e}
	return r, nil
}

func isAlnum(c byte) bool {
	return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9')
}

// identifier reads a name: [A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?
func (p *parser) identifier() string {
	start := p.pos
	if p.pos >= len(p.in) || !isAlnum(p.in[p.pos]) {
		return ""
	}
	for p.pos < len(p.in) && (isAlnum(p.in[p.pos]) || strings.IndexByte("._-", p.in[p.pos]) >= 0) {
		p.pos++
	}
	for !isAlnum(p.in[p.pos-1]) {
		p.pos--
	}
	return p.in[start:p.pos]
}

// extras = "[" WS? (identifier (WS? "," WS? identifier)*)? WS? "]"
func (p *parser) extras(r *Requirement) error {
	if p.pos >= len(p.in) || p.in[p.pos] != '[' {
		return nil
	}
	open := p.pos
	p.pos++
	p.ws()
	if name := p.identifier(); name != "" {
		r.Extras = append(r.Extras, name)
		for {
			p.ws()
			if p.pos < len(p.in) && isAlnum(p.in[p.pos]) {
				return p.fail("expected comma between extra names")
			}
			if p.pos >= len(p.in) || p.in[p.pos] != ',' {
				break
			}
			p.pos++
			p.ws()
			name := p.identifier()
			if name == "" {
				return p.fail("expected extra name after comma")
			}
			if !slices.Contains(r.Extras, name) {
				r.Extras = append(r.Extras, name)
			}
		}
	}
	p.ws()
	if p.pos >= len(p.in) || p.in[p.pos] != ']' {
		p.pos = open
		return p.fail("expected closing ']' for this '['")
	}
	p.pos++
	return nil
}

// specifiers = "(" WS? version_many WS? ")" | version_many, where
// version_many = (specifier (WS? "," WS? specifier)*)?
func (p *parser) specifiers(r *Requirement) error {
	paren := p.pos < len(p.in) && p.in[p.pos] == '('
	open := p.pos
	if paren {
		p.pos++
		p.ws()
	}
	var clauses []string
	for p.pos < len(p.in) && strings.IndexByte("~=!<>", p.in[p.pos]) >= 0 {
		start := p.pos
		for p.pos < len(p.in) && strings.IndexByte("~=!<>", p.in[p.pos]) >= 0 {
			p.pos++
		}
		p.ws()
		for p.pos < len(p.in) && strings.IndexByte(" \t,;)", p.in[p.pos]) < 0 {
			p.pos++
		}
		clause := p.in[start:p.pos]
		if _, err := pep440.ParseSpecifier(clause); err != nil {
			var pe *pep440.ParseError
			if errors.As(err, &pe) {
				p.pos = start + pe.Pos
				return p.fail("invalid version specifier: " + pe.Msg)
			}
			return err
		}
		clauses = append(clauses, clause)
		p.ws()
		if p.pos >= len(p.in) || p.in[p.pos] != ',' {
			break
		}
		p.pos++
		p.ws()
	}
	if paren {
		p.ws()
		if p.pos >= len(p.in) || p.in[p.pos] != ')' {
			if p.pos < len(p.in) {
				return p.fail("expected ',' or ')' in version specifier")
			}
			p.pos = open
			return p.fail("expected closing ')' for this '('")
		}
		p.pos++
	}
	ss, err := pep440.ParseSpecifiers(strings.Join(clauses, ","))
	if err != nil {
		return err // unreachable: each clause parsed above
	}
	r.Specifiers = ss
	return nil
}

// String returns the requirement in packaging's str(Requirement) form —
// name, sorted extras, sorted specifiers, "; marker" — except that a URL is
// written " @ URL" (packaging 23.0 writes "name@ URL").
func (r Requirement) String() string {
	var b strings.Builder
	b.WriteString(r.Name)
	if len(r.Extras) > 0 {
		ex := slices.Clone(r.Extras)
		slices.Sort(ex)
		b.WriteString("[" + strings.Join(slices.Compact(ex), ",") + "]")
	}
	b.WriteString(r.Specifiers.String())
	if r.URL != "" {
		b.WriteString(" @ " + r.URL)
		if r.Marker != nil {
			b.WriteByte(' ')
		}
	}
	if r.Marker != nil {
		b.WriteString("; " + r.Marker.String())
	}
	return b.String()
}
