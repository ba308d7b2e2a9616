package image

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// maxCapturedFile bounds the size of a metadata file (a package database)
// read into memory while inspecting an image.
const maxCapturedFile = 64 << 20

// maxSymlinkHops bounds symlink resolution, as Linux's MAXSYMLINKS does.
const maxSymlinkHops = 40

// fsEntry is one path of the merged image filesystem.
type fsEntry struct {
	typeflag byte
	linkname string // symlink target, or hardlink source path
	content  []byte // only for captured files
	layer    int    // index, counted from the top layer, that supplied it
}

func (e *fsEntry) isDir() bool { return e.typeflag == tar.TypeDir }

// imageFS is the merged view of an image's layers: what a container would
// see, without its file contents except for the few captured ones.
type imageFS struct {
	entries map[string]*fsEntry
}

// readImageFS merges img's layers from the top down, honouring the OCI
// whiteout rules (image-spec layer.md, "Whiteouts"): ".wh.NAME" hides NAME
// and ".wh..wh..opq" hides all of a directory's contents in lower layers.
// capture says which regular files to keep the contents of.
func readImageFS(ctx context.Context, img v1.Image, capture func(p string) bool) (*imageFS, error) {
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("listing layers: %w", err)
	}
	fsys := &imageFS{entries: map[string]*fsEntry{}}
	whiteouts := map[string]bool{} // hidden paths, with their subtrees
	opaque := map[string]bool{}    // directories whose lower contents are hidden
	for li := len(layers) - 1; li >= 0; li-- {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		cur := len(layers) - 1 - li
		newWhiteouts, newOpaque, err := fsys.addLayer(layers[li], cur, whiteouts, opaque, captureFiles(capture))
		if err != nil {
			d, _ := layers[li].Digest()
			return nil, fmt.Errorf("reading layer %s: %w", d, err)
		}
		for _, p := range newWhiteouts {
			whiteouts[p] = true
		}
		for _, p := range newOpaque {
			opaque[p] = true
		}
	}
	return fsys, nil
}

func cleanTarPath(name string) string {
	return path.Clean("/" + strings.ReplaceAll(name, "\\", "/"))
}

// captureFiles keeps the content of the regular files capture selects.
func captureFiles(capture func(string) bool) func(p string, size int64, r io.Reader, e *fsEntry) error {
	return func(p string, size int64, r io.Reader, e *fsEntry) error {
		if !capture(p) {
			return nil
		}
		if size > maxCapturedFile {
			return fmt.Errorf("file %q is %d bytes, more than the %d allowed", p, size, maxCapturedFile)
		}
		var err error
		if e.content, err = io.ReadAll(io.LimitReader(r, maxCapturedFile)); err != nil {
			return fmt.Errorf("reading %q: %w", p, err)
		}
		return nil
	}
}

// addLayer records the entries of layer cur that no upper layer hides, and
// hands each visible regular file to onFile; it returns the layer's own
// whiteouts and opaque directories.
func (fsys *imageFS) addLayer(l v1.Layer, cur int, whiteouts, opaque map[string]bool, onFile func(p string, size int64, r io.Reader, e *fsEntry) error) (wh, opq []string, err error) {
	rc, err := l.Uncompressed()
	if err != nil {
		return nil, nil, err
	}
	defer func() { _ = rc.Close() }()
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return wh, opq, nil
		}
		if err != nil {
			return nil, nil, err
		}
		p := cleanTarPath(hdr.Name)
		dir, base := path.Split(p)
		dir = path.Clean(dir)
		if base == ".wh..wh..opq" {
			opq = append(opq, dir)
			continue
		}
		if hidden, ok := strings.CutPrefix(base, ".wh."); ok {
			wh = append(wh, path.Join(dir, hidden))
			continue
		}
		if fsys.hidden(p, cur, whiteouts, opaque) {
			continue
		}
		e := &fsEntry{typeflag: hdr.Typeflag, layer: cur}
		switch hdr.Typeflag {
		case tar.TypeSymlink:
			e.linkname = hdr.Linkname
		case tar.TypeLink:
			e.linkname = cleanTarPath(hdr.Linkname)
		case tar.TypeReg:
			if onFile != nil {
				if err := onFile(p, hdr.Size, tr, e); err != nil {
					return nil, nil, err
				}
			}
		}
		fsys.entries[p] = e
	}
}

// hidden reports whether p, met in layer cur, is covered by something an
// upper layer put there: the path itself, a whiteout or opaque directory
// above it, or a non-directory in place of one of its parents.
func (fsys *imageFS) hidden(p string, cur int, whiteouts, opaque map[string]bool) bool {
	if e, ok := fsys.entries[p]; ok && e.layer != cur {
		return true
	}
	if whiteouts[p] {
		return true
	}
	for a := path.Dir(p); ; a = path.Dir(a) {
		if whiteouts[a] || opaque[a] {
			return true
		}
		if e, ok := fsys.entries[a]; ok && e.layer != cur && !e.isDir() {
			return true
		}
		if a == "/" {
			return false
		}
	}
}

// resolve follows symlinks in every component of p, within the image, and
// returns the final path and its entry (nil if it does not exist).
func (fsys *imageFS) resolve(p string) (string, *fsEntry, error) {
	hops := 0
	return fsys.resolveHops(cleanTarPath(p), &hops)
}

func (fsys *imageFS) resolveHops(p string, hops *int) (string, *fsEntry, error) {
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	cur := "/"
	for i, part := range parts {
		if part == "" {
			continue
		}
		next := path.Join(cur, part)
		// A missing component may be a directory that the layers imply
		// without listing it; keep walking.
		if e, ok := fsys.entries[next]; ok && e.typeflag == tar.TypeSymlink {
			*hops++
			if *hops > maxSymlinkHops {
				return "", nil, fmt.Errorf("resolving %q: too many levels of symbolic links", p)
			}
			target := e.linkname
			if !path.IsAbs(target) {
				target = path.Join(cur, target)
			}
			// path.Clean of an absolute path never climbs above "/", the
			// image's root: links cannot escape the image.
			resolved, re, err := fsys.resolveHops(path.Clean(target), hops)
			if err != nil {
				return "", nil, err
			}
			if re == nil {
				return path.Join(append([]string{resolved}, parts[i+1:]...)...), nil, nil
			}
			next = resolved
		}
		cur = next
	}
	return cur, fsys.entries[cur], nil
}

// readFile returns the captured content of p after resolving symlinks and
// hardlinks; ok is false if p is absent or was not captured.
func (fsys *imageFS) readFile(p string) ([]byte, bool) {
	_, e, err := fsys.resolve(p)
	if err != nil || e == nil {
		return nil, false
	}
	if e.typeflag == tar.TypeLink {
		if t, ok := fsys.entries[e.linkname]; ok {
			e = t
		}
	}
	return e.content, e.content != nil
}

// list returns the names of the entries directly inside directory dir (after
// resolving dir's symlinks).
func (fsys *imageFS) list(dir string) []string {
	d, e, err := fsys.resolve(dir)
	if err != nil || (e != nil && !e.isDir()) {
		return nil
	}
	var names []string
	prefix := strings.TrimSuffix(d, "/") + "/"
	for p := range fsys.entries {
		if rest, ok := strings.CutPrefix(p, prefix); ok && rest != "" && !strings.Contains(rest, "/") {
			names = append(names, rest)
		}
	}
	return names
}
