package pyproject

import (
	"errors"
	"fmt"
	"strings"
)

// splitRequirement splits a PEP 508 requirement string into name, extras,
// version specifier or URL, and markers, without validating the specifier
// or the markers (the pep508 layer does that). Grammar, from
// https://peps.python.org/pep-0508/#grammar:
//
//	name_req = name wsp* extras? wsp* versionspec? wsp* quoted_marker?
//	url_req  = name wsp* extras? wsp* urlspec (wsp+ | end) quoted_marker?
func splitRequirement(s string) (Dependency, error) {
	d := Dependency{PEP508: s}
	rest := strings.TrimLeft(s, " \t")
	n := 0
	for n < len(rest) && isNameByte(rest[n]) {
		n++
	}
	d.Name = rest[:n]
	if d.Name == "" {
		return Dependency{}, fmt.Errorf("%q: not a PEP 508 requirement: it must start with a distribution name", s)
	}
	// name = letterOrDigit ( (letterOrDigit | [-_.])* letterOrDigit )?
	if !isAlnum(d.Name[0]) || !isAlnum(d.Name[len(d.Name)-1]) {
		return Dependency{}, fmt.Errorf("%q: invalid distribution name %q", s, d.Name)
	}
	rest = strings.TrimLeft(rest[n:], " \t")
	if strings.HasPrefix(rest, "[") {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return Dependency{}, fmt.Errorf("%q: unclosed extras bracket", s)
		}
		for _, e := range strings.Split(rest[1:end], ",") {
			if e = strings.TrimSpace(e); e != "" {
				d.Extras = append(d.Extras, e)
			}
		}
		rest = strings.TrimLeft(rest[end+1:], " \t")
	}
	if strings.HasPrefix(rest, "@") {
		rest = strings.TrimLeft(rest[1:], " \t")
		// The URL ends at whitespace followed by ";" (a bare ";" may be
		// part of the URL).
		end := len(rest)
		for i := 0; i < len(rest); i++ {
			if rest[i] == ' ' || rest[i] == '\t' {
				if j := strings.TrimLeft(rest[i:], " \t"); strings.HasPrefix(j, ";") {
					end = i
					break
				}
			}
		}
		d.URL = rest[:end]
		if d.URL == "" {
			return Dependency{}, fmt.Errorf("%q: empty URL after @", s)
		}
		rest = strings.TrimLeft(rest[end:], " \t")
		if rest == "" {
			return d, nil
		}
		d.Markers = strings.TrimSpace(rest[1:])
		return d, checkMarkers(s, d, rest)
	}
	spec, markers, hasMarkers := strings.Cut(rest, ";")
	spec = strings.TrimSpace(spec)
	if strings.HasPrefix(spec, "(") {
		if !strings.HasSuffix(spec, ")") {
			return Dependency{}, fmt.Errorf("%q: unclosed parenthesis in version specifier", s)
		}
		spec = strings.TrimSpace(spec[1 : len(spec)-1])
	}
	d.Constraint = spec
	if hasMarkers {
		d.Markers = strings.TrimSpace(markers)
		return d, checkMarkers(s, d, ";"+markers)
	}
	return d, nil
}

var errEmptyMarker = errors.New("empty marker after ';'")

func checkMarkers(s string, d Dependency, rest string) error {
	if rest != "" && d.Markers == "" {
		return fmt.Errorf("%q: %w", s, errEmptyMarker)
	}
	return nil
}

func isAlnum(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

func isNameByte(c byte) bool { return isAlnum(c) || c == '-' || c == '_' || c == '.' }
