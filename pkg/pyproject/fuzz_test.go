package pyproject

import (
	"errors"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"", poetryFull, pep621Full, poetryDoc, pep621Doc,
		"[tool.poetry.dependencies]\nx = [{version=\"1\"}, 2]\n",
		"[project]\ndependencies = [\"a[b] (>=1) ; c\", \"d @ e ; f\"]\n",
		"[[tool.poetry.source]]\nname=\"a\"\ndefault=true\n",
		"x = 1.5e300\ny = \"\\u00e9\"\n[tool.poetry]\nextras = {a = [\"b\"]}\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse(data, "pyproject.toml")
		if err != nil {
			var se *SyntaxError
			var fe *FieldError
			if !errors.As(err, &se) && !errors.As(err, &fe) {
				t.Fatalf("untyped error %T: %v", err, err)
			}
			return
		}
		for _, s := range []HashScheme{HashPoetry23, HashPoetry20, HashPoetry12, HashPoetry10} {
			if h := p.ContentHashFor(s); len(h) != 64 {
				t.Fatalf("ContentHashFor(%v) = %q", s, h)
			}
		}
	})
}
