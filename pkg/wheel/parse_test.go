package wheel

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseRecord(t *testing.T) {
	const h = "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"
	good := []struct {
		name string
		in   string
		want []RecordEntry
	}{
		{"empty", "", nil},
		{"rows", "a/b.py," + h + ",0\nd-1.0.dist-info/RECORD,,\n", []RecordEntry{
			{Path: "a/b.py", Hash: h, Size: 0},
			{Path: "d-1.0.dist-info/RECORD", Size: -1},
		}},
		{"crlf and quoting", "\"a,b.py\"," + h + ",12\r\n", []RecordEntry{{Path: "a,b.py", Hash: h, Size: 12}}},
		{"sha512", "x,sha512=z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg_SpIdNs6c5H0NE8XYXysP-DGNKHfuwvY7kxvUdBeoGlODJ6-SfaPg,0\n",
			[]RecordEntry{{Path: "x", Hash: "sha512=z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg_SpIdNs6c5H0NE8XYXysP-DGNKHfuwvY7kxvUdBeoGlODJ6-SfaPg", Size: 0}}},
	}
	for _, tt := range good {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRecord([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			// Round trip through FormatRecord.
			again, err := ParseRecord(FormatRecord(got))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(got, again); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
	bad := []struct{ name, in, want string }{
		{"two columns", "a,b\n", "parsing RECORD: line 1: want 3 columns (path,hash,size), got 2"},
		{"empty path", "," + h + ",0\n", "parsing RECORD: line 1: empty path"},
		{"duplicate", "a,,\na,,\n", `parsing RECORD: line 2: path "a" listed twice`},
		{"no equals", "a,sha256,0\n", `parsing RECORD: line 1: hash "sha256" is not <algorithm>=<digest>`},
		{"md5", "a,md5=1B2M2Y8AsgTpgAmY7PhCfg,0\n", `parsing RECORD: line 1: hash "md5=1B2M2Y8AsgTpgAmY7PhCfg" uses unsupported algorithm "md5" (want sha256, sha384 or sha512)`},
		{"padding", "a," + h + "=,0\n", `parsing RECORD: line 1: hash "` + h + `=" is not a sha256 digest in urlsafe base64 without padding`},
		{"short digest", "a,sha256=AAAA,0\n", `parsing RECORD: line 1: hash "sha256=AAAA" is not a sha256 digest in urlsafe base64 without padding`},
		{"std base64", "a,sha256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU,0\n", `parsing RECORD: line 1: hash "sha256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU" is not a sha256 digest in urlsafe base64 without padding`},
		{"negative size", "a," + h + ",-1\n", `parsing RECORD: line 1: size "-1" is not a non-negative integer`},
		// Found by FuzzParseRecord in CI: Go's CSV reader turns a quoted
		// "\r\n" into "\n", so such a path could not round-trip.
		{"quoted crlf in path", "\"\r\n\",,\n", `parsing RECORD: line 1: path "\n" holds control character U+000A; no installable file name does`},
		{"nul in path", "a\x00b,,\n", `parsing RECORD: line 1: path "a\x00b" holds control character U+0000; no installable file name does`},
		{"bad quote", "\"a,,\n", "parsing RECORD: parse error on line 1, column 6: extraneous or missing \" in quoted-field"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRecord([]byte(tt.in))
			if err == nil || err.Error() != tt.want {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestParseEntryPoints(t *testing.T) {
	in := "# comment\n; other comment\n[console_scripts]\nblack = black:patched_main\n" +
		"blackd=blackd:patched_main [d]\n\n[gui_scripts]\n  \ndemo-gui = demo.gui : App.run\n" +
		"[demo.plugins]\nCaseSensitive = demo.plugins\nwith space = demo . x:y [a, b]\r\n"
	want := EntryPoints{
		"console_scripts": {
			{Name: "black", Module: "black", Attr: "patched_main"},
			{Name: "blackd", Module: "blackd", Attr: "patched_main", Extras: []string{"d"}},
		},
		"gui_scripts": {{Name: "demo-gui", Module: "demo.gui", Attr: "App.run"}},
		"demo.plugins": {
			{Name: "CaseSensitive", Module: "demo.plugins"},
			{Name: "with space", Module: "demo.x", Attr: "y", Extras: []string{"a", "b"}},
		},
	}
	got, err := ParseEntryPoints([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	bad := []struct{ name, in, want string }{
		{"before group", "a = b:c\n", "parsing entry points: line 1: entry before any [group] header"},
		{"unclosed", "[x\n", `parsing entry points: line 1: section header "[x" has no closing "]"`},
		{"empty group", "[ ]\n", "parsing entry points: line 1: empty group name"},
		{"duplicate group", "[x]\n[x]\n", `parsing entry points: line 2: group "x" appears twice`},
		{"duplicate name", "[x]\na = b\na = c\n", `parsing entry points: line 3: name "a" appears twice in group "x"`},
		{"no equals", "[x]\nab\n", `parsing entry points: line 2: want "name = module:attr", got "ab"`},
		{"colon delimiter", "[x]\na: b\n", `parsing entry points: line 2: want "name = module:attr", got "a: b"`},
		{"empty name", "[x]\n= b\n", "parsing entry points: line 2: empty entry point name"},
		{"continuation", "[x]\na = b\n  :c\n", "parsing entry points: line 3: unexpected indented line"},
		{"code injection", "[console_scripts]\na = os; import evil:x\n", `parsing entry points: line 2: "os; import evil:x" is not an object reference (module or module:attr)`},
		{"empty attr", "[x]\na = b:\n", `parsing entry points: line 2: "b:" is not an object reference (module or module:attr)`},
		{"digit module", "[x]\na = 1b:c\n", `parsing entry points: line 2: "1b:c" is not an object reference (module or module:attr)`},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseEntryPoints([]byte(tt.in))
			if err == nil || err.Error() != tt.want {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestParseMetadataAndWheelInfo(t *testing.T) {
	got, err := ParseMetadata([]byte("Metadata-Version: 2.3\r\nname: x\r\nVersion: 1\r\nSummary: a\r\n  folded\r\nRequires-Dist: a\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Metadata{MetadataVersion: "2.3", Name: "x", Version: "1", RequiresDist: []string{"a"}}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	bad := []struct {
		name  string
		parse func([]byte) error
		in    string
		want  string
	}{
		{"no name", metaErr, "Version: 1\n", "parsing METADATA: no Name field"},
		{"no version", metaErr, "Name: x\n", "parsing METADATA: no Version field"},
		{"bad name", metaErr, "Name: ../x\nVersion: 1\n", `parsing METADATA: Name "../x" is not a valid project name`},
		{"two names", metaErr, "Name: x\nName: y\nVersion: 1\n", `parsing METADATA: field "name" appears twice`},
		{"not a header", metaErr, "Name x\n", `parsing METADATA: line 1: "Name x" is not a "Key: value" header`},
		{"leading continuation", metaErr, " x\n", "parsing METADATA: line 1: continuation line before any header"},
		{"no wheel version", wheelErr, "Root-Is-Purelib: true\n", "parsing WHEEL: no Wheel-Version field"},
		{"wheel version junk", wheelErr, "Wheel-Version: 1.x\n", "parsing WHEEL: Wheel-Version \"1.x\" is not supported (want 1.x)\nhint: the wheel was built by a newer format than canto understands"},
		{"purelib junk", wheelErr, "Wheel-Version: 1.0\nRoot-Is-Purelib: yes\n", `parsing WHEEL: Root-Is-Purelib is "yes", want true or false`},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.parse([]byte(tt.in))
			if err == nil || err.Error() != tt.want {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
	info, err := ParseWheelInfo([]byte("Wheel-Version: 1.9\nRoot-Is-Purelib: TRUE\n"))
	if err != nil || !info.RootIsPurelib || info.WheelVersion != "1.9" {
		t.Errorf("ParseWheelInfo = %+v, %v; want 1.9 purelib", info, err)
	}
}

func metaErr(b []byte) error  { _, err := ParseMetadata(b); return err }
func wheelErr(b []byte) error { _, err := ParseWheelInfo(b); return err }

func TestNormalizeVersion(t *testing.T) {
	same := [][2]string{
		{"1.0", "1.0.0"},
		{"1.0", "v1.0"},
		{"1.0a1", "1.0.alpha.1"},
		{"1.0b2", "1.0-beta2"},
		{"1.0rc1", "1.0c1"},
		{"1.0rc1", "1.0.pre1"},
		{"1.0rc1", "1.0preview1"},
		{"1.0.post1", "1.0.rev1"},
		{"1.0.post1", "1.0-r1"},
		{"1.0.dev0", "1.0.dev"},
		{"1.0a0", "1.0a"},
		{"1.01", "1.1"},
		{"0!1.0", "1.0"},
		{"1.0+ubuntu-1", "1.0+ubuntu.1"},
		{"1.0RC1", "1.0rc1"},
		{" 1.0 ", "1.0"},
	}
	for _, p := range same {
		if a, b := normalizeVersion(p[0]), normalizeVersion(p[1]); a != b {
			t.Errorf("normalizeVersion(%q) = %q, normalizeVersion(%q) = %q; want equal", p[0], a, p[1], b)
		}
	}
	different := [][2]string{
		{"1.0", "1.1"},
		{"1.0a1", "1.0b1"},
		{"1.0", "1!1.0"},
		{"1.0", "1.0+local"},
		{"1.0.post1", "1.0.dev1"},
		{"1.0rc1", "1.0rc2"},
	}
	for _, p := range different {
		if a, b := normalizeVersion(p[0]), normalizeVersion(p[1]); a == b {
			t.Errorf("normalizeVersion(%q) = normalizeVersion(%q) = %q; want different", p[0], p[1], a)
		}
	}
	if got := normalizeVersion("1.0.0a1.post2.dev3+Local_1"); got != "1a1.post2.dev3+local.1" {
		t.Errorf("normalizeVersion = %q, want 1a1.post2.dev3+local.1", got)
	}
}

func TestNormalizeName(t *testing.T) {
	for in, want := range map[string]string{
		"Django": "django", "ruamel.yaml": "ruamel-yaml", "foo__bar--baz": "foo-bar-baz", "A._-B": "a-b",
	} {
		if got := normalizeName(in); got != want {
			t.Errorf("normalizeName(%q) = %q, want %q", in, got, want)
		}
	}
}

// chunkReader returns its data in small chunks, like a decompressor.
type chunkReader struct {
	r io.Reader
}

func (c chunkReader) Read(p []byte) (int, error) {
	if len(p) > 1000 {
		p = p[:1000]
	}
	return c.r.Read(p)
}

// The limits hold against the bytes actually read even when the sizes a
// member declares are small; archive/zip also refuses to read past a
// member's declared size, so this reaches the check directly.
func TestMemberReaderCountsActualBytes(t *testing.T) {
	o := defaultOptions()
	o.maxTotalSize = 5000
	o.ratioMinSize = 100
	o.maxRatio = 10
	w := &Wheel{opts: o}
	tests := []struct {
		name       string
		size       int
		compressed int64
		want       string
	}{
		{"ratio", 2000, 100, `member "m": compression ratio exceeds the limit of 10:1` + "\nhint: this may be a zip bomb; if the wheel is trusted, raise the limit with wheel.WithMaxCompressionRatio"},
		{"total", 6000, 1 << 20, `member "m": total uncompressed size exceeds the limit of 5000 bytes` + "\nhint: this may be a zip bomb; if the wheel is trusted, raise the limit with wheel.WithMaxTotalSize"},
		{"within limits", 1000, 100, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := chunkReader{bytes.NewReader(make([]byte, tt.size))}
			mr := w.newMemberReader("m", io.NopCloser(src), tt.compressed, &budget{max: o.maxTotalSize})
			n, err := io.Copy(io.Discard, mr)
			if tt.want == "" {
				if err != nil || n != int64(tt.size) {
					t.Fatalf("read %d bytes, err %v; want %d, nil", n, err, tt.size)
				}
				return
			}
			var le *LimitError
			if !errors.As(err, &le) || err.Error() != tt.want {
				t.Fatalf("err = %v, want LimitError %q", err, tt.want)
			}
			if n >= int64(tt.size) {
				t.Errorf("read all %d bytes before stopping", n)
			}
		})
	}
}

func TestRelPath(t *testing.T) {
	for _, tt := range []struct{ base, target, want string }{
		{"/opt/venv/lib/python3.11/site-packages", "/opt/venv/bin/foo", "../../../bin/foo"},
		{"/opt/venv/lib/python3.11/site-packages", "/opt/venv/lib/python3.11/site-packages/a/b.py", "a/b.py"},
		{"/opt/venv/lib/python3.11/site-packages", "/opt/venv/share/x", "../../../share/x"},
		{"/a", "/b/c", "../b/c"},
		{"/", "/b/c", "b/c"},
	} {
		if got := relPath(tt.base, tt.target); got != tt.want {
			t.Errorf("relPath(%q, %q) = %q, want %q", tt.base, tt.target, got, tt.want)
		}
	}
}

func TestRewriteShebang(t *testing.T) {
	long := "/" + string(bytes.Repeat([]byte("x"), 130)) + "/python"
	tests := []struct {
		name, interp, in, want string
		ok                     bool
	}{
		{"plain", "/opt/venv/bin/python", "#!python\n", "#!/opt/venv/bin/python\n", true},
		{"pythonw", "/opt/venv/bin/python", "#!pythonw\n", "#!/opt/venv/bin/python\n", true},
		{"versioned with args", "/opt/venv/bin/python", "#!python3.11  -u   -E\r\n", "#!/opt/venv/bin/python -u -E\n", true},
		{"no newline", "/opt/venv/bin/python", "#!python", "#!/opt/venv/bin/python", true},
		{"space in path", "/opt/my venv/bin/python", "#!python\n", "#!/bin/sh\n'''exec' '/opt/my venv/bin/python' \"$0\" \"$@\"\n' '''\n", true},
		{"long path with args", long, "#!python -u\n", "#!/bin/sh\n'''exec' '" + long + "' -u \"$0\" \"$@\"\n' '''\n", true},
		{"not python", "/x", "#!pythonista\n", "", false},
		{"env", "/x", "#!/usr/bin/env python\n", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := rewriteShebang([]byte(tt.in), tt.interp)
			if ok != tt.ok || string(got) != tt.want {
				t.Errorf("rewriteShebang(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}
