package wheel

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func FuzzParseRecord(f *testing.F) {
	f.Add([]byte("a/b.py,sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU,0\nd-1.0.dist-info/RECORD,,\n"))
	f.Add([]byte("\"a,b\",,\r\n"))
	f.Add([]byte("a,md5=x,1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := ParseRecord(data)
		if err != nil {
			return
		}
		again, err := ParseRecord(FormatRecord(entries))
		if err != nil {
			t.Fatalf("re-parsing formatted RECORD: %v", err)
		}
		if diff := cmp.Diff(entries, again); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
	})
}

func FuzzParseEntryPoints(f *testing.F) {
	f.Add([]byte("[console_scripts]\nblack = black:patched_main [d]\n"))
	f.Add([]byte("# c\n[x]\na=b.c : d.e\n\n[y]\nz = w\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		eps, err := ParseEntryPoints(data)
		if err != nil {
			return
		}
		for g, list := range eps {
			if g == "" {
				t.Fatal("empty group name accepted")
			}
			for _, ep := range list {
				if ep.Name == "" || ep.Module == "" {
					t.Fatalf("entry point with empty name or module: %+v", ep)
				}
			}
		}
	})
}

func FuzzParseMetadata(f *testing.F) {
	f.Add([]byte("Metadata-Version: 2.1\nName: x\nVersion: 1.0\nRequires-Dist: a\n\nbody"))
	f.Add([]byte("Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if m, err := ParseMetadata(data); err == nil && (m.Name == "" || m.Version == "") {
			t.Fatalf("metadata without name or version accepted: %+v", m)
		}
		_, _ = ParseWheelInfo(data)
		_ = normalizeVersion(string(data))
	})
}
