package wheel

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// Wheel is an opened, structurally validated wheel. Its members' contents are
// verified against RECORD as they are read by [Install] or [Wheel.Verify].
// A Wheel is safe for concurrent use if its io.ReaderAt is.
type Wheel struct {
	filename string
	zr       *zip.Reader
	opts     options
	distInfo string // "<name>-<version>.dist-info"
	dataDir  string // "<name>-<version>.data"
	info     WheelInfo
	meta     Metadata
	eps      EntryPoints
	record   map[string]RecordEntry
	files    []*zip.File // regular files, in archive order
}

// signature files that may sit next to RECORD without being listed in it.
var recordSignatures = []string{"RECORD.jws", "RECORD.p7s"}

// Open reads the wheel in r (size bytes, named filename, e.g.
// "demo-1.0-py3-none-any.whl"; only the base name matters) and validates it
// without reading the contents of members other than its .dist-info files:
//
//   - resource limits, from the sizes the archive declares (see [Option]);
//   - member names: no "..", absolute paths, drive letters, backslashes, NUL
//     bytes, empty or "." components, or duplicates;
//   - member types: no symlinks, devices, fifos or sockets; only the stored
//     and deflate compression methods;
//   - exactly one top-level "<name>-<version>.dist-info" directory whose name
//     and version match the file name, holding WHEEL (Wheel-Version 1.x),
//     METADATA (whose Name and Version match too) and RECORD; versions are
//     compared after the light normalisation described at normalizeVersion
//     (case, "v" prefix, separators, spellings, implicit and trailing zeros);
//   - RECORD lists every file except itself and its signatures RECORD.jws and
//     RECORD.p7s, with a hash and a size that agrees with the archive, and
//     lists nothing else;
//   - members under "<name>-<version>.data/" sit in one of its purelib,
//     platlib, headers, scripts or data subdirectories.
//
// Errors name the wheel and the member. Limit violations are [*LimitError];
// content that disagrees with RECORD is [*IntegrityError].
func Open(r io.ReaderAt, size int64, filename string, opts ...Option) (*Wheel, error) {
	w, err := open(r, size, filename, opts)
	if err != nil {
		return nil, fmt.Errorf("opening wheel %q: %w", path.Base(filename), err)
	}
	return w, nil
}

func open(r io.ReaderAt, size int64, filename string, opts []Option) (*Wheel, error) {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	if err := o.validate(); err != nil {
		return nil, err
	}
	fn, err := parseFilename(filename)
	if err != nil {
		return nil, err
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("reading zip directory: %w", err)
	}
	w := &Wheel{filename: path.Base(filename), zr: zr, opts: o}

	if len(zr.File) > o.maxMembers {
		return nil, &LimitError{Limit: limitMembers, Max: int64(o.maxMembers), Option: "WithMaxMembers"}
	}
	seen := make(map[string]bool, len(zr.File))
	distInfos := map[string]bool{}
	var total uint64
	for _, f := range zr.File {
		if err := checkMember(f, o); err != nil {
			return nil, err
		}
		if seen[f.Name] {
			return nil, fmt.Errorf("member %q: appears twice", f.Name)
		}
		seen[f.Name] = true
		total += f.UncompressedSize64
		if total > uint64(o.maxTotalSize) || total < f.UncompressedSize64 {
			return nil, o.totalSizeError(f.Name)
		}
		if top, _, ok := strings.Cut(f.Name, "/"); ok && strings.HasSuffix(top, ".dist-info") {
			distInfos[top] = true
		}
		if !strings.HasSuffix(f.Name, "/") {
			w.files = append(w.files, f)
		}
	}

	switch len(distInfos) {
	case 0:
		return nil, fmt.Errorf("no .dist-info directory\nhint: this is not a wheel, or it was built incorrectly")
	case 1:
	default:
		names := make([]string, 0, len(distInfos))
		for d := range distInfos {
			names = append(names, d)
		}
		slices.Sort(names)
		return nil, fmt.Errorf("found %d .dist-info directories (%s), want exactly one", len(names), strings.Join(names, ", "))
	}
	for d := range distInfos {
		w.distInfo = d
	}
	stem := strings.TrimSuffix(w.distInfo, ".dist-info")
	diName, diVersion, ok := strings.Cut(stem, "-")
	if !ok || normalizeName(diName) != normalizeName(fn.name) || normalizeVersion(diVersion) != normalizeVersion(fn.version) {
		return nil, fmt.Errorf("directory %q does not match the file name's %s-%s", w.distInfo, fn.name, fn.version)
	}
	w.dataDir = stem + ".data"

	b := &budget{max: o.maxTotalSize}
	// RECORD first: the other metadata files are verified against it.
	recordData, err := w.readMetadataFile("RECORD", true, b)
	if err != nil {
		return nil, err
	}
	entries, err := ParseRecord(recordData)
	if err != nil {
		return nil, err
	}
	w.record = make(map[string]RecordEntry, len(entries))
	for _, e := range entries {
		w.record[e.Path] = e
	}
	if err := w.checkRecordCoverage(entries); err != nil {
		return nil, err
	}

	wheelData, err := w.readMetadataFile("WHEEL", true, b)
	if err != nil {
		return nil, err
	}
	if w.info, err = ParseWheelInfo(wheelData); err != nil {
		return nil, err
	}
	metaData, err := w.readMetadataFile("METADATA", true, b)
	if err != nil {
		return nil, err
	}
	if w.meta, err = ParseMetadata(metaData); err != nil {
		return nil, err
	}
	if normalizeName(w.meta.Name) != normalizeName(fn.name) {
		return nil, fmt.Errorf("METADATA Name %q does not match the file name's %q", w.meta.Name, fn.name)
	}
	if normalizeVersion(w.meta.Version) != normalizeVersion(fn.version) {
		return nil, fmt.Errorf("METADATA Version %q does not match the file name's %q", w.meta.Version, fn.version)
	}
	epData, err := w.readMetadataFile("entry_points.txt", false, b)
	if err != nil {
		return nil, err
	}
	w.eps = EntryPoints{}
	if epData != nil {
		if w.eps, err = ParseEntryPoints(epData); err != nil {
			return nil, err
		}
	}
	for _, f := range w.files {
		if _, _, err := w.dataScheme(f.Name); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// checkMember validates one member's name, type and declared sizes.
func checkMember(f *zip.File, o options) error {
	name := f.Name
	isDir := strings.HasSuffix(name, "/")
	switch {
	case name == "":
		return fmt.Errorf("member with an empty name")
	case strings.ContainsRune(name, 0):
		return fmt.Errorf("member %q: path contains a NUL byte", name)
	case strings.Contains(name, `\`):
		return fmt.Errorf("member %q: path contains a backslash", name)
	case strings.HasPrefix(name, "/"):
		return fmt.Errorf("member %q: path is absolute", name)
	case len(name) >= 2 && name[1] == ':' && ('a' <= name[0]|0x20 && name[0]|0x20 <= 'z'):
		return fmt.Errorf("member %q: path starts with a drive letter", name)
	case slices.Contains(strings.Split(strings.TrimSuffix(name, "/"), "/"), ".."):
		return fmt.Errorf("member %q: path has a \"..\" component", name)
	case path.Clean(strings.TrimSuffix(name, "/")) != strings.TrimSuffix(name, "/") || name == "/" || strings.TrimSuffix(name, "/") == ".":
		return fmt.Errorf("member %q: path has an empty or \".\" component", name)
	}
	mode := f.Mode()
	switch {
	case mode&fs.ModeSymlink != 0:
		return fmt.Errorf("member %q: is a symlink\nhint: wheels cannot carry symlinks; rebuild the wheel with the link's target copied in", name)
	case mode&(fs.ModeDevice|fs.ModeCharDevice|fs.ModeNamedPipe|fs.ModeSocket|fs.ModeIrregular) != 0:
		return fmt.Errorf("member %q: is a device, fifo or socket (mode %s)", name, mode)
	case mode.IsDir() && !isDir:
		return fmt.Errorf("member %q: has a directory mode but no trailing slash", name)
	case isDir && f.UncompressedSize64 != 0:
		return fmt.Errorf("member %q: is a directory with content", name)
	}
	if f.Method != zip.Store && f.Method != zip.Deflate {
		return fmt.Errorf("member %q: uses unsupported compression method %d (want stored or deflate)", name, f.Method)
	}
	if exceedsRatio(f.UncompressedSize64, f.CompressedSize64, o) {
		return o.ratioError(name)
	}
	return nil
}

// exceedsRatio reports whether a member of u uncompressed bytes stored in c
// compressed bytes breaks the compression ratio limit.
func exceedsRatio(u, c uint64, o options) bool {
	if u <= uint64(o.ratioMinSize) {
		return false
	}
	if c == 0 {
		return true
	}
	r := uint64(o.maxRatio)
	return u/c > r || (u/c == r && u%c != 0)
}

// checkRecordCoverage makes RECORD and the archive's files agree.
func (w *Wheel) checkRecordCoverage(entries []RecordEntry) error {
	inArchive := make(map[string]*zip.File, len(w.files))
	for _, f := range w.files {
		inArchive[f.Name] = f
	}
	recordPath := w.distInfo + "/RECORD"
	for _, e := range entries {
		f, ok := inArchive[e.Path]
		if !ok {
			return fmt.Errorf("RECORD lists %q, which is not in the archive", e.Path)
		}
		if e.Path == recordPath || w.isSignature(e.Path) {
			continue
		}
		if e.Hash == "" {
			return fmt.Errorf("member %q: RECORD gives no hash", e.Path)
		}
		if e.Size < 0 {
			return fmt.Errorf("member %q: RECORD gives no size", e.Path)
		}
		if uint64(e.Size) != f.UncompressedSize64 {
			return &IntegrityError{Member: e.Path, Field: "size", Want: fmt.Sprintf("%d bytes", e.Size), Got: fmt.Sprintf("%d bytes", f.UncompressedSize64)}
		}
	}
	for _, f := range w.files {
		if _, ok := w.record[f.Name]; ok || f.Name == recordPath || w.isSignature(f.Name) {
			continue
		}
		return fmt.Errorf("member %q: not listed in RECORD\nhint: the wheel is corrupt or was altered after it was built", f.Name)
	}
	return nil
}

func (w *Wheel) isSignature(name string) bool {
	for _, s := range recordSignatures {
		if name == w.distInfo+"/"+s {
			return true
		}
	}
	return false
}

// dataScheme splits a member under the .data directory into its scheme key
// and the path below it; other members return "", name.
func (w *Wheel) dataScheme(name string) (scheme, rel string, err error) {
	rest, ok := strings.CutPrefix(name, w.dataDir+"/")
	if !ok {
		return "", name, nil
	}
	key, rel, ok := strings.Cut(rest, "/")
	if !ok {
		return "", "", fmt.Errorf("member %q: is not inside a %s/<scheme>/ directory", name, w.dataDir)
	}
	switch key {
	case "purelib", "platlib", "headers", "scripts", "data":
		return key, rel, nil
	}
	return "", "", fmt.Errorf("member %q: %q is not a wheel scheme (want purelib, platlib, headers, scripts or data)", name, key)
}

// readMetadataFile reads <dist-info>/<name> into memory, verified against
// RECORD and bounded by the metadata size limit. A missing optional file
// returns nil, nil.
func (w *Wheel) readMetadataFile(name string, required bool, b *budget) ([]byte, error) {
	full := w.distInfo + "/" + name
	var f *zip.File
	for _, m := range w.files {
		if m.Name == full {
			f = m
			break
		}
	}
	if f == nil {
		if required {
			return nil, fmt.Errorf("no %s in %s", name, w.distInfo)
		}
		return nil, nil
	}
	limitErr := &LimitError{Member: full, Limit: limitMetadataSize, Max: w.opts.maxMetadataSize, Option: "WithMaxMetadataSize"}
	if f.UncompressedSize64 > uint64(w.opts.maxMetadataSize) {
		return nil, limitErr
	}
	rc, err := w.openMember(f, b)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.Close() }() // zip member readers hold no resources that can fail to close
	data, err := io.ReadAll(io.LimitReader(rc, w.opts.maxMetadataSize+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > w.opts.maxMetadataSize {
		return nil, limitErr
	}
	return data, nil
}

// Verify reads every member and checks it against RECORD and the limits,
// without installing anything.
func (w *Wheel) Verify(ctx context.Context) error {
	b := &budget{max: w.opts.maxTotalSize}
	for _, f := range w.files {
		if err := ctx.Err(); err != nil {
			return err
		}
		rc, err := w.openMember(f, b)
		if err != nil {
			return fmt.Errorf("verifying wheel %q: %w", w.filename, err)
		}
		_, err = io.Copy(io.Discard, rc)
		_ = rc.Close() // zip member readers hold no resources that can fail to close
		if err != nil {
			return fmt.Errorf("verifying wheel %q: %w", w.filename, err)
		}
	}
	return nil
}

// Filename is the wheel's file name as given to Open, without directories.
func (w *Wheel) Filename() string { return w.filename }

// Name is the project name as written in METADATA.
func (w *Wheel) Name() string { return w.meta.Name }

// Version is the version as written in METADATA.
func (w *Wheel) Version() string { return w.meta.Version }

// DistInfoDir is the name of the wheel's .dist-info directory.
func (w *Wheel) DistInfoDir() string { return w.distInfo }

// WheelInfo is the parsed .dist-info/WHEEL file.
func (w *Wheel) WheelInfo() WheelInfo {
	i := w.info
	i.Tags = slices.Clone(i.Tags)
	return i
}

// Metadata is the parsed .dist-info/METADATA file.
func (w *Wheel) Metadata() Metadata {
	m := w.meta
	m.RequiresDist = slices.Clone(m.RequiresDist)
	m.ProvidesExtra = slices.Clone(m.ProvidesExtra)
	return m
}

// EntryPoints is the parsed .dist-info/entry_points.txt, empty when the
// wheel has none.
func (w *Wheel) EntryPoints() EntryPoints {
	out := make(EntryPoints, len(w.eps))
	for g, eps := range w.eps {
		out[g] = slices.Clone(eps)
	}
	return out
}

// Record is the wheel's RECORD, sorted by path.
func (w *Wheel) Record() []RecordEntry {
	out := make([]RecordEntry, 0, len(w.record))
	for _, e := range w.record {
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b RecordEntry) int { return strings.Compare(a.Path, b.Path) })
	return out
}

// budget counts the uncompressed bytes one pass over the wheel has read.
type budget struct{ used, max int64 }

// openMember opens f for reading with limits enforced on the bytes actually
// read and, unless f is RECORD or a signature, its hash and size verified
// against RECORD when the reader reaches EOF.
func (w *Wheel) openMember(f *zip.File, b *budget) (io.ReadCloser, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("member %q: %w", f.Name, err)
	}
	return w.newMemberReader(f.Name, rc, int64(f.CompressedSize64), b), nil
}

func (w *Wheel) newMemberReader(name string, rc io.ReadCloser, compressed int64, b *budget) *memberReader {
	mr := &memberReader{name: name, rc: rc, compressed: compressed, opts: &w.opts, b: b, wantSize: -1}
	if e, ok := w.record[name]; ok && e.Hash != "" && name != w.distInfo+"/RECORD" && !w.isSignature(name) {
		algo, digest, err := decodeHash(e.Hash)
		if err == nil {
			mr.algo, mr.want, mr.h = algo, digest, hashAlgorithms[algo]()
		}
		mr.wantSize = e.Size
	}
	return mr
}

// memberReader enforces the limits on actual bytes and verifies RECORD.
type memberReader struct {
	name       string
	rc         io.ReadCloser
	compressed int64
	opts       *options
	b          *budget
	algo       string
	want       []byte
	h          interface {
		io.Writer
		Sum([]byte) []byte
	}
	wantSize int64
	n        int64
	err      error // sticky
}

func (r *memberReader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	n, err := r.rc.Read(p)
	if n > 0 {
		r.n += int64(n)
		r.b.used += int64(n)
		switch {
		case r.b.used > r.b.max:
			r.err = r.opts.totalSizeError(r.name)
		case exceedsRatio(uint64(r.n), uint64(r.compressed), *r.opts):
			r.err = r.opts.ratioError(r.name)
		case r.wantSize >= 0 && r.n > r.wantSize:
			r.err = &IntegrityError{Member: r.name, Field: "size", Want: fmt.Sprintf("%d bytes", r.wantSize), Got: fmt.Sprintf("more than %d bytes", r.wantSize)}
		}
		if r.err != nil {
			return 0, r.err
		}
		if r.h != nil {
			_, _ = r.h.Write(p[:n])
		}
	}
	switch {
	case errors.Is(err, io.EOF):
		if r.wantSize >= 0 && r.n != r.wantSize {
			r.err = &IntegrityError{Member: r.name, Field: "size", Want: fmt.Sprintf("%d bytes", r.wantSize), Got: fmt.Sprintf("%d bytes", r.n)}
			return n, r.err
		}
		if r.h != nil {
			if got := r.h.Sum(nil); !bytes.Equal(got, r.want) {
				r.err = &IntegrityError{Member: r.name, Field: "hash", Want: encodeHash(r.algo, r.want), Got: encodeHash(r.algo, got)}
				return n, r.err
			}
		}
		r.err = io.EOF
		return n, io.EOF
	case err != nil:
		r.err = fmt.Errorf("member %q: %w", r.name, err)
		return n, r.err
	}
	return n, nil
}

func (r *memberReader) Close() error { return r.rc.Close() }
