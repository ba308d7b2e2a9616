package wheel

import (
	"fmt"
	"regexp"
	"strings"
)

// Entry point groups that produce launcher scripts.
const (
	GroupConsoleScripts = "console_scripts"
	GroupGUIScripts     = "gui_scripts"
)

// EntryPoint is one "name = module:attr [extras]" line of entry_points.txt.
type EntryPoint struct {
	Name   string
	Module string
	// Attr is the dotted attribute path after ":", or "" when the object
	// reference names only a module.
	Attr string
	// Extras are the deprecated "[extra, ...]" suffix, nil when absent.
	Extras []string
}

// EntryPoints maps each group name (e.g. "console_scripts") to its entry
// points in file order.
type EntryPoints map[string][]EntryPoint

// objectRefRE matches "importable.module" or "importable.module:object.attr",
// optionally followed by "[extras]" (entry points specification, "Data
// model"). Identifiers are Python's: letters, digits and underscores.
var objectRefRE = regexp.MustCompile(`^([\p{L}\p{Nl}_][\p{L}\p{N}_]*(?:\s*\.\s*[\p{L}\p{Nl}_][\p{L}\p{N}_]*)*)` +
	`\s*(?::\s*([\p{L}\p{Nl}_][\p{L}\p{N}_]*(?:\s*\.\s*[\p{L}\p{Nl}_][\p{L}\p{N}_]*)*))?` +
	`\s*(?:\[([^\]]*)\])?\s*$`)

// ParseEntryPoints parses entry_points.txt, the INI dialect of Python's
// configparser with "=" as the only delimiter and case-sensitive keys:
// "[group]" section headers, "name = object reference" lines, blank lines
// and full-line comments starting with "#" or ";". Like configparser in
// strict mode it rejects duplicate groups and duplicate names within a
// group; it also rejects continuation lines, which configparser would join
// into a value that is never a valid object reference.
//
// https://packaging.python.org/en/latest/specifications/entry-points/#file-format
func ParseEntryPoints(data []byte) (EntryPoints, error) {
	eps := EntryPoints{}
	group := ""
	names := map[string]bool{}
	for i, line := range strings.Split(string(data), "\n") {
		n := i + 1
		line = strings.TrimSuffix(line, "\r")
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "" || trimmed[0] == '#' || trimmed[0] == ';':
			continue
		case line[0] == ' ' || line[0] == '\t':
			return nil, fmt.Errorf("parsing entry points: line %d: unexpected indented line", n)
		case trimmed[0] == '[':
			if !strings.HasSuffix(trimmed, "]") {
				return nil, fmt.Errorf("parsing entry points: line %d: section header %q has no closing \"]\"", n, trimmed)
			}
			group = strings.TrimSpace(trimmed[1 : len(trimmed)-1])
			if group == "" {
				return nil, fmt.Errorf("parsing entry points: line %d: empty group name", n)
			}
			if _, dup := eps[group]; dup {
				return nil, fmt.Errorf("parsing entry points: line %d: group %q appears twice", n, group)
			}
			eps[group] = nil
			names = map[string]bool{}
			continue
		}
		if group == "" {
			return nil, fmt.Errorf("parsing entry points: line %d: entry before any [group] header", n)
		}
		name, value, ok := strings.Cut(trimmed, "=")
		if !ok {
			return nil, fmt.Errorf("parsing entry points: line %d: want \"name = module:attr\", got %q", n, trimmed)
		}
		name, value = strings.TrimSpace(name), strings.TrimSpace(value)
		if name == "" {
			return nil, fmt.Errorf("parsing entry points: line %d: empty entry point name", n)
		}
		if names[name] {
			return nil, fmt.Errorf("parsing entry points: line %d: name %q appears twice in group %q", n, name, group)
		}
		names[name] = true
		m := objectRefRE.FindStringSubmatch(value)
		if m == nil {
			return nil, fmt.Errorf("parsing entry points: line %d: %q is not an object reference (module or module:attr)", n, value)
		}
		ep := EntryPoint{Name: name, Module: stripSpace(m[1]), Attr: stripSpace(m[2])}
		if strings.Contains(value, "[") {
			ep.Extras = []string{}
			for _, e := range strings.Split(m[3], ",") {
				if e = strings.TrimSpace(e); e != "" {
					ep.Extras = append(ep.Extras, e)
				}
			}
		}
		eps[group] = append(eps[group], ep)
	}
	return eps, nil
}

func stripSpace(s string) string {
	return strings.Join(strings.Fields(s), "")
}
