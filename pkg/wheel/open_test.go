package wheel_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io/fs"
	"testing"

	"github.com/canto-build/canto/pkg/wheel"
	"github.com/canto-build/canto/pkg/wheel/wheeltest"
	"github.com/google/go-cmp/cmp"
)

const demoWhl = "demo-1.0-py3-none-any.whl"

func openSpec(t *testing.T, filename string, s wheeltest.Spec, opts ...wheel.Option) (*wheel.Wheel, error) {
	t.Helper()
	data := wheeltest.Build(s)
	return wheel.Open(bytes.NewReader(data), int64(len(data)), filename, opts...)
}

func pyFile(name, content string) wheeltest.File {
	return wheeltest.File{Name: name, Data: []byte(content)}
}

// editRow applies f to the RECORD row for path.
func editRow(path string, f func(*wheeltest.Row)) func([]wheeltest.Row) []wheeltest.Row {
	return func(rows []wheeltest.Row) []wheeltest.Row {
		for i := range rows {
			if rows[i].Path == path {
				f(&rows[i])
			}
		}
		return rows
	}
}

func TestOpenRejects(t *testing.T) {
	zeros := make([]byte, 8<<20)
	const pre = `opening wheel "demo-1.0-py3-none-any.whl": `
	const zipBombHint = "\nhint: this may be a zip bomb; if the wheel is trusted, raise the limit with wheel."
	tests := []struct {
		name     string
		filename string // default demoWhl
		spec     wheeltest.Spec
		opts     []wheel.Option
		want     string
	}{
		{
			name: "dotdot",
			spec: wheeltest.Spec{Files: []wheeltest.File{pyFile("../evil.py", "x")}},
			want: pre + `member "../evil.py": path has a ".." component`,
		},
		{
			name: "dotdot inside",
			spec: wheeltest.Spec{Files: []wheeltest.File{pyFile("demo/../../evil.py", "x")}},
			want: pre + `member "demo/../../evil.py": path has a ".." component`,
		},
		{
			name: "absolute",
			spec: wheeltest.Spec{Files: []wheeltest.File{pyFile("/etc/passwd", "x")}},
			want: pre + `member "/etc/passwd": path is absolute`,
		},
		{
			name: "backslash",
			spec: wheeltest.Spec{Files: []wheeltest.File{pyFile(`demo\..\..\evil.py`, "x")}},
			want: pre + `member "demo\\..\\..\\evil.py": path contains a backslash`,
		},
		{
			name: "drive letter",
			spec: wheeltest.Spec{Files: []wheeltest.File{pyFile("C:/evil.py", "x")}},
			want: pre + `member "C:/evil.py": path starts with a drive letter`,
		},
		{
			name: "NUL",
			spec: wheeltest.Spec{Files: []wheeltest.File{pyFile("demo/a\x00.py", "x")}},
			want: pre + `member "demo/a\x00.py": path contains a NUL byte`,
		},
		{
			name: "dot component",
			spec: wheeltest.Spec{Files: []wheeltest.File{pyFile("demo/./a.py", "x")}},
			want: pre + `member "demo/./a.py": path has an empty or "." component`,
		},
		{
			name: "empty component",
			spec: wheeltest.Spec{Files: []wheeltest.File{pyFile("demo//a.py", "x")}},
			want: pre + `member "demo//a.py": path has an empty or "." component`,
		},
		{
			name: "symlink member",
			spec: wheeltest.Spec{Files: []wheeltest.File{{Name: "demo/link", Data: []byte("/etc/passwd"), Mode: fs.ModeSymlink | 0o777}}},
			want: pre + `member "demo/link": is a symlink` + "\nhint: wheels cannot carry symlinks; rebuild the wheel with the link's target copied in",
		},
		{
			name: "device",
			spec: wheeltest.Spec{Files: []wheeltest.File{{Name: "demo/dev", Mode: fs.ModeDevice | 0o644}}},
			want: pre + `member "demo/dev": is a device, fifo or socket (mode Drw-r--r--)`,
		},
		{
			name: "fifo",
			spec: wheeltest.Spec{Files: []wheeltest.File{{Name: "demo/fifo", Mode: fs.ModeNamedPipe | 0o644}}},
			want: pre + `member "demo/fifo": is a device, fifo or socket (mode prw-r--r--)`,
		},
		{
			name: "duplicate member",
			spec: wheeltest.Spec{Files: []wheeltest.File{pyFile("demo/a.py", "x"), pyFile("demo/a.py", "y")}},
			want: pre + `member "demo/a.py": appears twice`,
		},
		{
			name: "RECORD size wrong",
			spec: wheeltest.Spec{
				Files:      []wheeltest.File{pyFile("demo/a.py", "print(1)\n")},
				EditRecord: editRow("demo/a.py", func(r *wheeltest.Row) { r.Size = "3" }),
			},
			want: pre + `member "demo/a.py": size mismatch: RECORD says 3 bytes, content has 9 bytes` + "\nhint: the wheel is corrupt or was altered; download it again",
		},
		{
			name: "RECORD hash wrong on metadata",
			spec: wheeltest.Spec{EditRecord: editRow("demo-1.0.dist-info/METADATA", func(r *wheeltest.Row) {
				r.Hash = "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"
			})},
			want: pre + `member "demo-1.0.dist-info/METADATA": hash mismatch: RECORD says sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU, content has sha256=` +
				metadataHash + "\nhint: the wheel is corrupt or was altered; download it again",
		},
		{
			name: "file missing from RECORD",
			spec: wheeltest.Spec{Files: []wheeltest.File{{Name: "demo/sneaky.py", Data: []byte("x"), NotInRecord: true}}},
			want: pre + `member "demo/sneaky.py": not listed in RECORD` + "\nhint: the wheel is corrupt or was altered after it was built",
		},
		{
			name: "extra RECORD entry",
			spec: wheeltest.Spec{EditRecord: func(rows []wheeltest.Row) []wheeltest.Row {
				return append(rows, wheeltest.Row{Path: "demo/ghost.py", Hash: "sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU", Size: "0"})
			}},
			want: pre + `RECORD lists "demo/ghost.py", which is not in the archive`,
		},
		{
			name: "RECORD entry without hash",
			spec: wheeltest.Spec{
				Files:      []wheeltest.File{pyFile("demo/a.py", "x")},
				EditRecord: editRow("demo/a.py", func(r *wheeltest.Row) { r.Hash = "" }),
			},
			want: pre + `member "demo/a.py": RECORD gives no hash`,
		},
		{
			name: "RECORD weak hash",
			spec: wheeltest.Spec{
				Files:      []wheeltest.File{pyFile("demo/a.py", "x")},
				EditRecord: editRow("demo/a.py", func(r *wheeltest.Row) { r.Hash = "md5=1B2M2Y8AsgTpgAmY7PhCfg" }),
			},
			want: pre + `parsing RECORD: line 1: hash "md5=1B2M2Y8AsgTpgAmY7PhCfg" uses unsupported algorithm "md5" (want sha256, sha384 or sha512)`,
		},
		{
			name: "no RECORD",
			spec: wheeltest.Spec{NoRecord: true},
			want: pre + `no RECORD in demo-1.0.dist-info`,
		},
		{
			name: "no WHEEL",
			spec: wheeltest.Spec{Wheel: "-"},
			want: pre + `no WHEEL in demo-1.0.dist-info`,
		},
		{
			name: "no METADATA",
			spec: wheeltest.Spec{Metadata: "-"},
			want: pre + `no METADATA in demo-1.0.dist-info`,
		},
		{
			name: "wheel version 2",
			spec: wheeltest.Spec{Wheel: "Wheel-Version: 2.0\nRoot-Is-Purelib: true\n"},
			want: pre + `parsing WHEEL: Wheel-Version "2.0" is not supported (want 1.x)` + "\nhint: the wheel was built by a newer format than canto understands",
		},
		{
			name: "metadata name mismatch",
			spec: wheeltest.Spec{Metadata: "Metadata-Version: 2.1\nName: other\nVersion: 1.0\n"},
			want: pre + `METADATA Name "other" does not match the file name's "demo"`,
		},
		{
			name: "metadata version mismatch",
			spec: wheeltest.Spec{Metadata: "Metadata-Version: 2.1\nName: Demo\nVersion: 1.1\n"},
			want: pre + `METADATA Version "1.1" does not match the file name's "1.0"`,
		},
		{
			name: "dist-info name mismatch",
			spec: wheeltest.Spec{Name: "other"},
			want: pre + `directory "other-1.0.dist-info" does not match the file name's demo-1.0`,
		},
		{
			name: "dist-info version mismatch",
			spec: wheeltest.Spec{Version: "2.0"},
			want: pre + `directory "demo-2.0.dist-info" does not match the file name's demo-1.0`,
		},
		{
			name: "no dist-info",
			spec: wheeltest.Spec{Wheel: "-", Metadata: "-", NoRecord: true, Files: []wheeltest.File{pyFile("demo/a.py", "x")}},
			want: pre + "no .dist-info directory\nhint: this is not a wheel, or it was built incorrectly",
		},
		{
			name: "two dist-infos",
			spec: wheeltest.Spec{Files: []wheeltest.File{pyFile("evil-1.0.dist-info/METADATA", "x")}},
			want: pre + `found 2 .dist-info directories (demo-1.0.dist-info, evil-1.0.dist-info), want exactly one`,
		},
		{
			name: "bad data scheme",
			spec: wheeltest.Spec{Files: []wheeltest.File{pyFile("demo-1.0.data/etc/passwd", "x")}},
			want: pre + `member "demo-1.0.data/etc/passwd": "etc" is not a wheel scheme (want purelib, platlib, headers, scripts or data)`,
		},
		{
			name: "file directly in data dir",
			spec: wheeltest.Spec{Files: []wheeltest.File{pyFile("demo-1.0.data/x", "x")}},
			want: pre + `member "demo-1.0.data/x": is not inside a demo-1.0.data/<scheme>/ directory`,
		},
		{
			name:     "not a whl",
			filename: "demo-1.0.tar.gz",
			want:     `opening wheel "demo-1.0.tar.gz": file name does not end in .whl`,
		},
		{
			name:     "bad file name",
			filename: "demo-1.0.whl",
			want:     `opening wheel "demo-1.0.whl": file name is not {name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`,
		},
		{
			name: "zip bomb stopped by compression ratio",
			spec: wheeltest.Spec{Files: []wheeltest.File{{Name: "demo/bomb.bin", Data: zeros}}},
			want: pre + `member "demo/bomb.bin": compression ratio exceeds the limit of 200:1` + zipBombHint + "WithMaxCompressionRatio",
		},
		{
			name: "zip bomb stopped by total size",
			spec: wheeltest.Spec{Files: []wheeltest.File{{Name: "demo/bomb.bin", Data: zeros}}},
			opts: []wheel.Option{wheel.WithMaxCompressionRatio(1<<30, 0), wheel.WithMaxTotalSize(1 << 20)},
			want: pre + `member "demo/bomb.bin": total uncompressed size exceeds the limit of 1048576 bytes` + zipBombHint + "WithMaxTotalSize",
		},
		{
			name: "too many members",
			spec: wheeltest.Spec{Files: []wheeltest.File{pyFile("demo/a.py", "")}},
			opts: []wheel.Option{wheel.WithMaxMembers(3)},
			want: pre + `member count exceeds the limit of 3 members` + zipBombHint + "WithMaxMembers",
		},
		{
			name: "metadata too big",
			spec: wheeltest.Spec{Metadata: "Name: demo\nVersion: 1.0\n\n" + string(make([]byte, 1000))},
			opts: []wheel.Option{wheel.WithMaxMetadataSize(500)},
			want: pre + `member "demo-1.0.dist-info/METADATA": metadata file size exceeds the limit of 500 bytes` + zipBombHint + "WithMaxMetadataSize",
		},
		{
			name: "bad option",
			opts: []wheel.Option{wheel.WithMaxMembers(0)},
			want: pre + `max member count 0 is not positive`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			filename := tt.filename
			if filename == "" {
				filename = demoWhl
			}
			w, err := openSpec(t, filename, tt.spec, tt.opts...)
			if err == nil {
				t.Fatalf("Open succeeded for %s, want error %q", w.Name(), tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("Open error:\n got: %s\nwant: %s", got, tt.want)
			}
		})
	}
}

// metadataHash is the RECORD hash of wheeltest's default METADATA for demo 1.0.
var metadataHash = func() string {
	sum := sha256.Sum256([]byte("Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}()

func TestLimitErrorsAreTyped(t *testing.T) {
	zeros := make([]byte, 8<<20)
	_, err := openSpec(t, demoWhl, wheeltest.Spec{Files: []wheeltest.File{{Name: "demo/bomb.bin", Data: zeros}}})
	var le *wheel.LimitError
	if !errors.As(err, &le) {
		t.Fatalf("error %v is not a *LimitError", err)
	}
	want := wheel.LimitError{Member: "demo/bomb.bin", Limit: "compression ratio", Max: 200, Option: "WithMaxCompressionRatio"}
	if *le != want {
		t.Errorf("LimitError = %+v, want %+v", *le, want)
	}
}

// Content is verified while it streams, so a wrong hash on an ordinary file
// passes Open and fails Verify (and Install).
func TestVerifyRejects(t *testing.T) {
	const pre = `verifying wheel "demo-1.0-py3-none-any.whl": `
	zeros := make([]byte, 8<<20)
	tests := []struct {
		name string
		spec wheeltest.Spec
		want string
	}{
		{
			name: "RECORD hash wrong",
			spec: wheeltest.Spec{
				Files: []wheeltest.File{pyFile("demo/a.py", "")},
				EditRecord: editRow("demo/a.py", func(r *wheeltest.Row) {
					r.Hash = "sha256=AAAAQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"
				}),
			},
			want: pre + `member "demo/a.py": hash mismatch: RECORD says sha256=AAAAQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU, content has sha256=47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU` +
				"\nhint: the wheel is corrupt or was altered; download it again",
		},
		{
			// The header claims 100 bytes, the deflate stream holds 8 MiB:
			// reading stops at the declared size.
			name: "header lies about size",
			spec: wheeltest.Spec{Files: []wheeltest.File{{
				Name: "demo/liar.bin",
				Data: make([]byte, 100),
				Raw:  &wheeltest.Raw{Compressed: wheeltest.Deflate(zeros), UncompressedSize: 100},
			}}},
			want: pre + `member "demo/liar.bin": zip: not a valid zip file`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, err := openSpec(t, demoWhl, tt.spec)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			err = w.Verify(context.Background())
			if err == nil {
				t.Fatalf("Verify succeeded, want %q", tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("Verify error:\n got: %s\nwant: %s", got, tt.want)
			}
		})
	}
}

func TestOpenAccessors(t *testing.T) {
	w, err := openSpec(t, "Demo_Pkg-1.0.0-1-py3-none-any.whl", wheeltest.Spec{
		Name:        "demo_pkg",
		Version:     "1.0",
		Wheel:       "Wheel-Version: 1.0\nGenerator: bdist_wheel (0.41.2)\nRoot-Is-Purelib: false\nTag: cp311-cp311-manylinux_2_17_x86_64\nTag: cp311-cp311-manylinux2014_x86_64\nBuild: 1\n",
		Metadata:    "Metadata-Version: 2.1\nName: Demo.Pkg\nVersion: v1.0.0\nRequires-Python: >=3.8\nRequires-Dist: requests (>=2)\nRequires-Dist: rich ; extra == 'cli'\nProvides-Extra: cli\n\nLong description.\nName: ignored\n",
		EntryPoints: "[console_scripts]\ndemo = demo_pkg.cli:main\n\n[demo.plugins]\nx = demo_pkg.x\n",
		Files:       []wheeltest.File{pyFile("demo_pkg/__init__.py", "")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if w.Name() != "Demo.Pkg" || w.Version() != "v1.0.0" || w.DistInfoDir() != "demo_pkg-1.0.dist-info" {
		t.Errorf("Name, Version, DistInfoDir = %q, %q, %q", w.Name(), w.Version(), w.DistInfoDir())
	}
	wantInfo := wheel.WheelInfo{
		WheelVersion: "1.0", Generator: "bdist_wheel (0.41.2)", RootIsPurelib: false,
		Tags:  []string{"cp311-cp311-manylinux_2_17_x86_64", "cp311-cp311-manylinux2014_x86_64"},
		Build: "1",
	}
	if diff := cmp.Diff(wantInfo, w.WheelInfo()); diff != "" {
		t.Errorf("WheelInfo (-want +got):\n%s", diff)
	}
	wantMeta := wheel.Metadata{
		MetadataVersion: "2.1", Name: "Demo.Pkg", Version: "v1.0.0", RequiresPython: ">=3.8",
		RequiresDist:  []string{"requests (>=2)", "rich ; extra == 'cli'"},
		ProvidesExtra: []string{"cli"},
	}
	if diff := cmp.Diff(wantMeta, w.Metadata()); diff != "" {
		t.Errorf("Metadata (-want +got):\n%s", diff)
	}
	wantEPs := wheel.EntryPoints{
		"console_scripts": {{Name: "demo", Module: "demo_pkg.cli", Attr: "main"}},
		"demo.plugins":    {{Name: "x", Module: "demo_pkg.x"}},
	}
	if diff := cmp.Diff(wantEPs, w.EntryPoints()); diff != "" {
		t.Errorf("EntryPoints (-want +got):\n%s", diff)
	}
	if err := w.Verify(context.Background()); err != nil {
		t.Errorf("Verify: %v", err)
	}
	if got := len(w.Record()); got != 5 {
		t.Errorf("len(Record()) = %d, want 5", got)
	}
}
