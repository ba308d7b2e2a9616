package build

import (
	"bytes"
	"context"
	"encoding/json"
	"os"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/canto-build/canto/pkg/cache"
	"github.com/canto-build/canto/pkg/image"
)

// inspectVersion changes when image.Inspect learns to find more, so that
// older cached answers are not reused.
const inspectVersion = "inspect-1"

// Inspect is image.Inspect with its answer cached by image digest: reading a
// base's layers (hundreds of megabytes for a builder) happens once per image.
func Inspect(ctx context.Context, c *cache.Cache, img v1.Image) (*image.BaseInfo, error) {
	d, err := img.Digest()
	if err != nil {
		return nil, err
	}
	key := inspectVersion + "/" + d.String()
	if c != nil {
		if p, _, ok, err := c.GetKey(key); err == nil && ok {
			if raw, err := os.ReadFile(p); err == nil {
				var info image.BaseInfo
				if json.Unmarshal(raw, &info) == nil {
					return &info, nil
				}
			}
		}
	}
	info, err := image.Inspect(ctx, img)
	if err != nil {
		return nil, err
	}
	if c != nil {
		if raw, err := json.Marshal(info); err == nil {
			_, _, _ = c.PutKey(ctx, key, bytes.NewReader(raw))
		}
	}
	return info, nil
}
