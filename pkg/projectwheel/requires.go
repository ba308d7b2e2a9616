package projectwheel

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/canto-build/canto/pkg/pep440"
	"github.com/canto-build/canto/pkg/pyname"
	"github.com/canto-build/canto/pkg/pyproject"
)

// requiresDist returns the Requires-Dist and Provides-Extra values, sorted,
// and an error naming the dependency whose constraint cannot be written.
// It follows poetry-core's Factory._configure_package_dependencies:
//   - [project] dependencies (not dynamic): those strings as written;
//     tool.poetry.dependencies then only enrich locking;
//   - otherwise tool.poetry.dependencies, converted;
//   - extras from [project.optional-dependencies] when [project] declares
//     dependencies or optional dependencies, else from tool.poetry.extras.
func (b *builder) requiresDist() (reqs, extras []string, err error) {
	var pep621, poetry []pyproject.Dependency
	if g := b.p.Group("main"); g != nil {
		for _, d := range g.Dependencies {
			if d.PEP508 != "" {
				pep621 = append(pep621, d)
			} else {
				poetry = append(poetry, d)
			}
		}
	}
	if b.extra.projectDeps {
		for _, d := range pep621 {
			reqs = append(reqs, strings.TrimSpace(d.PEP508))
		}
		poetry = nil
	}
	pep621Extras := b.extra.projectDeps || b.p.OptionalDependencies != nil
	if pep621Extras {
		for extra, deps := range b.p.OptionalDependencies {
			e := pyname.Normalize(extra)
			extras = append(extras, e)
			for _, d := range deps {
				reqs = append(reqs, withExtraMarker(d, e))
			}
		}
	}

	// Poetry: an optional dependency is written only under the extras that
	// list it; poetry-core's Dependency.to_pep_508 for the rest.
	inExtras := map[string][]string{}
	if !pep621Extras {
		for extra, names := range b.p.Extras {
			e := pyname.Normalize(extra)
			extras = append(extras, e)
			for _, n := range names {
				fields := strings.FieldsFunc(n, func(r rune) bool { return strings.ContainsRune("[(<>=!~; ", r) })
				if len(fields) == 0 {
					continue
				}
				n = pyname.Normalize(fields[0])
				inExtras[n] = append(inExtras[n], e)
			}
		}
	}
	for _, d := range poetry {
		var ex []string
		if d.Optional {
			ex = sortUnique(inExtras[pyname.Normalize(d.Name)])
			if len(ex) == 0 {
				continue
			}
		}
		r, err := b.poetryRequirement(d, ex)
		if err != nil {
			return nil, nil, b.configError("tool.poetry.dependencies."+d.Name, err.Error(),
				"write the constraint as one range, or split it into a multiple-constraints dependency with python or markers")
		}
		reqs = append(reqs, r)
	}
	return sortUnique(reqs), sortUnique(extras), nil
}

func sortUnique(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

// withExtraMarker adds `extra == "e"` to a PEP 508 requirement string.
func withExtraMarker(d pyproject.Dependency, extra string) string {
	s := strings.TrimSpace(d.PEP508)
	em := fmt.Sprintf("extra == %q", extra)
	if d.Markers == "" {
		return s + " ; " + em
	}
	base := strings.TrimSpace(s[:strings.LastIndex(s, d.Markers)])
	base = strings.TrimSpace(strings.TrimSuffix(base, ";"))
	return base + " ; (" + d.Markers + ") and " + em
}

// poetryRequirement is poetry-core's Dependency.to_pep_508.
func (b *builder) poetryRequirement(d pyproject.Dependency, extras []string) (string, error) {
	req := d.Name
	if len(d.Extras) > 0 {
		ex := slices.Clone(d.Extras)
		slices.Sort(ex)
		req += "[" + strings.Join(ex, ",") + "]"
	}
	switch {
	case d.Git != "":
		req += " @ git+" + gitURL(d.Git)
		for _, ref := range []string{d.Branch, d.Tag, d.Rev} {
			if ref != "" {
				req += "@" + ref
				break
			}
		}
		if d.Subdirectory != "" {
			req += "#subdirectory=" + d.Subdirectory
		}
	case d.URL != "":
		req += " @ " + d.URL
		if d.Subdirectory != "" {
			req += "#subdirectory=" + d.Subdirectory
		}
	case d.Path != "":
		// poetry-core writes "name @ file:///absolute/path"; that would make
		// the wheel depend on where the project is checked out, so a path
		// dependency is written by name only.
	default:
		spec, err := specifiers(d.Constraint)
		if err != nil {
			return "", err
		}
		if spec != "" {
			req += " (" + spec + ")"
		}
	}

	var markers []string
	if d.Markers != "" {
		markers = append(markers, d.Markers)
	}
	if d.Python != "" {
		m, err := pythonMarker(d.Python)
		if err != nil {
			return "", err
		}
		if m != "" {
			markers = append(markers, m)
		}
	}
	if d.Platform != "" {
		markers = append(markers, platformMarker(d.Platform))
	}
	// poetry-core intersects markers, python and platform into one marker.
	var parts []string
	for _, m := range markers {
		if len(markers) > 1 && strings.Contains(m, " or ") {
			m = "(" + m + ")"
		}
		parts = append(parts, m)
	}
	var all []string
	if len(parts) > 0 {
		all = append(all, strings.Join(parts, " and "))
	}
	if len(extras) > 0 && !strings.Contains(d.Markers, "extra") {
		em := make([]string, len(extras))
		for i, e := range extras {
			em[i] = fmt.Sprintf("extra == %q", e)
		}
		all = append(all, strings.Join(em, " or "))
	}
	switch len(all) {
	case 0:
	case 1:
		req += " ; " + all[0]
	default:
		req += " ; (" + all[0] + ") and (" + all[1] + ")"
	}
	return req, nil
}

var scpLike = regexp.MustCompile(`^([^@/:]+@)?([^/:]+):(.+)$`)

// gitURL is poetry-core's VCS URL rendering: a URL with a scheme is kept,
// scp-like "git@host:org/repo.git" becomes "ssh://git@host/org/repo.git".
func gitURL(s string) string {
	if strings.Contains(s, "://") {
		return s
	}
	if m := scpLike.FindStringSubmatch(s); m != nil {
		return "ssh://" + m[1] + m[2] + "/" + strings.TrimPrefix(m[3], "/")
	}
	return s
}

// constraintGroups parses a Poetry constraint into its alternatives, each a
// list of PEP 440-style clauses (">=1.2", "<2.0", "!=1.5", "==1.*",
// "1.2.3" for an exact version).
func constraintGroups(s string) ([][]string, error) {
	c, err := pep440.ParsePoetryConstraint(s)
	if err != nil {
		return nil, err
	}
	if c.IsAny() {
		return nil, nil
	}
	var out [][]string
	for _, alt := range strings.Split(c.String(), " || ") {
		out = append(out, strings.Split(alt, ","))
	}
	return out, nil
}

// specifiers converts a Poetry version constraint to a PEP 440 specifier
// set: "^1.2" → ">=1.2,<2.0", "~1.2" → ">=1.2,<1.3", "1.2.3" → "==1.2.3",
// "*" → "".
func specifiers(constraint string) (string, error) {
	if strings.TrimSpace(constraint) == "" {
		return "", nil
	}
	groups, err := constraintGroups(constraint)
	if err != nil {
		return "", err
	}
	switch len(groups) {
	case 0:
		return "", nil
	case 1:
	default:
		return "", fmt.Errorf("constraint %q is a union, which a PEP 440 specifier set cannot express", constraint)
	}
	parts := make([]string, len(groups[0]))
	for i, p := range groups[0] {
		if p != "" && (p[0] >= '0' && p[0] <= '9') {
			p = "==" + p
		}
		parts[i] = p
	}
	return strings.Join(parts, ","), nil
}

// pythonMarker is poetry-core's create_nested_marker("python_version", c):
// python_full_version where a bound has three or more release segments (or
// where the bound is exclusive below / inclusive above with fewer), so the
// marker means what the constraint means.
func pythonMarker(constraint string) (string, error) {
	groups, err := constraintGroups(constraint)
	if err != nil {
		return "", err
	}
	var alts []string
	for _, g := range groups {
		var parts []string
		for _, c := range g {
			m, err := pythonClauseMarker(c, len(g) > 1)
			if err != nil {
				return "", err
			}
			parts = append(parts, m)
		}
		alts = append(alts, strings.Join(parts, " and "))
	}
	if len(alts) == 1 {
		return alts[0], nil
	}
	for i, a := range alts {
		alts[i] = "(" + a + ")"
	}
	return strings.Join(alts, " or "), nil
}

func pythonClauseMarker(c string, nested bool) (string, error) {
	op := ""
	for _, o := range []string{">=", "<=", "!=", "==", ">", "<"} {
		if strings.HasPrefix(c, o) {
			op = o
			break
		}
	}
	body := strings.TrimPrefix(c, op)
	wildcard := strings.HasSuffix(body, ".*")
	body = strings.TrimSuffix(body, ".*")
	v, err := pep440.Parse(body)
	if err != nil {
		return "", err
	}
	stable := v.BaseVersion()
	prec := len(v.Release())
	name := "python_version"
	if prec >= 3 {
		name = "python_full_version"
	}
	padded := func() string {
		r := v.Release()
		for len(r) < 3 {
			r = append(r, 0)
		}
		s := make([]string, len(r))
		for i, n := range r {
			s[i] = fmt.Sprint(n)
		}
		return strings.Join(s, ".")
	}
	mk := func(name, op, v string) string { return fmt.Sprintf("%s %s %q", name, op, v) }
	switch {
	case wildcard:
		// Poetry reads "==3.8.*" as [3.8.dev0, 3.9.dev0).
		r := v.Release()
		r[len(r)-1]++
		next := make([]string, len(r))
		for i, n := range r {
			next[i] = fmt.Sprint(n)
		}
		lo, hi := mk(name, ">=", stable.String()), mk(name, "<", strings.Join(next, "."))
		if op == "!=" {
			m := mk(name, "<", stable.String()) + " or " + mk(name, ">=", strings.Join(next, "."))
			if nested {
				m = "(" + m + ")"
			}
			return m, nil
		}
		return lo + " and " + hi, nil
	case op == "":
		return mk(name, "==", v.String()), nil
	case op == ">" && prec < 3:
		return mk("python_full_version", ">", padded()), nil
	case op == "<=" && prec < 3:
		return mk("python_full_version", "<=", padded()), nil
	}
	return mk(name, op, stable.String()), nil
}

// platformMarker is poetry-core's create_nested_marker("sys_platform", c)
// for a generic constraint such as "linux", "!win32" or "linux || darwin".
func platformMarker(s string) string {
	var alts []string
	for _, alt := range regexp.MustCompile(`\s*\|\|?\s*`).Split(strings.TrimSpace(s), -1) {
		var parts []string
		for _, p := range strings.Split(alt, ",") {
			p = strings.TrimSpace(p)
			op := "=="
			switch {
			case strings.HasPrefix(p, "!="):
				op, p = "!=", p[2:]
			case strings.HasPrefix(p, "!"):
				op, p = "!=", p[1:]
			case strings.HasPrefix(p, "=="):
				p = p[2:]
			}
			parts = append(parts, fmt.Sprintf("sys_platform %s %q", op, strings.TrimSpace(p)))
		}
		alts = append(alts, strings.Join(parts, " and "))
	}
	return strings.Join(alts, " or ")
}
