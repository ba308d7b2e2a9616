package bench

import (
	"bytes"
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// sampleReport is a fixed report with a Dockerfile strategy, canto, a
// skipped strategy and a failure.
func sampleReport() *Report {
	st := func(vals ...float64) Stats { return Summarize(vals) }
	return &Report{
		Project: "flask-uwsgi", Repeat: 3, ProbeURL: "http://127.0.0.1:8000/",
		Started: time.Date(2026, 11, 28, 16, 0, 0, 0, time.UTC), Took: 1234.5,
		Subjects: []SubjectResult{
			{Name: "slim", Builder: "docker buildkit", SizeKind: DockerSize, Metrics: map[Metric]Stats{
				ImageSize: st(391e6, 391e6, 391e6), CompressedSize: st(150e6, 150e6, 150e6), LayerCount: st(9, 9, 9),
				ColdBuild: st(137, 120, 150), RebuildPyproject: st(109, 100, 99), RebuildDependency: st(110, 104, 121),
				RebuildCode: st(3.2, 2.9, 3.5), PushAfterDependency: st(40e6, 40e6, 41e6), FirstAnswer: st(0.8, 0.7, 0.9),
			}},
			{Name: "canto", Builder: "canto build", SizeKind: UncompressedLayers, Metrics: map[Metric]Stats{
				ImageSize: st(160e6, 160e6, 160e6), CompressedSize: st(60e6, 60e6, 60e6), LayerCount: st(12, 12, 12),
				ColdBuild: st(70, 65, 90), RebuildPyproject: st(0.4, 0.5, 0.3), RebuildDependency: st(0.6, 0.7, 0.5),
				RebuildCode: st(0.4, 0.4, 0.4), PushAfterDependency: st(2500, 2500, 2500),
			}},
		},
		Skipped:  []Skip{{Name: "buildkit", Reason: "no Docker engine: docker: not found"}},
		Failures: []Failure{{Subject: "slim", Rep: 2, Step: "probe", Error: "probe: no answer\nmore"}},
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s", name, diff)
	}
}

func TestRender(t *testing.T) {
	for _, tc := range []struct {
		name  string
		write func(*bytes.Buffer, *Report) error
	}{
		{"report.md", func(b *bytes.Buffer, r *Report) error { return WriteMarkdown(b, r) }},
		{"report.json", func(b *bytes.Buffer, r *Report) error { return WriteJSON(b, r) }},
		{"report.svg", func(b *bytes.Buffer, r *Report) error { return WriteSVG(b, r) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tc.write(&b, sampleReport()); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name, b.Bytes())
		})
	}
}

func TestSVGIsWellFormedXML(t *testing.T) {
	var b bytes.Buffer
	r := sampleReport()
	r.Project = `a<b>&"c"`
	if err := WriteSVG(&b, r); err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(&b)
	elements := 0
	for {
		tok, err := d.Token()
		if err != nil {
			if err.Error() == "EOF" {
				break
			}
			t.Fatalf("not well-formed XML: %v", err)
		}
		if _, ok := tok.(xml.StartElement); ok {
			elements++
		}
	}
	if elements < 20 {
		t.Errorf("only %d elements", elements)
	}
}

func TestRatio(t *testing.T) {
	r := sampleReport()
	for _, tc := range []struct {
		subject string
		metric  Metric
		want    float64
		ok      bool
	}{
		{"slim", ColdBuild, 137.0 / 70, true},
		{"slim", RebuildPyproject, 100.0 / 0.4, true},
		{"slim", FirstAnswer, 0, false}, // canto has none
		{"nope", ColdBuild, 0, false},
	} {
		got, ok := r.Ratio(tc.subject, tc.metric)
		if ok != tc.ok || got != tc.want {
			t.Errorf("Ratio(%s, %s) = %v, %v; want %v, %v", tc.subject, tc.metric, got, ok, tc.want, tc.ok)
		}
	}
}

func TestFormatValue(t *testing.T) {
	for _, tc := range []struct {
		m    Metric
		v    float64
		want string
	}{
		{ImageSize, 162_345_678, "162.3 MB"},
		{ImageSize, 1_500_000_000, "1.50 GB"},
		{PushAfterDependency, 25_876, "25.9 kB"},
		{PushAfterDependency, 12, "12 B"},
		{LayerCount, 7, "7"},
		{ColdBuild, 137.04, "137.0 s"},
		{RebuildCode, 0.237, "0.24 s"},
	} {
		if got := FormatValue(tc.m, tc.v); got != tc.want {
			t.Errorf("FormatValue(%s, %v) = %q, want %q", tc.m, tc.v, got, tc.want)
		}
	}
}
