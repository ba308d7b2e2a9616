package dockerfile

import (
	"encoding/json"
	"strings"
)

// doc accumulates a Dockerfile. Multi-line instructions continue with " \"
// and indent their continuation lines by four spaces.
type doc struct {
	b strings.Builder
}

func (d *doc) String() string { return d.b.String() }

func (d *doc) line(s string) {
	d.b.WriteString(s)
	d.b.WriteByte('\n')
}

// comment writes each line as a comment; an empty line becomes "#".
func (d *doc) comment(lines ...string) {
	for _, l := range lines {
		if l == "" {
			d.line("#")
			continue
		}
		d.line("# " + l)
	}
}

// stage starts a stage, separated from the previous one by a blank line.
func (d *doc) stage(image, name string, about ...string) {
	if d.b.Len() > 0 {
		d.line("")
	}
	d.comment(about...)
	if name == "" {
		d.line("FROM " + image)
		return
	}
	d.line("FROM " + image + " AS " + name)
}

// env writes one ENV instruction with a key=value pair per line.
func (d *doc) env(kvs ...string) {
	d.continued("ENV", kvs, "    ")
}

// run writes one RUN instruction: each mount on a line of its own, then the
// commands joined by "&&".
func (d *doc) run(mounts []string, cmds ...string) {
	parts := make([]string, 0, len(mounts)+len(cmds))
	for _, mnt := range mounts {
		parts = append(parts, "--mount="+mnt)
	}
	for i, c := range cmds {
		if i > 0 {
			c = "&& " + c
		}
		parts = append(parts, c)
	}
	d.continued("RUN", parts, "    ")
}

func (d *doc) continued(instr string, parts []string, indent string) {
	d.b.WriteString(instr)
	for i, p := range parts {
		if i == 0 {
			d.b.WriteString(" " + p)
			continue
		}
		d.b.WriteString(" \\\n" + indent + p)
	}
	d.b.WriteByte('\n')
}

// exec writes an instruction in exec (JSON array) form.
func (d *doc) exec(instr string, args []string) {
	quoted := make([]string, len(args))
	for i, a := range args {
		quoted[i] = jsonString(a)
	}
	d.line(instr + " [" + strings.Join(quoted, ", ") + "]")
}

// jsonString quotes s as a JSON string, leaving <, > and & as they are.
func jsonString(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}
