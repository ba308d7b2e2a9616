package build

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/canto-build/canto/pkg/cache"
	"github.com/canto-build/canto/pkg/wheel"
)

// TestWheelLimitsReachTheInstaller: the limits given with WithWheelLimits
// are the ones every wheel is opened with.
func TestWheelLimitsReachTheInstaller(t *testing.T) {
	base := debianBase(t)
	p, l := project(t, "click==8.1.7")
	req := Request{Project: p, Lock: l, Base: base, Platform: "linux/amd64", Groups: []string{"main"}}
	tests := []struct {
		name      string
		limits    []wheel.Option
		wantLimit string // "" means the build succeeds
	}{
		{name: "defaults"},
		{name: "member count", limits: []wheel.Option{wheel.WithMaxMembers(2)}, wantLimit: "member count"},
		{name: "total size", limits: []wheel.Option{wheel.WithMaxTotalSize(10)}, wantLimit: "total uncompressed size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := cache.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			b, err := New(WithCache(c), WithResolver(&fakeResolver{dir: t.TempDir()}), WithWheelLimits(tt.limits...))
			if err != nil {
				t.Fatal(err)
			}
			_, err = b.Build(context.Background(), req)
			var le *wheel.LimitError
			switch {
			case tt.wantLimit == "" && err != nil:
				t.Fatalf("build: %v", err)
			case tt.wantLimit == "":
			case !errors.As(err, &le):
				t.Fatalf("error %v, want a *wheel.LimitError", err)
			case le.Limit != tt.wantLimit:
				t.Errorf("limit %q, want %q", le.Limit, tt.wantLimit)
			}
		})
	}
}

// TestDamagedLayerCacheIsRebuilt: a cached layer blob damaged on disk is
// noticed by the next process, dropped and rebuilt, and the image is the
// same.
func TestDamagedLayerCacheIsRebuilt(t *testing.T) {
	base := debianBase(t)
	p, l := project(t, "click==8.1.7", "flask==3.0.0")
	req := Request{Project: p, Lock: l, Base: base, Platform: "linux/amd64", Groups: []string{"main"}}
	dir := t.TempDir()
	b1, _ := newBuilder(t, dir)
	first, err := b1.Build(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	victim := first.Layers[0]
	blob := filepath.Join(dir, "sha256", victim.Digest.Hex[:2], victim.Digest.Hex)
	data, err := os.ReadFile(blob)
	if err != nil {
		t.Fatal(err)
	}
	data[len(data)/2] ^= 0xff
	if err := os.Chmod(blob, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(blob, data, 0o644); err != nil {
		t.Fatal(err)
	}

	b2, _ := newBuilder(t, dir) // a new process: nothing verified yet
	second, err := b2.Build(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if second.Digest != first.Digest {
		t.Errorf("digest %s after the repair, want %s", second.Digest, first.Digest)
	}
	for _, li := range second.Layers {
		if li.Name == victim.Name && li.Cached {
			t.Errorf("layer %s came from the damaged cache", li.Name)
		}
	}
	got, err := os.ReadFile(blob)
	if err != nil {
		t.Fatalf("the rebuilt layer is not back in the cache: %v", err)
	}
	if string(got) == string(data) {
		t.Error("the damaged blob is still in the cache")
	}
}
