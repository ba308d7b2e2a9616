package projectwheel

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/canto-build/canto/pkg/pep440"
	"github.com/canto-build/canto/pkg/pyname"
	"github.com/canto-build/canto/pkg/pyproject"
)

// tag is the compatibility tag of every wheel Build writes.
const tag = "py3-none-any"

// compressionLevel is fixed so that equal input gives equal bytes (for one
// Go release of compress/flate).
const compressionLevel = 6

// poetryBackends are the build-backend values of poetry-core.
var poetryBackends = map[string]bool{"poetry.core.masonry.api": true, "poetry.masonry.api": true}

// Result describes a built wheel.
type Result struct {
	// Filename is "{name}-{version}-py3-none-any.whl" with the name PEP 503
	// normalised and "-" replaced by "_", and the version PEP 440 normalised.
	Filename string
	// Name is the project name as written in pyproject.toml.
	Name string
	// Version is the PEP 440 normalised version.
	Version string
	// SHA256 is the lowercase hex digest of the wheel file.
	SHA256 string
	// Size is the wheel's length in bytes.
	Size int64
	// Bytes holds the wheel unless WithWriter was given.
	Bytes []byte
}

// IsPackage reports whether the project is a package (not
// tool.poetry.package-mode = false), so that it has a wheel.
func IsPackage(p *pyproject.Project) bool { return p.PackageMode }

type builder struct {
	dir     string
	p       *pyproject.Project
	o       options
	tree    *tree
	version string
	dist    string // escaped distribution name
	extra   extraMeta
}

func (b *builder) configError(field, msg, hint string) error {
	return &ConfigError{File: b.p.File, Field: field, Msg: msg, Hint: hint}
}

func (b *builder) dataDir() string     { return b.dist + "-" + b.version + ".data" }
func (b *builder) distInfoDir() string { return b.dist + "-" + b.version + ".dist-info" }

// Build packs the project in dir, described by p, into a wheel in the
// manner of poetry-core (see the package documentation for what it packs
// and where it differs). The wheel is written to the WithWriter writer or
// returned in Result.Bytes.
//
// Errors: *NotAPackageError for package-mode = false; *UnsupportedError
// when the project needs a real build backend; *ConfigError naming the
// field for a missing package, an include matching nothing, an unimportable
// module name or an unreadable readme.
func Build(ctx context.Context, dir string, p *pyproject.Project, opts ...Option) (*Result, error) {
	if p == nil {
		return nil, fmt.Errorf("building wheel of %q: nil project", dir)
	}
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	if err := o.validate(); err != nil {
		return nil, fmt.Errorf("building wheel of %q: %w", dir, err)
	}
	b := &builder{dir: dir, p: p, o: o}
	res, err := b.build(ctx)
	if err != nil {
		return nil, fmt.Errorf("building wheel of %q: %w", dir, err)
	}
	return res, nil
}

func (b *builder) checkSupported() error {
	p := b.p
	if !p.PackageMode {
		return &NotAPackageError{File: p.File}
	}
	if bs := p.BuildSystem; bs != nil && bs.Backend != "" && !poetryBackends[bs.Backend] {
		return &UnsupportedError{File: p.File, Reason: fmt.Sprintf("build-system.build-backend is %q, not poetry-core", bs.Backend)}
	}
	if b.extra.buildScript {
		return &UnsupportedError{File: p.File, Reason: "tool.poetry.build runs a build script"}
	}
	if p.Name == "" {
		return b.configError(b.extra.table+".name", "missing", "set project.name or tool.poetry.name")
	}
	if !pyname.Valid(p.Name) {
		return b.configError(b.extra.table+".name", fmt.Sprintf("%q is not a valid project name", p.Name),
			"use ASCII letters, digits, '-', '_' and '.', starting and ending with a letter or digit")
	}
	if p.Version == "" {
		return b.configError(b.extra.versionTable+".version", "missing", "set project.version or tool.poetry.version")
	}
	v, err := pep440.Parse(p.Version)
	if err != nil {
		return b.configError(b.extra.versionTable+".version", err.Error(), "write a PEP 440 version such as \"1.2.3\"")
	}
	b.version = v.String()
	b.dist = strings.ReplaceAll(pyname.Normalize(p.Name), "-", "_")
	return nil
}

func (b *builder) build(ctx context.Context) (*Result, error) {
	b.extra = readExtraMeta(b.p.Raw)
	if err := b.checkSupported(); err != nil {
		return nil, err
	}
	t, err := listTree(ctx, b.dir, func(rel, why string) { b.o.logger.Debug("skipped", "file", rel, "reason", why) })
	if err != nil {
		return nil, err
	}
	b.tree = t
	members, err := b.collect(ctx)
	if err != nil {
		return nil, err
	}
	meta, err := b.metadata()
	if err != nil {
		return nil, err
	}

	var buf bytes.Buffer
	out := io.Writer(&buf)
	if b.o.w != nil {
		out = b.o.w
	}
	h := sha256.New()
	cw := &countWriter{w: io.MultiWriter(out, h)}
	zw := newZipWriter(cw, b.o)
	for _, m := range members {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := zw.addFile(m.arc, filepath.Join(b.dir, filepath.FromSlash(m.src)), m.exec); err != nil {
			return nil, err
		}
	}
	di := b.distInfoDir()
	// The .dist-info files in name order; RECORD last.
	if ep := b.entryPoints(); ep != nil {
		if err := zw.add(di+"/entry_points.txt", ep, false); err != nil {
			return nil, err
		}
	}
	if err := zw.add(di+"/METADATA", meta, false); err != nil {
		return nil, err
	}
	if err := zw.add(di+"/WHEEL", b.wheelFile(), false); err != nil {
		return nil, err
	}
	if err := zw.finish(di + "/RECORD"); err != nil {
		return nil, err
	}
	res := &Result{
		Filename: fmt.Sprintf("%s-%s-%s.whl", b.dist, b.version, tag),
		Name:     b.p.Name,
		Version:  b.version,
		SHA256:   hex.EncodeToString(h.Sum(nil)),
		Size:     cw.n,
	}
	if b.o.w == nil {
		res.Bytes = buf.Bytes()
	}
	b.o.logger.Debug("built wheel", "file", res.Filename, "members", len(members), "size", res.Size)
	return res, nil
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// zipWriter writes members with fixed metadata and keeps their RECORD rows.
type zipWriter struct {
	zw     *zip.Writer
	o      options
	record [][]string
}

func newZipWriter(w io.Writer, o options) *zipWriter {
	zw := zip.NewWriter(w)
	// Members are written one after another, so one compressor, reset for
	// each, serves them all (a flate.Writer is large to allocate).
	var fw *flate.Writer
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		if fw == nil {
			var err error
			if fw, err = flate.NewWriter(w, compressionLevel); err != nil {
				return nil, err
			}
		} else {
			fw.Reset(w)
		}
		return fw, nil
	})
	return &zipWriter{zw: zw, o: o}
}

func (z *zipWriter) header(name string, exec bool) *zip.FileHeader {
	fh := &zip.FileHeader{Name: name, Method: zip.Deflate, Modified: z.o.modTime}
	mode := os.FileMode(0o644)
	if exec {
		mode = 0o755
	}
	fh.SetMode(mode)
	return fh
}

func (z *zipWriter) addFile(name, src string, exec bool) error {
	f, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("reading %q: %w", src, err)
	}
	defer f.Close() //nolint:errcheck // read-only; read errors surface from io.Copy
	w, err := z.zw.CreateHeader(z.header(name, exec))
	if err != nil {
		return fmt.Errorf("writing %q: %w", name, err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(w, h), f)
	if err != nil {
		return fmt.Errorf("packing %q: %w", src, err)
	}
	z.recordRow(name, h, n)
	return nil
}

func (z *zipWriter) add(name string, data []byte, exec bool) error {
	w, err := z.zw.CreateHeader(z.header(name, exec))
	if err != nil {
		return fmt.Errorf("writing %q: %w", name, err)
	}
	if _, err := w.Write(data); err != nil {
		return fmt.Errorf("writing %q: %w", name, err)
	}
	h := sha256.New()
	h.Write(data)
	z.recordRow(name, h, int64(len(data)))
	return nil
}

func (z *zipWriter) recordRow(name string, h hash.Hash, n int64) {
	z.record = append(z.record, []string{name, "sha256=" + base64.RawURLEncoding.EncodeToString(h.Sum(nil)), strconv.FormatInt(n, 10)})
}

// finish writes RECORD (itself listed without hash or size) and closes the
// archive.
func (z *zipWriter) finish(recordName string) error {
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	for _, r := range append(z.record, []string{recordName, "", ""}) {
		if err := cw.Write(r); err != nil {
			return fmt.Errorf("writing RECORD: %w", err)
		}
	}
	cw.Flush()
	w, err := z.zw.CreateHeader(z.header(recordName, false))
	if err != nil {
		return fmt.Errorf("writing %q: %w", recordName, err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("writing %q: %w", recordName, err)
	}
	if err := z.zw.Close(); err != nil {
		return fmt.Errorf("closing wheel: %w", err)
	}
	return nil
}
