package elfcheck

import (
	"fmt"
	"strings"
)

// Hint is what a user can do about missing libraries.
const Hint = "hint: use --vendor-libs (with --builder IMAGE) to copy the libraries from the builder into a layer, or use a base image that has them"

// maxNeedersShown bounds the files named per missing library.
const maxNeedersShown = 3

// Text explains what is missing, one line per library and file that needs
// it, such as
//
//	uwsgi 2.0.21: /opt/venv/bin/uwsgi needs libpython3.11.so.1.0, which the image lacks (Debian package libpython3.11 in the builder)
//
// It is empty when nothing is missing.
func (r *Report) Text() string {
	var b strings.Builder
	for _, m := range r.Missing {
		where := ""
		if p := m.Provider; p != nil {
			switch {
			case !p.Found:
				where = " (the builder lacks it too)"
			case p.Package.Name != "":
				where = fmt.Sprintf(" (Debian package %s in the builder)", p.Package.Name)
			default:
				where = fmt.Sprintf(" (the builder has it at %s)", p.Path)
			}
		}
		for i, n := range m.NeededBy {
			if i == maxNeedersShown {
				fmt.Fprintf(&b, "  and %d more files need %s\n", len(m.NeededBy)-i, m.Library)
				break
			}
			if n.Package != "" {
				b.WriteString(n.Package + ": ")
			}
			b.WriteString(n.Path + " needs " + m.Library)
			if n.Via != "" {
				b.WriteString(" (through " + n.Via + ")")
			}
			b.WriteString(", which the image lacks" + where + "\n")
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}
