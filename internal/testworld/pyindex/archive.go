package pyindex

import (
	"archive/tar"
	"archive/zip"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
)

// maxMetadataSize bounds how much of a METADATA or PKG-INFO member is read.
const maxMetadataSize = 4 << 20

// readMetadata returns the core metadata file of a distribution: the
// {name}-{version}.dist-info/METADATA member of a wheel, or the top-level
// {name}-{version}/PKG-INFO member of an sdist.
func readMetadata(file string, d Dist) ([]byte, error) {
	switch {
	case d.Kind == Wheel || strings.HasSuffix(d.Filename, ".zip"):
		return readZipMetadata(file, d)
	default:
		return readTarMetadata(file)
	}
}

// isMetadataMember reports whether a member name is the distribution's core
// metadata: exactly one directory deep, a *.dist-info/METADATA in a wheel or
// a PKG-INFO in an sdist's top directory.
func isMetadataMember(name string, kind Kind) bool {
	dir, base := path.Split(strings.TrimPrefix(name, "./"))
	dir = strings.TrimSuffix(dir, "/")
	if dir == "" || strings.Contains(dir, "/") {
		return false
	}
	if kind == Wheel {
		return base == "METADATA" && strings.HasSuffix(dir, ".dist-info")
	}
	return base == "PKG-INFO"
}

func readZipMetadata(file string, d Dist) ([]byte, error) {
	zr, err := zip.OpenReader(file)
	if err != nil {
		return nil, fmt.Errorf("opening %q: %w", d.Filename, err)
	}
	defer func() { _ = zr.Close() }()
	for _, f := range zr.File {
		if !isMetadataMember(f.Name, d.Kind) {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("reading %q in %q: %w", f.Name, d.Filename, err)
		}
		defer func() { _ = rc.Close() }()
		return readBounded(rc, f.Name, d.Filename)
	}
	return nil, fmt.Errorf("reading %q: no core metadata member", d.Filename)
}

func readTarMetadata(file string) ([]byte, error) {
	name := path.Base(file)
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("opening %q: %w", name, err)
	}
	defer func() { _ = f.Close() }()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("reading %q: %w", name, err)
	}
	defer func() { _ = gz.Close() }()
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("reading %q: no top-level PKG-INFO", name)
		}
		if err != nil {
			return nil, fmt.Errorf("reading %q: %w", name, err)
		}
		if h.Typeflag == tar.TypeReg && isMetadataMember(h.Name, Sdist) {
			return readBounded(tr, h.Name, name)
		}
	}
}

func readBounded(r io.Reader, member, archive string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxMetadataSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading %q in %q: %w", member, archive, err)
	}
	if len(b) > maxMetadataSize {
		return nil, fmt.Errorf("reading %q in %q: larger than %d bytes", member, archive, maxMetadataSize)
	}
	return b, nil
}
