package bench

import (
	"encoding/json"
	"fmt"
	"html"
	"io"
	"math"
	"strings"
)

// Native is the subject name of canto's own build; ratios are taken
// against it.
const Native = "canto"

// present returns the metrics that at least one subject has, in display
// order.
func (r *Report) present() []Metric {
	var out []Metric
	for _, m := range Metrics {
		for _, s := range r.Subjects {
			if s.Metrics[m].N > 0 {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// FormatValue renders v in m's unit: sizes in decimal megabytes as docker
// images shows them, times in seconds, counts as integers.
func FormatValue(m Metric, v float64) string {
	switch m.Unit() {
	case Bytes:
		switch {
		case v >= 1e9:
			return fmt.Sprintf("%.2f GB", v/1e9)
		case v >= 1e6:
			return fmt.Sprintf("%.1f MB", v/1e6)
		case v >= 1e3:
			return fmt.Sprintf("%.1f kB", v/1e3)
		}
		return fmt.Sprintf("%.0f B", v)
	case Count:
		return fmt.Sprintf("%.0f", v)
	}
	if v < 10 {
		return fmt.Sprintf("%.2f s", v)
	}
	return fmt.Sprintf("%.1f s", v)
}

// formatStats renders a median and, when the samples differ, its spread.
func formatStats(m Metric, s Stats) string {
	if s.N == 0 {
		return "–"
	}
	out := FormatValue(m, s.Median)
	// A spread that vanishes at the shown precision is left out.
	if lo, hi := FormatValue(m, s.Min), FormatValue(m, s.Max); s.N > 1 && lo != hi {
		out += " (" + lo + "–" + hi + ")"
	}
	return out
}

// Ratio is a strategy's median divided by canto's: above 1, canto is
// smaller or faster by that factor. ok is false when either is missing or
// canto's is zero.
func (r *Report) Ratio(subject string, m Metric) (ratio float64, ok bool) {
	s, n := r.Subject(subject), r.Subject(Native)
	if s == nil || n == nil {
		return 0, false
	}
	a, b := s.Metrics[m], n.Metrics[m]
	if a.N == 0 || b.N == 0 || b.Median == 0 {
		return 0, false
	}
	return a.Median / b.Median, true
}

// WriteMarkdown writes the report as Markdown: a table of medians with
// their spread (min–max), the ratios against canto when it was measured,
// and notes on skipped subjects and failures.
func WriteMarkdown(w io.Writer, r *Report) error {
	var b strings.Builder
	ms := r.present()
	fmt.Fprintf(&b, "Project `%s`, %d repetition(s); median (min–max).\n\n", r.Project, r.Repeat)
	b.WriteString("| strategy | built by |")
	for _, m := range ms {
		b.WriteString(" " + m.Title() + " |")
	}
	b.WriteString("\n|---|---|")
	for range ms {
		b.WriteString("---:|")
	}
	b.WriteString("\n")
	for _, s := range r.Subjects {
		fmt.Fprintf(&b, "| %s | %s |", s.Name, s.Builder)
		for _, m := range ms {
			cell := formatStats(m, s.Metrics[m])
			if m == ImageSize && s.SizeKind == UncompressedLayers && s.Metrics[m].N > 0 {
				cell += " ¹"
			}
			b.WriteString(" " + cell + " |")
		}
		b.WriteString("\n")
	}
	for _, s := range r.Subjects {
		if s.SizeKind == UncompressedLayers {
			fmt.Fprintf(&b, "\n¹ %s: no Docker engine, so the sum of the uncompressed layers, not `docker images`.\n", s.Name)
			break
		}
	}
	if n := r.Subject(Native); n != nil && len(r.Subjects) > 1 {
		b.WriteString("\nRatios, strategy ÷ canto (above 1: canto is smaller or faster by that factor):\n\n| strategy |")
		for _, m := range ms {
			b.WriteString(" " + m.Title() + " |")
		}
		b.WriteString("\n|---|")
		for range ms {
			b.WriteString("---:|")
		}
		b.WriteString("\n")
		for _, s := range r.Subjects {
			if s.Name == Native {
				continue
			}
			fmt.Fprintf(&b, "| %s |", s.Name)
			for _, m := range ms {
				if v, ok := r.Ratio(s.Name, m); ok {
					b.WriteString(" " + formatRatio(v) + " |")
				} else {
					b.WriteString(" – |")
				}
			}
			b.WriteString("\n")
		}
	}
	if len(r.Skipped) > 0 {
		b.WriteString("\nSkipped:\n")
		for _, s := range r.Skipped {
			fmt.Fprintf(&b, "- %s: %s\n", s.Name, s.Reason)
		}
	}
	if len(r.Failures) > 0 {
		b.WriteString("\nFailures:\n")
		for _, f := range r.Failures {
			fmt.Fprintf(&b, "- %s, repetition %d, %s: %s\n", f.Subject, f.Rep, f.Step, firstLine(f.Error))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// formatRatio keeps about three significant digits.
func formatRatio(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f×", v)
	case v >= 10:
		return fmt.Sprintf("%.1f×", v)
	}
	return fmt.Sprintf("%.2f×", v)
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// jsonReport is the shape of WriteJSON: the report plus each metric's unit.
type jsonReport struct {
	*Report
	Units map[Metric]Unit `json:"units"`
}

// WriteJSON writes the report as indented JSON, with each metric's unit.
func WriteJSON(w io.Writer, r *Report) error {
	units := map[Metric]Unit{}
	for _, m := range Metrics {
		units[m] = m.Unit()
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(jsonReport{Report: r, Units: units})
}

// SVG layout, in pixels.
const (
	svgCols     = 3
	svgPanelW   = 420
	svgLabelW   = 96
	svgBarH     = 18
	svgBarGap   = 6
	svgPanelTop = 34
	svgMargin   = 16
)

// WriteSVG writes a bar chart: one panel per metric, one bar per subject
// at its median, with a line over the min–max spread. It is plain SVG 1.1
// with no scripts or external references.
func WriteSVG(w io.Writer, r *Report) error {
	ms := r.present()
	n := len(r.Subjects)
	panelH := svgPanelTop + n*(svgBarH+svgBarGap) + 12
	rows := (len(ms) + svgCols - 1) / svgCols
	if rows == 0 {
		rows = 1
	}
	width := svgMargin*2 + svgCols*svgPanelW
	height := 48 + rows*panelH + 24
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="Helvetica, Arial, sans-serif" font-size="12">`+"\n", width, height, width, height)
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/>`+"\n", width, height)
	fmt.Fprintf(&b, `<text x="%d" y="26" font-size="16" font-weight="bold">canto bench: %s, median of %d (line: min–max); shorter is better</text>`+"\n", svgMargin, esc(r.Project), r.Repeat)
	for i, m := range ms {
		x0 := svgMargin + (i%svgCols)*svgPanelW
		y0 := 48 + (i/svgCols)*panelH
		fmt.Fprintf(&b, `<g transform="translate(%d,%d)">`+"\n", x0, y0)
		fmt.Fprintf(&b, `<text x="0" y="16" font-size="13" font-weight="bold">%s</text>`+"\n", esc(m.Title()))
		max := 0.0
		for _, s := range r.Subjects {
			max = math.Max(max, s.Metrics[m].Max)
		}
		barMax := float64(svgPanelW - svgLabelW - 100)
		scale := 0.0
		if max > 0 {
			scale = barMax / max
		}
		for j, s := range r.Subjects {
			y := svgPanelTop + j*(svgBarH+svgBarGap)
			fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", svgLabelW-6, y+13, esc(s.Name))
			st := s.Metrics[m]
			if st.N == 0 {
				fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#868e96">not measured</text>`+"\n", svgLabelW, y+13)
				continue
			}
			color := "#4c6ef5"
			if s.Name == Native {
				color = "#e8590c"
			}
			bw := st.Median * scale
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>`+"\n", svgLabelW, y, bw, svgBarH, color)
			if st.Max > st.Min {
				ly := float64(y) + svgBarH/2.0
				fmt.Fprintf(&b, `<line x1="%.1f" y1="%.1f" x2="%.1f" y2="%.1f" stroke="#212529" stroke-width="1.5"/>`+"\n",
					float64(svgLabelW)+st.Min*scale, ly, float64(svgLabelW)+st.Max*scale, ly)
			}
			fmt.Fprintf(&b, `<text x="%.1f" y="%d">%s</text>`+"\n", float64(svgLabelW)+math.Max(bw, st.Max*scale)+6, y+13, esc(FormatValue(m, st.Median)))
		}
		b.WriteString("</g>\n")
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" fill="#495057">orange: canto's native build; blue: Dockerfile strategies built by Docker</text>`+"\n", svgMargin, height-10)
	b.WriteString("</svg>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func esc(s string) string { return html.EscapeString(s) }
