package wheelrepo

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/canto-build/canto/pkg/cache"
	"github.com/canto-build/canto/pkg/tags"
)

// The artifact (OCI image spec v1.1, "Guidelines for Artifact Usage"): an
// image manifest whose artifactType and config media type say "canto
// wheel", with one layer that is the wheel file itself.
const (
	ArtifactType                    = "application/vnd.canto.wheel.v1"
	ConfigMediaType types.MediaType = "application/vnd.canto.wheel.config.v1+json"
	WheelMediaType  types.MediaType = "application/vnd.canto.wheel.v1+zip"
	// TitleAnnotation on the layer holds the wheel's file name.
	TitleAnnotation = "org.opencontainers.image.title"
)

// Config is the artifact's config blob.
type Config struct {
	// Filename is the wheel's file name.
	Filename string `json:"filename"`
	// SHA256 is the wheel's hex sha256; the layer's digest is the same.
	SHA256 string `json:"sha256"`
	// Key is the sdist build's cache key the artifact answers.
	Key           string `json:"key"`
	SdistSHA256   string `json:"sdistSha256,omitempty"`
	BuilderDigest string `json:"builderDigest,omitempty"`
	Target        string `json:"target,omitempty"`
	CantoVersion  string `json:"cantoVersion,omitempty"`
}

// Tag is the tag an entry for key lives under: "wheel-" and the first 40
// hex digits of the key's sha256, so a lookup is one manifest request.
func Tag(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "wheel-" + hex.EncodeToString(sum[:])[:40]
}

// InvalidEntryError reports an entry in the repository that is not what
// Push writes for the key asked for: damaged, tampered with, or from
// something else. Callers ignore the entry and build.
type InvalidEntryError struct {
	// Ref is the entry's tag reference.
	Ref string
	// Reason says what is wrong.
	Reason string
}

func (e *InvalidEntryError) Error() string {
	return fmt.Sprintf("cache repo entry %s is not a usable wheel: %s", e.Ref, e.Reason)
}

// ParseRepository parses a repository reference such as
// "ghcr.io/acme/wheels" or "127.0.0.1:5000/canto/wheels" (an optional
// "docker://" prefix is accepted). A tag or digest is an error.
func ParseRepository(s string) (name.Repository, error) {
	ref := strings.TrimPrefix(s, "docker://")
	repo, err := name.NewRepository(ref)
	if err != nil {
		return name.Repository{}, fmt.Errorf("parsing cache repo %q: %w\nhint: name a repository without a tag, e.g. ghcr.io/acme/wheels", s, err)
	}
	return repo, nil
}

// Push stores the wheel at wheelPath, named filename, as the entry for key
// and returns the artifact manifest's digest. Pushing the same wheel twice
// gives the same digest.
func Push(ctx context.Context, repo name.Repository, key, wheelPath, filename string, opts ...Option) (v1.Hash, error) {
	o := makeOptions(opts)
	repo = o.repository(repo)
	tag := repo.Tag(Tag(key))
	doing := fmt.Sprintf("pushing %q to %q", filename, tag.String())
	if key == "" {
		return v1.Hash{}, fmt.Errorf("%s: empty key", doing)
	}
	if err := checkFilename(filename); err != nil {
		return v1.Hash{}, fmt.Errorf("%s: %w", doing, err)
	}
	layer, err := newFileLayer(wheelPath)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("%s: %w", doing, err)
	}
	cfg, err := json.Marshal(Config{
		Filename: filename, SHA256: layer.digest.Hex, Key: key,
		SdistSHA256: o.build.SdistSHA256, BuilderDigest: o.build.BuilderDigest, Target: o.build.Target,
		CantoVersion: o.version,
	})
	if err != nil {
		return v1.Hash{}, err
	}
	cfgLayer := static.NewLayer(cfg, ConfigMediaType)
	cfgDigest, err := cfgLayer.Digest()
	if err != nil {
		return v1.Hash{}, err
	}
	m := v1.Manifest{
		SchemaVersion: 2,
		MediaType:     types.OCIManifestSchema1,
		ArtifactType:  ArtifactType,
		Config:        v1.Descriptor{MediaType: ConfigMediaType, Size: int64(len(cfg)), Digest: cfgDigest},
		Layers: []v1.Descriptor{{
			MediaType:   WheelMediaType,
			Size:        layer.size,
			Digest:      layer.digest,
			Annotations: map[string]string{TitleAnnotation: filename},
		}},
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return v1.Hash{}, err
	}
	ropts := o.remote(ctx)
	if err := remote.WriteLayer(repo, layer, ropts...); err != nil {
		return v1.Hash{}, wrap(doing, repo, err)
	}
	if err := remote.WriteLayer(repo, cfgLayer, ropts...); err != nil {
		return v1.Hash{}, wrap(doing, repo, err)
	}
	if err := remote.Put(tag, rawManifest(raw), ropts...); err != nil {
		return v1.Hash{}, wrap(doing, repo, err)
	}
	d, _, err := v1.SHA256(bytes.NewReader(raw))
	if err != nil {
		return v1.Hash{}, err
	}
	o.log.Debug("pushed wheel to the cache repo", "wheel", filename, "ref", tag.String(), "digest", d.String())
	return d, nil
}

// Pull looks the entry for key up in repo and, when there is one, puts its
// wheel into dst and returns the wheel's path in dst, its file name and hex
// sha256. found is false, with a nil error, when the repository has no entry
// for key.
//
// The entry is checked before its wheel is trusted: the manifest must be
// the artifact Push writes, the config must name key and a wheel file name,
// the layer's digest must be the sha256 the config records, and the bytes
// must have that digest (go-containerregistry and the cache each verify
// while streaming). Any mismatch is an *InvalidEntryError and nothing is
// put in dst.
func Pull(ctx context.Context, repo name.Repository, key string, dst *cache.Cache, opts ...Option) (path, filename, sha256 string, found bool, err error) {
	o := makeOptions(opts)
	repo = o.repository(repo)
	tag := repo.Tag(Tag(key))
	ref := tag.String()
	ropts := o.remote(ctx)
	desc, err := remote.Get(tag, ropts...)
	if err != nil {
		if notFound(err) {
			o.log.Debug("no wheel in the cache repo", "ref", ref)
			return "", "", "", false, nil
		}
		return "", "", "", false, wrap(fmt.Sprintf("looking up %q", ref), repo, err)
	}
	invalid := func(format string, args ...any) error {
		err := &InvalidEntryError{Ref: ref, Reason: fmt.Sprintf(format, args...)}
		o.log.Debug("invalid cache repo entry", "ref", ref, "reason", err.Reason)
		return err
	}
	if desc.MediaType != types.OCIManifestSchema1 {
		return "", "", "", false, invalid("its manifest has media type %q, want %q", desc.MediaType, types.OCIManifestSchema1)
	}
	var m v1.Manifest
	if err := json.Unmarshal(desc.Manifest, &m); err != nil {
		return "", "", "", false, invalid("reading its manifest: %v", err)
	}
	switch {
	case m.Config.MediaType != ConfigMediaType:
		return "", "", "", false, invalid("its config has media type %q, want %q", m.Config.MediaType, ConfigMediaType)
	case len(m.Layers) != 1:
		return "", "", "", false, invalid("it has %d layers, want 1", len(m.Layers))
	case m.Layers[0].MediaType != WheelMediaType:
		return "", "", "", false, invalid("its layer has media type %q, want %q", m.Layers[0].MediaType, WheelMediaType)
	case m.Config.Size < 0 || m.Config.Size > maxConfigSize:
		return "", "", "", false, invalid("its config is %d bytes, more than %d", m.Config.Size, maxConfigSize)
	case m.Layers[0].Size < 0 || m.Layers[0].Size > o.maxWheel:
		return "", "", "", false, invalid("its wheel is %d bytes, more than %d\nhint: raise the limit if the wheel is really this big", m.Layers[0].Size, o.maxWheel)
	}
	cfgBytes, err := readBlob(repo, m.Config, ropts)
	if msg, ok := verifyError(err); ok {
		return "", "", "", false, invalid("its config does not match its descriptor: %s", msg)
	}
	if err != nil {
		return "", "", "", false, wrap(fmt.Sprintf("reading the config of %q", ref), repo, err)
	}
	var cfg Config
	if err := json.Unmarshal(cfgBytes, &cfg); err != nil {
		return "", "", "", false, invalid("reading its config: %v", err)
	}
	wl := m.Layers[0]
	switch {
	case cfg.Key != key:
		return "", "", "", false, invalid("its config is for key %q, want %q", cfg.Key, key)
	case checkFilename(cfg.Filename) != nil:
		return "", "", "", false, invalid("%v", checkFilename(cfg.Filename))
	case wl.Annotations[TitleAnnotation] != cfg.Filename:
		return "", "", "", false, invalid("its layer is titled %q, but its config names %q", wl.Annotations[TitleAnnotation], cfg.Filename)
	case wl.Digest.Algorithm != "sha256" || wl.Digest.Hex != strings.ToLower(cfg.SHA256):
		return "", "", "", false, invalid("its layer has digest %s, but its config records sha256 %q", wl.Digest, cfg.SHA256)
	}
	sum := wl.Digest.Hex
	if p, ok, err := dst.Get(sum); err == nil && ok {
		return p, cfg.Filename, sum, true, nil
	}
	layer, err := remote.Layer(repo.Digest(wl.Digest.String()), ropts...)
	if err != nil {
		return "", "", "", false, wrap(fmt.Sprintf("downloading %q from %q", cfg.Filename, ref), repo, err)
	}
	rc, err := layer.Compressed()
	if err != nil {
		return "", "", "", false, wrap(fmt.Sprintf("downloading %q from %q", cfg.Filename, ref), repo, err)
	}
	defer func() { _ = rc.Close() }()
	p, err := dst.Put(ctx, sum, &sizeLimited{r: rc, left: wl.Size})
	if err != nil {
		var dm *cache.DigestMismatchError
		if errors.As(err, &dm) {
			return "", "", "", false, invalid("its wheel has sha256 %s, not %s", dm.Actual, dm.Expected)
		}
		if msg, ok := verifyError(err); ok {
			return "", "", "", false, invalid("its wheel does not match its descriptor: %s", msg)
		}
		return "", "", "", false, wrap(fmt.Sprintf("downloading %q from %q", cfg.Filename, ref), repo, err)
	}
	o.log.Debug("pulled wheel from the cache repo", "wheel", cfg.Filename, "ref", ref)
	return p, cfg.Filename, sum, true, nil
}

// checkFilename accepts a wheel file name that is only a name.
func checkFilename(filename string) error {
	if strings.ContainsAny(filename, "/\\") || filename == "" {
		return fmt.Errorf("%q is not a wheel file name", filename)
	}
	if _, err := tags.ParseWheelFilename(filename); err != nil {
		return err
	}
	return nil
}

func (o options) repository(repo name.Repository) name.Repository {
	if !o.insecure {
		return repo
	}
	r, err := name.NewRepository(repo.String(), name.Insecure)
	if err != nil {
		return repo // it parsed once already
	}
	return r
}

func (o options) remote(ctx context.Context) []remote.Option {
	ropts := []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(o.keychain),
		remote.WithUserAgent(o.userAgent),
	}
	if o.transport != nil {
		ropts = append(ropts, remote.WithTransport(o.transport))
	}
	return ropts
}

// wrap words a registry error; an authentication failure gets a hint.
// go-containerregistry's errors carry the URL and the registry's message,
// never the credentials sent.
func wrap(doing string, repo name.Repository, err error) error {
	var te *transport.Error
	if errors.As(err, &te) && (te.StatusCode == http.StatusUnauthorized || te.StatusCode == http.StatusForbidden) {
		return fmt.Errorf("%s: %w\nhint: log in with `docker login %s` (canto reads the Docker config and its credential helpers), or leave out --cache-repo", doing, err, repo.RegistryStr())
	}
	return fmt.Errorf("%s: %w", doing, err)
}

// notFound says whether a manifest request failed because there is no
// such tag (or no such repository yet).
func notFound(err error) bool {
	var te *transport.Error
	if !errors.As(err, &te) {
		return false
	}
	if te.StatusCode == http.StatusNotFound {
		return true
	}
	for _, e := range te.Errors {
		if e.Code == transport.ManifestUnknownErrorCode || e.Code == transport.NameUnknownErrorCode {
			return true
		}
	}
	return false
}

var errTooLarge = errors.New("the blob is larger than its descriptor says")

// verifyError finds go-containerregistry's check of a blob's size or
// digest failing (internal/verify, whose error type is not exported) at
// the bottom of err's chain.
func verifyError(err error) (string, bool) {
	if err == nil {
		return "", false
	}
	if errors.Is(err, errTooLarge) {
		return errTooLarge.Error(), true
	}
	for {
		next := errors.Unwrap(err)
		if next == nil {
			break
		}
		err = next
	}
	msg := err.Error()
	return msg, strings.HasPrefix(msg, "error verifying ")
}

// readBlob reads a small blob in full; go-containerregistry checks its
// digest at EOF.
func readBlob(repo name.Repository, d v1.Descriptor, ropts []remote.Option) ([]byte, error) {
	l, err := remote.Layer(repo.Digest(d.Digest.String()), ropts...)
	if err != nil {
		return nil, err
	}
	rc, err := l.Compressed()
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.Close() }()
	return io.ReadAll(&sizeLimited{r: rc, left: d.Size})
}

// sizeLimited fails a read past the size a descriptor promised, so a
// registry cannot stream more than it declared.
type sizeLimited struct {
	r    io.Reader
	left int64
}

func (s *sizeLimited) Read(p []byte) (int, error) {
	if s.left <= 0 {
		// One more byte tells EOF from an oversized blob.
		var one [1]byte
		n, err := s.r.Read(one[:])
		if n > 0 {
			return 0, errTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > s.left {
		p = p[:s.left]
	}
	n, err := s.r.Read(p)
	s.left -= int64(n)
	return n, err
}

// rawManifest is a manifest pushed byte for byte.
type rawManifest []byte

func (r rawManifest) RawManifest() ([]byte, error)        { return r, nil }
func (r rawManifest) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }

// fileLayer is a wheel on disk as a layer blob, hashed once up front.
type fileLayer struct {
	path   string
	digest v1.Hash
	size   int64
}

func newFileLayer(p string) (*fileLayer, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	d, n, err := v1.SHA256(f)
	if err != nil {
		return nil, fmt.Errorf("hashing %q: %w", p, err)
	}
	return &fileLayer{path: p, digest: d, size: n}, nil
}

func (l *fileLayer) Digest() (v1.Hash, error)             { return l.digest, nil }
func (l *fileLayer) DiffID() (v1.Hash, error)             { return l.digest, nil }
func (l *fileLayer) Size() (int64, error)                 { return l.size, nil }
func (l *fileLayer) MediaType() (types.MediaType, error)  { return WheelMediaType, nil }
func (l *fileLayer) Compressed() (io.ReadCloser, error)   { return os.Open(l.path) }
func (l *fileLayer) Uncompressed() (io.ReadCloser, error) { return os.Open(l.path) }
