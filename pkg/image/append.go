package image

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// OCI pre-defined annotation keys (image-spec annotations.md).
const (
	AnnotationBaseName   = "org.opencontainers.image.base.name"
	AnnotationBaseDigest = "org.opencontainers.image.base.digest"
	AnnotationCreated    = "org.opencontainers.image.created"
	AnnotationSource     = "org.opencontainers.image.source"
	AnnotationRevision   = "org.opencontainers.image.revision"
)

// Addendum is a layer to append and the history entry that describes it.
type Addendum struct {
	Layer v1.Layer
	// History describes the layer; a zero Created is set to
	// ConfigChanges.Created.
	History v1.History
}

// ConfigChanges are the changes Append makes to the base image's config and
// manifest. A nil slice or map and an empty string keep the base's value.
type ConfigChanges struct {
	// Entrypoint replaces the base entrypoint. As with a Dockerfile, setting
	// it without setting Cmd clears the base's Cmd.
	Entrypoint []string
	// Cmd replaces the base command.
	Cmd []string
	// Env holds "KEY=VALUE" entries: one whose KEY the base sets replaces it
	// in place, the others are appended in order.
	Env []string
	// User and WorkingDir replace the base's when not empty.
	User       string
	WorkingDir string
	// ExposedPorts are added, as "8000/tcp" or "8000" (tcp).
	ExposedPorts []string
	// Labels are added to the base's, replacing equal keys.
	Labels map[string]string

	// Created is the image's creation time, used for the config, the
	// history and the created annotation. Zero means the Unix epoch; see
	// SourceDateEpoch.
	Created time.Time

	// BaseName is the base image reference for the
	// org.opencontainers.image.base.name annotation; empty omits the
	// base.name and base.digest annotations.
	BaseName string
	// Source and Revision, when set, become the
	// org.opencontainers.image.source and .revision annotations.
	Source   string
	Revision string
	// Annotations are further manifest annotations.
	Annotations map[string]string
}

// SourceDateEpoch returns the time in the SOURCE_DATE_EPOCH environment
// variable (https://reproducible-builds.org/specs/source-date-epoch/), or the
// Unix epoch when it is unset or empty.
func SourceDateEpoch() (time.Time, error) {
	return ParseSourceDateEpoch(os.Getenv("SOURCE_DATE_EPOCH"))
}

// ParseSourceDateEpoch parses a SOURCE_DATE_EPOCH value: decimal seconds
// since the Unix epoch. The empty string means the epoch itself.
func ParseSourceDateEpoch(s string) (time.Time, error) {
	if s == "" {
		return time.Unix(0, 0).UTC(), nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return time.Time{}, fmt.Errorf("parsing SOURCE_DATE_EPOCH %q: not a non-negative integer number of seconds\nhint: set it to the output of git log -1 --format=%%ct, or unset it", s)
	}
	return time.Unix(n, 0).UTC(), nil
}

// Append adds layers on top of base and applies cfg. The result is
// deterministic: the same base, layers and cfg give the same digest. Layer
// media types are matched to the base (Docker or OCI); manifest annotations
// are written only when the base has an OCI manifest, since Docker schema 2
// manifests have no annotations.
func Append(base v1.Image, layers []Addendum, cfg ConfigChanges) (v1.Image, error) {
	created := cfg.Created
	if created.IsZero() {
		created = time.Unix(0, 0)
	}
	created = created.UTC()
	mt, err := LayerMediaType(base)
	if err != nil {
		return nil, fmt.Errorf("appending layers: %w", err)
	}
	adds := make([]mutate.Addendum, 0, len(layers))
	for i, a := range layers {
		if a.Layer == nil {
			return nil, fmt.Errorf("appending layers: addendum %d has no layer", i)
		}
		h := a.History
		if h.Created.IsZero() {
			h.Created = v1.Time{Time: created}
		}
		l, err := withMediaType(a.Layer, mt)
		if err != nil {
			return nil, fmt.Errorf("appending layers: addendum %d: %w", i, err)
		}
		adds = append(adds, mutate.Addendum{Layer: l, History: h})
	}
	img, err := mutate.Append(base, adds...)
	if err != nil {
		return nil, fmt.Errorf("appending layers: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("appending layers: reading config: %w", err)
	}
	cf = cf.DeepCopy()
	cf.Created = v1.Time{Time: created}
	applyConfig(&cf.Config, cfg)
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, fmt.Errorf("appending layers: setting config: %w", err)
	}

	manifestType, err := img.MediaType()
	if err != nil {
		return nil, fmt.Errorf("appending layers: %w", err)
	}
	if manifestType != types.OCIManifestSchema1 {
		return img, nil
	}
	anns := map[string]string{AnnotationCreated: created.Format(time.RFC3339)}
	if cfg.BaseName != "" {
		d, err := base.Digest()
		if err != nil {
			return nil, fmt.Errorf("appending layers: computing base digest: %w", err)
		}
		anns[AnnotationBaseName] = cfg.BaseName
		anns[AnnotationBaseDigest] = d.String()
	}
	if cfg.Source != "" {
		anns[AnnotationSource] = cfg.Source
	}
	if cfg.Revision != "" {
		anns[AnnotationRevision] = cfg.Revision
	}
	maps.Copy(anns, cfg.Annotations)
	annotated, ok := mutate.Annotations(img, anns).(v1.Image)
	if !ok {
		return nil, fmt.Errorf("appending layers: annotating manifest: not an image")
	}
	return annotated, nil
}

func applyConfig(c *v1.Config, cfg ConfigChanges) {
	if cfg.Entrypoint != nil {
		c.Entrypoint = slices.Clone(cfg.Entrypoint)
		if cfg.Cmd == nil {
			c.Cmd = nil
		}
	}
	if cfg.Cmd != nil {
		c.Cmd = slices.Clone(cfg.Cmd)
	}
	c.Env = mergeEnv(c.Env, cfg.Env)
	if cfg.User != "" {
		c.User = cfg.User
	}
	if cfg.WorkingDir != "" {
		c.WorkingDir = cfg.WorkingDir
	}
	if len(cfg.ExposedPorts) > 0 {
		if c.ExposedPorts == nil {
			c.ExposedPorts = map[string]struct{}{}
		}
		for _, p := range cfg.ExposedPorts {
			if !strings.Contains(p, "/") {
				p += "/tcp"
			}
			c.ExposedPorts[p] = struct{}{}
		}
	}
	if len(cfg.Labels) > 0 {
		if c.Labels == nil {
			c.Labels = map[string]string{}
		}
		maps.Copy(c.Labels, cfg.Labels)
	}
}

func mergeEnv(base, add []string) []string {
	out := slices.Clone(base)
	for _, kv := range add {
		k, _, _ := strings.Cut(kv, "=")
		replaced := false
		for i, old := range out {
			if ok, _, _ := strings.Cut(old, "="); ok == k {
				out[i] = kv
				replaced = true
			}
		}
		if !replaced {
			out = append(out, kv)
		}
	}
	return out
}

// retypedLayer is a gzip layer presented under the other gzip media type;
// the bytes, and so the digests, are the same.
type retypedLayer struct {
	v1.Layer
	mt types.MediaType
}

func (l retypedLayer) MediaType() (types.MediaType, error) { return l.mt, nil }

// withMediaType returns l under media type mt when l is a gzip layer of the
// other flavour (Docker or OCI); other layers are returned as they are.
func withMediaType(l v1.Layer, mt types.MediaType) (v1.Layer, error) {
	have, err := l.MediaType()
	if err != nil {
		return nil, err
	}
	if have == mt || (have != types.OCILayer && have != types.DockerLayer) {
		return l, nil
	}
	return retypedLayer{Layer: l, mt: mt}, nil
}
