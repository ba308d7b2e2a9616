package image

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/daemon"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// DefaultPlatform is the platform LoadBase resolves when none is given.
const DefaultPlatform = "linux/amd64"

// RefNameAnnotation is the OCI annotation that tags an entry of an image
// layout's index.json.
const RefNameAnnotation = "org.opencontainers.image.ref.name"

// ParsePlatform parses "os/arch[/variant]", such as "linux/arm64/v8". The
// empty string means DefaultPlatform.
func ParsePlatform(s string) (v1.Platform, error) {
	if s == "" {
		s = DefaultPlatform
	}
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 || slices.Contains(parts, "") {
		return v1.Platform{}, fmt.Errorf("parsing platform %q: want os/arch[/variant]\nhint: write a platform such as linux/amd64 or linux/arm64/v8", s)
	}
	p := v1.Platform{OS: parts[0], Architecture: parts[1]}
	if len(parts) == 3 {
		p.Variant = parts[2]
	}
	return p, nil
}

// PlatformError says an image or index has no entry for the wanted platform.
type PlatformError struct {
	// Ref is the image reference that was resolved.
	Ref string
	// Want is the requested platform.
	Want v1.Platform
	// Available are the platforms the image or index does offer.
	Available []v1.Platform
}

func (e *PlatformError) Error() string {
	avail := make([]string, 0, len(e.Available))
	for _, p := range e.Available {
		avail = append(avail, platformString(p))
	}
	list := strings.Join(avail, ", ")
	if list == "" {
		list = "none"
	}
	return fmt.Sprintf("no image for platform %s in %s (available: %s)\nhint: pick one of the available platforms or another base image",
		platformString(e.Want), e.Ref, list)
}

func platformString(p v1.Platform) string {
	s := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		s += "/" + p.Variant
	}
	return s
}

// platformMatches reports whether have satisfies want. An empty variant in
// want accepts any variant; arm64's variant "v8" is its default.
func platformMatches(have, want v1.Platform) bool {
	if have.OS != want.OS || have.Architecture != want.Architecture {
		return false
	}
	if want.Variant == "" {
		return true
	}
	return normVariant(have) == normVariant(want)
}

func normVariant(p v1.Platform) string {
	if p.Architecture == "arm64" && p.Variant == "" {
		return "v8"
	}
	return p.Variant
}

// LoadBase resolves ref to a single image for platform ("os/arch[/variant]",
// default DefaultPlatform). A multi-platform index resolves to the entry for
// platform; when there is none the error is a *PlatformError listing the
// available ones. Registry credentials come from the Docker config and its
// credential helpers unless WithKeychain says otherwise.
func LoadBase(ctx context.Context, ref Reference, platform string, opts ...Option) (v1.Image, error) {
	want, err := ParsePlatform(platform)
	if err != nil {
		return nil, err
	}
	o := makeOptions(opts)
	var img v1.Image
	switch ref.Transport {
	case TransportRegistry:
		img, err = loadRegistry(ctx, ref, want, o)
	case TransportOCI:
		img, err = loadLayout(ref, want)
	case TransportDockerArchive:
		img, err = loadDockerArchive(ref)
	case TransportDockerDaemon:
		img, err = loadDaemon(ctx, ref, o)
	case TransportOCIArchive:
		err = errors.New("reading oci-archive images is not supported\nhint: unpack the archive with tar -xf into a directory and use oci:DIR")
	default:
		err = fmt.Errorf("unknown transport %q\n%s", ref.Transport, supportedHint)
	}
	if err != nil {
		return nil, fmt.Errorf("loading base image %q: %w", ref.String(), err)
	}
	if err := checkPlatform(img, want, ref.String()); err != nil {
		return nil, fmt.Errorf("loading base image %q: %w", ref.String(), err)
	}
	return img, nil
}

func nameOptions(insecure bool) []name.Option {
	opts := []name.Option{name.WeakValidation}
	if insecure {
		opts = append(opts, name.Insecure)
	}
	return opts
}

func loadRegistry(ctx context.Context, ref Reference, want v1.Platform, o options) (v1.Image, error) {
	r, err := name.ParseReference(ref.Name, nameOptions(o.insecure)...)
	if err != nil {
		return nil, err
	}
	ropts := []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(o.keychain),
		remote.WithPlatform(want),
	}
	if o.transport != nil {
		ropts = append(ropts, remote.WithTransport(o.transport))
	}
	desc, err := remote.Get(r, ropts...)
	if err != nil {
		return nil, withRegistryHint(err, r.Context().RegistryStr())
	}
	if desc.MediaType.IsIndex() {
		idx, err := desc.ImageIndex()
		if err != nil {
			return nil, err
		}
		return selectFromIndex(idx, want, ref.String())
	}
	return desc.Image()
}

// withRegistryHint adds a login hint to authentication failures.
func withRegistryHint(err error, registry string) error {
	var terr *transport.Error
	if errors.As(err, &terr) && (terr.StatusCode == 401 || terr.StatusCode == 403) {
		return fmt.Errorf("%w\nhint: check the credentials for %s (docker login %s)", err, registry, registry)
	}
	return err
}

// selectFromIndex picks the image for want from idx, descending into nested
// indexes and skipping attestation manifests.
func selectFromIndex(idx v1.ImageIndex, want v1.Platform, where string) (v1.Image, error) {
	var avail []v1.Platform
	img, err := findInIndex(idx, want, &avail)
	if err != nil {
		return nil, err
	}
	if img == nil {
		return nil, &PlatformError{Ref: where, Want: want, Available: avail}
	}
	return img, nil
}

func findInIndex(idx v1.ImageIndex, want v1.Platform, avail *[]v1.Platform) (v1.Image, error) {
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	for _, d := range im.Manifests {
		switch {
		case d.MediaType.IsIndex():
			child, err := idx.ImageIndex(d.Digest)
			if err != nil {
				return nil, err
			}
			img, err := findInIndex(child, want, avail)
			if img != nil || err != nil {
				return img, err
			}
		case d.MediaType.IsImage():
			if d.Annotations["vnd.docker.reference.type"] == "attestation-manifest" {
				continue
			}
			var p v1.Platform
			if d.Platform != nil {
				p = *d.Platform
			} else {
				img, err := idx.Image(d.Digest)
				if err != nil {
					return nil, err
				}
				cfg, err := img.ConfigFile()
				if err != nil {
					return nil, err
				}
				if cp := cfg.Platform(); cp != nil {
					p = *cp
				}
			}
			if p.OS == "unknown" || p.OS == "" {
				continue
			}
			if platformMatches(p, want) {
				return idx.Image(d.Digest)
			}
			*avail = append(*avail, p)
		}
	}
	return nil, nil
}

// checkPlatform rejects a single image built for another platform. Images
// whose config names no platform are accepted.
func checkPlatform(img v1.Image, want v1.Platform, where string) error {
	cfg, err := img.ConfigFile()
	if err != nil {
		return fmt.Errorf("reading image config: %w", err)
	}
	if cfg.OS == "" || cfg.Architecture == "" {
		return nil
	}
	have := v1.Platform{OS: cfg.OS, Architecture: cfg.Architecture, Variant: cfg.Variant}
	if !platformMatches(have, want) {
		return &PlatformError{Ref: where, Want: want, Available: []v1.Platform{have}}
	}
	return nil
}

func loadLayout(ref Reference, want v1.Platform) (v1.Image, error) {
	if _, err := os.Stat(ref.Path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("reading OCI layout %q: %w\nhint: the directory must hold an OCI image layout (oci-layout, index.json, blobs/)", ref.Path, err)
		}
		return nil, fmt.Errorf("reading OCI layout %q: %w", ref.Path, err)
	}
	ii, err := layout.ImageIndexFromPath(ref.Path)
	if err != nil {
		return nil, fmt.Errorf("reading OCI layout %q: %w\nhint: the directory must hold an OCI image layout (oci-layout, index.json, blobs/)", ref.Path, err)
	}
	im, err := ii.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("reading OCI layout %q: %w", ref.Path, err)
	}
	var tags []string
	for _, d := range im.Manifests {
		if t := d.Annotations[RefNameAnnotation]; t != "" {
			tags = append(tags, t)
		}
	}
	var desc v1.Descriptor
	switch {
	case ref.Name != "":
		found := false
		// The last entry wins should a tag appear twice.
		for _, d := range im.Manifests {
			if d.Annotations[RefNameAnnotation] == ref.Name {
				desc, found = d, true
			}
		}
		if !found {
			return nil, fmt.Errorf("no image tagged %q in OCI layout %q (tags: %s)\nhint: name one of the tags, as oci:%s:TAG", ref.Name, ref.Path, tagList(tags), ref.Path)
		}
	case len(im.Manifests) == 0:
		return nil, fmt.Errorf("OCI layout %q holds no image", ref.Path)
	case len(im.Manifests) == 1:
		desc = im.Manifests[0]
	case len(tags) == 0:
		// An untagged top-level index whose entries are platforms.
		return selectFromIndex(ii, want, "oci:"+ref.Path)
	default:
		return nil, fmt.Errorf("OCI layout %q holds %d images (tags: %s)\nhint: name one, as oci:%s:TAG", ref.Path, len(im.Manifests), tagList(tags), ref.Path)
	}
	switch {
	case desc.MediaType.IsIndex():
		child, err := ii.ImageIndex(desc.Digest)
		if err != nil {
			return nil, err
		}
		return selectFromIndex(child, want, ref.String())
	case desc.MediaType.IsImage():
		return ii.Image(desc.Digest)
	default:
		return nil, fmt.Errorf("OCI layout %q: entry %s has media type %q, not an image or index", ref.Path, desc.Digest, desc.MediaType)
	}
}

func tagList(tags []string) string {
	if len(tags) == 0 {
		return "none"
	}
	return strings.Join(tags, ", ")
}

func loadDockerArchive(ref Reference) (v1.Image, error) {
	if _, err := os.Stat(ref.Path); err != nil {
		return nil, fmt.Errorf("reading docker archive %q: %w", ref.Path, err)
	}
	var tag *name.Tag
	if ref.Name != "" {
		t, err := name.NewTag(ref.Name, name.WeakValidation)
		if err != nil {
			return nil, err
		}
		tag = &t
	}
	img, err := tarball.ImageFromPath(ref.Path, tag)
	if err != nil {
		return nil, fmt.Errorf("reading docker archive %q: %w", ref.Path, err)
	}
	return img, nil
}

func loadDaemon(ctx context.Context, ref Reference, o options) (v1.Image, error) {
	r, err := name.ParseReference(ref.Name, name.WeakValidation)
	if err != nil {
		return nil, err
	}
	dopts := []daemon.Option{daemon.WithContext(ctx)}
	if o.daemonClient != nil {
		dopts = append(dopts, daemon.WithClient(o.daemonClient))
	}
	img, err := daemon.Image(r, dopts...)
	if err != nil {
		return nil, fmt.Errorf("reading from the docker daemon: %w\nhint: is Docker running and DOCKER_HOST set correctly? Or save the image with docker save and use docker-archive:FILE", err)
	}
	return img, nil
}
