package wheel

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"
)

// Scheme maps a wheel's install schemes to absolute directories as they
// appear at runtime (in the image), plus the interpreter scripts run with.
// pkg/venv computes it for a virtual environment.
type Scheme struct {
	Purelib string
	Platlib string
	// Headers is the directory holding one subdirectory of C headers per
	// project, named as METADATA's Name (as venv's sysconfig "headers" path
	// include/site/pythonX.Y/<name> is).
	Headers string
	Scripts string
	Data    string
	// Interpreter is the python that scripts' shebangs name, e.g.
	// /opt/venv/bin/python.
	Interpreter string
}

// Validate checks that every path is absolute and clean.
func (s Scheme) Validate() error {
	for _, f := range []struct{ name, p string }{
		{"purelib", s.Purelib}, {"platlib", s.Platlib}, {"headers", s.Headers},
		{"scripts", s.Scripts}, {"data", s.Data}, {"interpreter", s.Interpreter},
	} {
		if !path.IsAbs(f.p) || path.Clean(f.p) != f.p || strings.ContainsAny(f.p, "\x00\n\r") {
			return fmt.Errorf("scheme path %s %q is not a clean absolute path", f.name, f.p)
		}
	}
	return nil
}

// Destination receives installed files. Paths are absolute, clean and as
// they appear at runtime; mode is 0o644 or 0o755; size is the exact number
// of bytes r yields. WriteFile must read r to EOF and return any error
// reading it returns: the wheel's content is verified while it streams and
// the failure surfaces as a read error. After an error the destination's
// contents are unspecified and should be discarded.
type Destination interface {
	WriteFile(path string, mode fs.FileMode, size int64, r io.Reader) error
}

// InstallOptions configures [Install].
type InstallOptions struct {
	// Scheme says where each part of the wheel goes. Required.
	Scheme Scheme
	// Installer is written to .dist-info/INSTALLER; default "canto".
	Installer string
	// Requested writes an empty .dist-info/REQUESTED, marking a project the
	// user asked for rather than a dependency.
	Requested bool
	// DirectURL, when set, is written as .dist-info/direct_url.json (PEP 610).
	// Set it only for projects installed from a URL, path or VCS, never for
	// ones that came from an index.
	DirectURL *DirectURL
}

// DirectURL is the content of direct_url.json (PEP 610): where a project
// installed from a direct reference came from. Exactly one of ArchiveInfo,
// DirInfo and VCSInfo must be set.
//
// https://packaging.python.org/en/latest/specifications/direct-url-data-structure/
type DirectURL struct {
	URL          string       `json:"url"`
	Subdirectory string       `json:"subdirectory,omitempty"`
	ArchiveInfo  *ArchiveInfo `json:"archive_info,omitempty"`
	DirInfo      *DirInfo     `json:"dir_info,omitempty"`
	VCSInfo      *VCSInfo     `json:"vcs_info,omitempty"`
}

// ArchiveInfo describes a wheel or sdist downloaded from a URL or path.
type ArchiveInfo struct {
	// Hashes maps algorithm names to hex digests, e.g. {"sha256": "..."}.
	Hashes map[string]string `json:"hashes,omitempty"`
}

// DirInfo describes a local directory.
type DirInfo struct {
	Editable bool `json:"editable,omitempty"`
}

// VCSInfo describes a version control checkout.
type VCSInfo struct {
	VCS               string `json:"vcs"`
	RequestedRevision string `json:"requested_revision,omitempty"`
	CommitID          string `json:"commit_id"`
}

// Validate checks the constraints PEP 610 puts on the structure.
func (d *DirectURL) Validate() error {
	if d.URL == "" {
		return fmt.Errorf("direct URL has an empty url")
	}
	n := 0
	for _, set := range []bool{d.ArchiveInfo != nil, d.DirInfo != nil, d.VCSInfo != nil} {
		if set {
			n++
		}
	}
	if n != 1 {
		return fmt.Errorf("direct URL %q has %d of archive_info, dir_info and vcs_info, want exactly one", d.URL, n)
	}
	if d.VCSInfo != nil && (d.VCSInfo.VCS == "" || d.VCSInfo.CommitID == "") {
		return fmt.Errorf("direct URL %q: vcs_info needs vcs and commit_id", d.URL)
	}
	return nil
}

// Install installs w into dst the way pypa/installer does, following the
// binary distribution format's "Installing a wheel" steps:
//
//  1. Unpack: the archive root goes to purelib when WHEEL says
//     Root-Is-Purelib: true, else to platlib (WHEEL was parsed and its
//     Wheel-Version checked by Open).
//  2. Spread: each subtree of <name>-<version>.data/ goes to its scheme
//     directory (purelib, platlib, headers (+"/<name>"), scripts, data);
//     scripts starting with "#!python" or "#!pythonw" get a shebang naming
//     Scheme.Interpreter. Scripts are installed 0755; other files are 0755
//     when any execute bit is set in the zip's Unix mode, else 0644.
//     console_scripts and gui_scripts entry points become launcher scripts
//     (0755; a GUI script is the same as a console one on POSIX).
//  3. RECORD is rewritten with the installed paths, relative to the root
//     scheme directory (e.g. "../../../bin/foo"), and fresh hashes and sizes,
//     sorted by path; INSTALLER, and optionally REQUESTED and
//     direct_url.json, are added. The wheel's own RECORD signatures and any
//     INSTALLER, REQUESTED or direct_url.json it carries are not installed:
//     they describe the build, not this installation.
//
// Every member is verified against RECORD while it streams. Directories are
// not written (a Destination creates parents as needed) and .pyc files are
// not compiled. Two members, or a member and a launcher, that would land on
// the same path are an error.
func Install(ctx context.Context, w *Wheel, dst Destination, opts InstallOptions) error {
	if err := install(ctx, w, dst, opts); err != nil {
		return fmt.Errorf("installing wheel %q: %w", w.filename, err)
	}
	return nil
}

func install(ctx context.Context, w *Wheel, dst Destination, opts InstallOptions) error {
	s := opts.Scheme
	if err := s.Validate(); err != nil {
		return err
	}
	if opts.Installer == "" {
		opts.Installer = "canto"
	}
	if strings.ContainsAny(opts.Installer, "\n\r") {
		return fmt.Errorf("installer name %q contains a line break", opts.Installer)
	}
	if opts.DirectURL != nil {
		if err := opts.DirectURL.Validate(); err != nil {
			return err
		}
	}
	root := s.Platlib
	if w.info.RootIsPurelib {
		root = s.Purelib
	}
	in := &installer{w: w, dst: dst, root: root, written: map[string]string{}}
	b := &budget{max: w.opts.maxTotalSize}

	skip := map[string]bool{w.distInfo + "/RECORD": true}
	for _, n := range append(slices.Clone(recordSignatures), "INSTALLER", "REQUESTED", "direct_url.json") {
		skip[w.distInfo+"/"+n] = true
	}
	for _, f := range w.files {
		if err := ctx.Err(); err != nil {
			return err
		}
		if skip[f.Name] {
			continue
		}
		key, rel, err := w.dataScheme(f.Name)
		if err != nil {
			return err
		}
		var dest string
		switch key {
		case "":
			dest = path.Join(root, rel)
		case "purelib":
			dest = path.Join(s.Purelib, rel)
		case "platlib":
			dest = path.Join(s.Platlib, rel)
		case "headers":
			dest = path.Join(s.Headers, w.meta.Name, rel)
		case "scripts":
			dest = path.Join(s.Scripts, rel)
		case "data":
			dest = path.Join(s.Data, rel)
		}
		mode := fs.FileMode(0o644)
		if key == "scripts" || f.Mode()&0o111 != 0 {
			mode = 0o755
		}
		rc, err := w.openMember(f, b)
		if err != nil {
			return err
		}
		var r io.Reader = rc
		size := int64(f.UncompressedSize64)
		if key == "scripts" {
			r, size, err = fixScript(rc, size, s.Interpreter)
			if err != nil {
				_ = rc.Close() // reading failed already; closing a zip member cannot add to that
				return fmt.Errorf("member %q: %w", f.Name, err)
			}
		}
		err = in.write(dest, fmt.Sprintf("member %q", f.Name), mode, size, r)
		_ = rc.Close() // zip member readers hold no resources that can fail to close
		if err != nil {
			return err
		}
	}

	for _, group := range []string{GroupConsoleScripts, GroupGUIScripts} {
		for _, ep := range w.eps[group] {
			if !validScriptName(ep.Name) {
				return fmt.Errorf("entry point %q in group %q: name is not a valid file name", ep.Name, group)
			}
			if ep.Attr == "" {
				return fmt.Errorf("entry point %q in group %q: %q names no function (want module:function)", ep.Name, group, ep.Module)
			}
			data := launcher(s.Interpreter, ep)
			src := fmt.Sprintf("%s entry point %q", group, ep.Name)
			if err := in.write(path.Join(s.Scripts, ep.Name), src, 0o755, int64(len(data)), bytes.NewReader(data)); err != nil {
				return err
			}
		}
	}

	distInfo := path.Join(root, w.distInfo)
	generated := map[string][]byte{"INSTALLER": []byte(opts.Installer + "\n")}
	if opts.Requested {
		generated["REQUESTED"] = nil
	}
	if opts.DirectURL != nil {
		data, err := json.Marshal(opts.DirectURL)
		if err != nil {
			return fmt.Errorf("encoding direct_url.json: %w", err)
		}
		generated["direct_url.json"] = data
	}
	for _, name := range slices.Sorted(maps.Keys(generated)) {
		data := generated[name]
		if err := in.write(path.Join(distInfo, name), "generated "+name, 0o644, int64(len(data)), bytes.NewReader(data)); err != nil {
			return err
		}
	}

	// RECORD lists itself with an empty hash and size.
	recordPath := path.Join(distInfo, "RECORD")
	records := append(in.records, RecordEntry{Path: relPath(root, recordPath), Size: -1})
	slices.SortFunc(records, func(a, b RecordEntry) int { return strings.Compare(a.Path, b.Path) })
	data := FormatRecord(records)
	return in.write(recordPath, "generated RECORD", 0o644, int64(len(data)), bytes.NewReader(data))
}

// installer tracks what one Install has written.
type installer struct {
	w       *Wheel
	dst     Destination
	root    string
	written map[string]string // destination path -> what wrote it, for messages
	records []RecordEntry
}

// write hands one file to the destination, hashing what it reads, and
// records it for RECORD (the final RECORD write adds an entry nobody reads).
func (in *installer) write(dest, src string, mode fs.FileMode, size int64, r io.Reader) error {
	if prev, dup := in.written[dest]; dup {
		return fmt.Errorf("%s and %s would both be installed at %q", prev, src, dest)
	}
	in.written[dest] = src
	h := sha256.New()
	cr := &countingReader{r: io.TeeReader(r, h)}
	if err := in.dst.WriteFile(dest, mode, size, cr); err != nil {
		return fmt.Errorf("writing %q: %w", dest, err)
	}
	if cr.n != size {
		return fmt.Errorf("writing %q: destination read %d of %d bytes", dest, cr.n, size)
	}
	in.records = append(in.records, RecordEntry{Path: relPath(in.root, dest), Hash: encodeHash("sha256", h.Sum(nil)), Size: size})
	return nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// maxShebangLine bounds how much of a script's first line is examined.
const maxShebangLine = 4096

// fixScript rewrites a "#!python" first line, returning the new stream and
// its size.
func fixScript(r io.Reader, size int64, interpreter string) (io.Reader, int64, error) {
	br := bufio.NewReaderSize(r, maxShebangLine)
	head, err := br.Peek(len("#!python"))
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, 0, err
	}
	if !bytes.Equal(head, []byte("#!python")) {
		return br, size, nil
	}
	line, err := br.ReadSlice('\n')
	switch {
	case errors.Is(err, bufio.ErrBufferFull):
		return nil, 0, fmt.Errorf("script's first line is longer than %d bytes", maxShebangLine)
	case err != nil && !errors.Is(err, io.EOF):
		return nil, 0, err
	}
	line = slices.Clone(line)
	newLine, ok := rewriteShebang(line, interpreter)
	if !ok {
		return io.MultiReader(bytes.NewReader(line), br), size, nil
	}
	return io.MultiReader(bytes.NewReader(newLine), br), size - int64(len(line)) + int64(len(newLine)), nil
}

// relPath is the path of target relative to the directory base; both are
// clean absolute paths.
func relPath(base, target string) string {
	bp := strings.Split(strings.Trim(base, "/"), "/")
	tp := strings.Split(strings.Trim(target, "/"), "/")
	if base == "/" {
		bp = nil
	}
	i := 0
	for i < len(bp) && i < len(tp) && bp[i] == tp[i] {
		i++
	}
	parts := make([]string, 0, len(bp)-i+len(tp)-i)
	for range bp[i:] {
		parts = append(parts, "..")
	}
	parts = append(parts, tp[i:]...)
	return strings.Join(parts, "/")
}
