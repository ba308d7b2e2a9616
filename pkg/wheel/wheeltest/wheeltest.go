// Package wheeltest builds wheels in memory for tests, with knobs to damage
// them. It does not import package wheel, so that package's own tests can
// use it to check it independently.
package wheeltest

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"fmt"
	"io/fs"
	"strconv"
	"time"
)

// File is one member of a test wheel.
type File struct {
	Name string
	Data []byte
	// Mode is the Unix mode stored in the zip's external attributes;
	// 0 means 0o644. It may carry type bits (fs.ModeSymlink, fs.ModeDevice).
	Mode fs.FileMode
	// Store stores the member uncompressed instead of deflating it.
	Store bool
	// Raw, when set, writes Raw.Compressed as the member's deflate stream
	// with the header sizes and CRC given, whatever they are: a way to make
	// headers that lie. Data is then only used for RECORD.
	Raw *Raw
	// NotInRecord leaves the file out of RECORD.
	NotInRecord bool
}

// Raw is a member written with pre-compressed bytes and declared header
// fields.
type Raw struct {
	Compressed       []byte
	UncompressedSize uint64
	CRC32            uint32
}

// Row is one RECORD row.
type Row struct{ Path, Hash, Size string }

// Spec describes a test wheel: a "<Name>-<Version>.dist-info" directory with
// WHEEL, METADATA, optional entry_points.txt and RECORD, after Files.
type Spec struct {
	// Name and Version form the .dist-info directory name and the default
	// METADATA; defaults "demo" and "1.0".
	Name, Version string
	Files         []File
	// Wheel is the WHEEL file; default Wheel-Version 1.0, Root-Is-Purelib
	// true, Tag py3-none-any. "-" omits the file.
	Wheel string
	// Metadata is the METADATA file; default names Name and Version. "-"
	// omits it.
	Metadata string
	// EntryPoints, when non-empty, is written as entry_points.txt.
	EntryPoints string
	// EditRecord, when set, may change the RECORD rows before they are
	// written (RECORD's own row is last).
	EditRecord func([]Row) []Row
	// NoRecord omits RECORD.
	NoRecord bool
	// Modified is every member's modification time; default 2020-01-01.
	Modified time.Time
}

// Build returns the bytes of the wheel s describes. It panics on errors,
// which only a broken Spec can cause.
func Build(s Spec) []byte {
	if s.Name == "" {
		s.Name = "demo"
	}
	if s.Version == "" {
		s.Version = "1.0"
	}
	if s.Modified.IsZero() {
		s.Modified = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	distInfo := s.Name + "-" + s.Version + ".dist-info/"
	files := append([]File(nil), s.Files...)
	switch s.Wheel {
	case "":
		files = append(files, File{Name: distInfo + "WHEEL", Data: []byte("Wheel-Version: 1.0\nGenerator: wheeltest\nRoot-Is-Purelib: true\nTag: py3-none-any\n")})
	case "-":
	default:
		files = append(files, File{Name: distInfo + "WHEEL", Data: []byte(s.Wheel)})
	}
	switch s.Metadata {
	case "":
		files = append(files, File{Name: distInfo + "METADATA", Data: []byte(fmt.Sprintf("Metadata-Version: 2.1\nName: %s\nVersion: %s\n", s.Name, s.Version))})
	case "-":
	default:
		files = append(files, File{Name: distInfo + "METADATA", Data: []byte(s.Metadata)})
	}
	if s.EntryPoints != "" {
		files = append(files, File{Name: distInfo + "entry_points.txt", Data: []byte(s.EntryPoints)})
	}
	var rows []Row
	for _, f := range files {
		if f.NotInRecord || (len(f.Name) > 0 && f.Name[len(f.Name)-1] == '/') {
			continue
		}
		sum := sha256.Sum256(f.Data)
		rows = append(rows, Row{f.Name, "sha256=" + base64.RawURLEncoding.EncodeToString(sum[:]), strconv.Itoa(len(f.Data))})
	}
	rows = append(rows, Row{distInfo + "RECORD", "", ""})
	if s.EditRecord != nil {
		rows = s.EditRecord(rows)
	}
	if !s.NoRecord {
		var rec bytes.Buffer
		cw := csv.NewWriter(&rec)
		for _, r := range rows {
			must(cw.Write([]string{r.Path, r.Hash, r.Size}))
		}
		cw.Flush()
		files = append(files, File{Name: distInfo + "RECORD", Data: rec.Bytes()})
	}

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		h := &zip.FileHeader{Name: f.Name, Method: zip.Deflate, Modified: s.Modified}
		if f.Store {
			h.Method = zip.Store
		}
		mode := f.Mode
		if mode == 0 {
			mode = 0o644
		}
		h.SetMode(mode)
		if f.Raw != nil {
			h.CompressedSize64 = uint64(len(f.Raw.Compressed))
			h.UncompressedSize64 = f.Raw.UncompressedSize
			h.CRC32 = f.Raw.CRC32
			w, err := zw.CreateRaw(h)
			must(err)
			_, err = w.Write(f.Raw.Compressed)
			must(err)
			continue
		}
		w, err := zw.CreateHeader(h)
		must(err)
		_, err = w.Write(f.Data)
		must(err)
	}
	must(zw.Close())
	return buf.Bytes()
}

// Deflate compresses data with the zip deflate method, for Raw members.
func Deflate(data []byte) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "x", Method: zip.Deflate})
	must(err)
	_, err = w.Write(data)
	must(err)
	must(zw.Close())
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	must(err)
	off, err := zr.File[0].DataOffset()
	must(err)
	return append([]byte(nil), buf.Bytes()[off:off+int64(zr.File[0].CompressedSize64)]...)
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
