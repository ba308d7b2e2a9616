package plan

import (
	"errors"
	"slices"
	"sort"

	"github.com/canto-build/canto/pkg/pyname"
	"github.com/canto-build/canto/pkg/pyproject"
)

// SelectGroups applies Poetry's group flags to a project. Unlike `poetry
// install`, which installs every non-optional group, canto builds production
// images and installs only "main" unless asked: --with adds groups (optional
// or not), --without removes them, and --only replaces the selection. Group
// names are PEP 503 normalised; unknown groups are an error. Groups included
// by a selected group (include-groups, PEP 735 include-group) are added.
func SelectGroups(p *pyproject.Project, only, with, without []string) ([]string, error) {
	if len(only) > 0 && (len(with) > 0 || len(without) > 0) {
		return nil, errors.New("--only cannot be combined with --with or --without")
	}
	known := map[string]*pyproject.Group{}
	for i := range p.Groups {
		known[pyname.Normalize(p.Groups[i].Name)] = &p.Groups[i]
	}
	check := func(names []string) ([]string, error) {
		var out []string
		for _, n := range names {
			nn := pyname.Normalize(n)
			if _, ok := known[nn]; !ok && nn != "main" {
				return nil, &GroupError{Group: n, Known: groupNames(p), File: p.File}
			}
			out = append(out, nn)
		}
		return out, nil
	}
	sel := map[string]bool{}
	if len(only) > 0 {
		names, err := check(only)
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			sel[n] = true
		}
	} else {
		sel["main"] = true
		names, err := check(with)
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			sel[n] = true
		}
		names, err = check(without)
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			delete(sel, n)
		}
	}
	// Follow include-groups until nothing changes.
	for changed := true; changed; {
		changed = false
		for n := range sel {
			g := known[n]
			if g == nil {
				continue
			}
			for _, inc := range g.IncludeGroups {
				in := pyname.Normalize(inc)
				if !sel[in] {
					sel[in] = true
					changed = true
				}
			}
		}
	}
	out := make([]string, 0, len(sel))
	for n := range sel {
		out = append(out, n)
	}
	sort.Strings(out)
	// "main" first, as Poetry lists it.
	if i := slices.Index(out, "main"); i > 0 {
		out = append([]string{"main"}, slices.Delete(out, i, i+1)...)
	}
	return out, nil
}
