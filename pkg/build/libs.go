package build

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/canto-build/canto/pkg/elfcheck"
	"github.com/canto-build/canto/pkg/image"
)

// MissingLibsError says the built image lacks shared libraries that files
// in its venv need.
type MissingLibsError struct {
	Report *elfcheck.Report
	// Builder is the image searched for the libraries, if any.
	Builder string
}

func (e *MissingLibsError) Error() string {
	return "the image lacks shared libraries that the venv needs:\n" + e.Report.Text() + "\n" + elfcheck.Hint
}

// checkLibs checks the shared libraries of the venv's ELF files in img (the
// base with adds and changes). When some are missing it copies them from
// req.Builder into one more layer if req.VendorLibs is set, or fails with a
// *MissingLibsError. It returns the image to ship.
func (b *Builder) checkLibs(ctx context.Context, req Request, base v1.Image, adds []image.Addendum, changes image.ConfigChanges, img v1.Image, mt types.MediaType, res *Result) (v1.Image, error) {
	// The answer depends only on the image's content (and, for vendoring, the
	// builder's), so it is remembered by digest: a warm build neither reads
	// the base's layers nor the builder's again.
	imgDigest, err := b.libsKey(ctx, req, base, adds, changes, img, res)
	if err != nil {
		return nil, err
	}
	if m, ok := b.loadLibsMemo("libcheck-ok/" + imgDigest.String()); ok && m.OK {
		return img, nil
	}
	var builderImg v1.Image
	var vendorMemoKey string
	if req.VendorLibs && req.Builder != (image.Reference{}) {
		if builderImg, err = image.LoadBase(ctx, req.Builder, req.Platform, b.imgOpts...); err != nil {
			return nil, fmt.Errorf("loading builder image %s: %w", req.Builder, err)
		}
		bd, err := builderImg.Digest()
		if err != nil {
			return nil, err
		}
		vendorMemoKey = "libcheck-vendor/" + imgDigest.String() + "/" + bd.String()
		if m, ok := b.loadLibsMemo(vendorMemoKey); ok && !m.OK {
			if stored, ok := b.loadStoredKey(m.LayerKey, mt); ok {
				return b.insertLibs(base, adds, changes, res, stored, true, m.History, m.Debs)
			}
		}
	}
	// A venv without ELF files needs no look at the base's layers.
	own := make([]v1.Layer, 0, len(adds))
	for _, a := range adds {
		own = append(own, a.Layer)
	}
	ownImg, err := mutate.AppendLayers(empty.Image, own...)
	if err != nil {
		return nil, fmt.Errorf("checking shared libraries: %w", err)
	}
	ownFS, err := elfcheck.NewImageFS(ctx, ownImg)
	if err != nil {
		return nil, fmt.Errorf("checking shared libraries: %w", err)
	}
	if pre, err := elfcheck.Check(ctx, ownFS, elfcheck.WithRoots(req.Venv)); err != nil || pre.Checked == 0 {
		return img, err
	}

	b.progress(Event{Phase: "libs", Message: "checking shared libraries"})
	fsys, err := elfcheck.NewImageFS(ctx, img)
	if err != nil {
		return nil, fmt.Errorf("checking shared libraries: %w", err)
	}
	opts := []elfcheck.Option{elfcheck.WithRoots(req.Venv), elfcheck.WithEnv(fsys.Env), elfcheck.WithArch(fsys.Arch), elfcheck.WithLogger(b.log)}
	rep, err := elfcheck.Check(ctx, fsys, opts...)
	if err != nil {
		return nil, fmt.Errorf("checking shared libraries: %w", err)
	}
	b.log.Info("shared libraries", "files", rep.Checked, "libraries", rep.Libraries, "missing", len(rep.Missing))
	if rep.OK() {
		b.storeLibsMemo(ctx, "libcheck-ok/"+imgDigest.String(), libsMemo{OK: true})
		return img, nil
	}
	if req.Builder == (image.Reference{}) {
		return nil, &MissingLibsError{Report: rep}
	}
	builderName := req.Builder.String()
	b.progress(Event{Phase: "libs", Message: "looking for " + strings.Join(libraryNames(rep), ", ") + " in " + builderName})
	if builderImg == nil {
		if builderImg, err = image.LoadBase(ctx, req.Builder, req.Platform, b.imgOpts...); err != nil {
			return nil, fmt.Errorf("loading builder image %s: %w", builderName, err)
		}
	}
	builderFS, err := elfcheck.NewImageFS(ctx, builderImg)
	if err != nil {
		return nil, fmt.Errorf("reading builder image %s: %w", builderName, err)
	}
	if !req.VendorLibs {
		if err := rep.FindProviders(ctx, builderFS); err != nil {
			return nil, err
		}
		return nil, &MissingLibsError{Report: rep, Builder: builderName}
	}
	v, err := elfcheck.Vendor(ctx, fsys, builderFS, rep.Missing,
		elfcheck.VendorModTime(req.Created), elfcheck.VendorOwner(b.uid, b.gid), elfcheck.VendorEnv(fsys.Env))
	if err != nil {
		var nib *elfcheck.NotInBuilderError
		if errors.As(err, &nib) {
			if perr := rep.FindProviders(ctx, builderFS); perr == nil {
				return nil, fmt.Errorf("vendoring shared libraries from %s: %w\n%s", builderName, err, rep.Text())
			}
		}
		return nil, fmt.Errorf("vendoring shared libraries from %s: %w", builderName, err)
	}
	after, err := elfcheck.Check(ctx, elfcheck.Overlay(fsys, v.FS()), opts...)
	if err != nil {
		return nil, fmt.Errorf("checking shared libraries: %w", err)
	}
	if !after.OK() {
		return nil, &MissingLibsError{Report: after, Builder: builderName}
	}

	var tarBuf bytes.Buffer
	if err := v.WriteTar(&tarBuf); err != nil {
		return nil, fmt.Errorf("writing the shared library layer: %w", err)
	}
	sum := sha256.Sum256(tarBuf.Bytes())
	layerKey := "libs/" + hex.EncodeToString(sum[:])
	stored, cached, err := b.storeLayer(ctx, layerKey, mt, func(w *os.File) error {
		_, err := w.Write(tarBuf.Bytes())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("building the shared library layer: %w", err)
	}
	var debs []string
	for _, p := range v.Packages {
		debs = append(debs, p.String())
	}
	hist := v1.History{
		CreatedBy: "canto: shared libraries for " + strings.Join(neededByPackages(rep), ", ") + " from " + builderName,
		Comment:   strings.Join(v.Libraries, " ") + " (Debian: " + strings.Join(debs, ", ") + ")",
	}
	b.log.Info("vendored shared libraries", "libraries", v.Libraries, "debian", debs, "from", builderName)
	if vendorMemoKey != "" {
		b.storeLibsMemo(ctx, vendorMemoKey, libsMemo{LayerKey: layerKey, History: hist, Debs: debs})
	}
	return b.insertLibs(base, adds, changes, res, stored, cached, hist, debs)
}

// insertLibs adds the shared-library layer right after the dependencies
// that need it, before the venv and project layers, which change more often.
func (b *Builder) insertLibs(base v1.Image, adds []image.Addendum, changes image.ConfigChanges, res *Result, stored image.StoredLayer, cached bool, hist v1.History, debs []string) (v1.Image, error) {
	at := len(adds)
	for i, l := range res.Layers {
		if l.Kind != "dependencies" {
			at = i
			break
		}
	}
	if len(res.Layers) != len(adds) {
		at = len(adds)
	}
	withLibs := slices.Insert(slices.Clone(adds), at, image.Addendum{Layer: stored.Layer(), History: hist})
	out, err := image.Append(base, withLibs, changes)
	if err != nil {
		return nil, fmt.Errorf("assembling the image: %w", err)
	}
	info := LayerInfo{Kind: "libraries", Name: "libraries", Packages: debs, Digest: stored.Digest, Size: stored.Size, Cached: cached}
	res.Layers = slices.Insert(res.Layers, min(at, len(res.Layers)), info)
	return out, nil
}

// libsKey identifies what the shared-library check reads: the base, the
// environment, and every layer canto added that holds an ELF file. A layer
// without one (a pure-Python package, canto's venv layer, the project's own
// pure-Python wheel) neither needs a library nor provides one, so adding,
// upgrading or editing such a package does not make the check read the
// base and the builder again.
func (b *Builder) libsKey(ctx context.Context, req Request, base v1.Image, adds []image.Addendum, changes image.ConfigChanges, img v1.Image, res *Result) (v1.Hash, error) {
	if len(res.Layers) != len(adds) {
		return img.Digest()
	}
	bd, err := base.Digest()
	if err != nil {
		return v1.Hash{}, err
	}
	h := sha256.New()
	fmt.Fprintf(h, "libs-key-2\x00%s\x00%s\x00", bd, req.Venv)
	for _, e := range changes.Env {
		fmt.Fprintf(h, "env\x00%s\x00", e)
	}
	for _, a := range adds {
		d, err := a.Layer.Digest()
		if err != nil {
			return v1.Hash{}, err
		}
		elf, err := b.layerHasELF(ctx, a.Layer, d)
		if err != nil {
			return v1.Hash{}, err
		}
		if elf {
			fmt.Fprintf(h, "layer\x00%s\x00", d)
		}
	}
	return v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(h.Sum(nil))}, nil
}

// layerHasELF says whether a layer holds an ELF file, reading it once per
// digest: the answer is remembered in the cache.
func (b *Builder) layerHasELF(ctx context.Context, l v1.Layer, d v1.Hash) (bool, error) {
	key := "layer-elf/" + d.String()
	if p, _, ok, err := b.cache.GetKey(key); err == nil && ok {
		if raw, err := os.ReadFile(p); err == nil && (string(raw) == "0" || string(raw) == "1") {
			return string(raw) == "1", nil
		}
	}
	only, err := mutate.AppendLayers(empty.Image, l)
	if err != nil {
		return false, err
	}
	fsys, err := elfcheck.NewImageFS(ctx, only)
	if err != nil {
		return false, err
	}
	rep, err := elfcheck.Check(ctx, fsys, elfcheck.WithAll())
	if err != nil {
		return false, err
	}
	answer := "0"
	if rep.Checked > 0 {
		answer = "1"
	}
	if _, _, err := b.cache.PutKey(ctx, key, strings.NewReader(answer)); err != nil {
		b.log.Warn("remembering whether a layer holds ELF files", "layer", d, "error", err)
	}
	return answer == "1", nil
}

// libsMemo is a remembered answer of checkLibs.
type libsMemo struct {
	OK       bool       `json:"ok"`
	LayerKey string     `json:"layer_key,omitempty"`
	History  v1.History `json:"history"`
	Debs     []string   `json:"debs,omitempty"`
}

func (b *Builder) loadLibsMemo(key string) (libsMemo, bool) {
	var m libsMemo
	p, _, ok, err := b.cache.GetKey(key)
	if err != nil || !ok {
		return m, false
	}
	raw, err := os.ReadFile(p)
	if err != nil || json.Unmarshal(raw, &m) != nil {
		return m, false
	}
	return m, true
}

func (b *Builder) storeLibsMemo(ctx context.Context, key string, m libsMemo) {
	raw, err := json.Marshal(m)
	if err != nil {
		return
	}
	if _, _, err := b.cache.PutKey(ctx, key, bytes.NewReader(raw)); err != nil {
		b.log.Warn("remembering the shared-library check", "error", err)
	}
}

func libraryNames(rep *elfcheck.Report) []string {
	var out []string
	for _, m := range rep.Missing {
		out = append(out, m.Library)
	}
	return out
}

// neededByPackages names the Python distributions whose files need the
// missing libraries ("uwsgi 2.0.21"), or the files when none owns them.
func neededByPackages(rep *elfcheck.Report) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range rep.Missing {
		for _, n := range m.NeededBy {
			name := n.Package
			if name == "" {
				name = n.Path
			}
			if !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
		}
	}
	sort.Strings(out)
	return out
}
