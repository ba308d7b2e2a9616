package sdist_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/canto-build/canto/pkg/cache"
	"github.com/canto-build/canto/pkg/sdist"
)

func TestKey(t *testing.T) {
	sum := strings.Repeat("ab", 32)
	want := "sdist-wheel:v1:" + sum + ":sha256:" + strings.Repeat("0", 64) + ":cp311-linux_x86_64"
	for _, in := range []string{sum, "sha256:" + sum, strings.ToUpper(sum)} {
		if got := sdist.Key(in, "sha256:"+strings.Repeat("0", 64), "cp311-linux_x86_64"); got != want {
			t.Errorf("Key(%q) = %q, want %q", in, got, want)
		}
	}
	if sdist.Key(sum, "b", "t1") == sdist.Key(sum, "b", "t2") || sdist.Key(sum, "b1", "t") == sdist.Key(sum, "b2", "t") {
		t.Error("Key ignores the builder or the target")
	}
}

// TestKeyIsBuildsKey builds an sdist and finds the result under Key.
func TestKeyIsBuildsKey(t *testing.T) {
	c := openCache(t)
	p := pureSdist(t, t.TempDir())
	req := hostRequest(t, p, c)
	req.MarkerEnv = hostEnv
	res, err := sdist.Build(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	got, ok, err := sdist.Cached(c, sdist.Key(sha256File(t, p), req.BuilderDigest, req.Target))
	if err != nil || !ok {
		t.Fatalf("Cached = %v, %v; want the build's result", ok, err)
	}
	if got.SHA256 != res.SHA256 || got.WheelFilename != res.WheelFilename || !got.FromCache || got.LogPath != res.LogPath {
		t.Errorf("Cached = %+v, want %+v from the cache", got, res)
	}
	if _, ok, err := sdist.Cached(c, sdist.Key(sha256File(t, p), req.BuilderDigest, "cp312-linux_x86_64")); ok || err != nil {
		t.Errorf("Cached for another target = %v, %v; want a miss", ok, err)
	}
}

// recordHash is a RECORD hash (PEP 376 with PEP 427's urlsafe base64).
func recordHash(data string) string {
	sum := sha256.Sum256([]byte(data))
	return "sha256=" + base64.RawURLEncoding.EncodeToString(sum[:])
}

// memWheel makes a wheel of demo 1.0 in memory; tamper changes a file
// after its RECORD line was written.
func memWheel(t *testing.T, tamper bool) []byte {
	t.Helper()
	members := []struct{ name, body string }{
		{"demo/__init__.py", "x = 1\n"},
		{"demo-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"},
		{"demo-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"},
	}
	var record strings.Builder
	for _, m := range members {
		fmt.Fprintf(&record, "%s,%s,%d\n", m.name, recordHash(m.body), len(m.body))
	}
	record.WriteString("demo-1.0.dist-info/RECORD,,\n")
	if tamper {
		members[0].body = "x = 2\n"
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range append(members, struct{ name, body string }{"demo-1.0.dist-info/RECORD", record.String()}) {
		w, err := zw.Create(m.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(m.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestAdopt(t *testing.T) {
	ctx := context.Background()
	const name = "demo-1.0-py3-none-any.whl"
	key := sdist.Key(strings.Repeat("cd", 32), "sha256:builder", "cp311-linux_x86_64")
	add := func(c *cache.Cache, data []byte) string {
		sum, _, err := c.Add(ctx, bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		return sum
	}

	t.Run("good wheel", func(t *testing.T) {
		c := openCache(t)
		sum := add(c, memWheel(t, false))
		res, err := sdist.Adopt(ctx, c, key, name, sum)
		if err != nil {
			t.Fatal(err)
		}
		if res.WheelFilename != name || res.SHA256 != sum || !res.FromCache || res.LogPath != "" {
			t.Errorf("Adopt = %+v", res)
		}
		got, ok, err := sdist.Cached(c, key)
		if err != nil || !ok {
			t.Fatalf("Cached after Adopt = %v, %v", ok, err)
		}
		if *got != *res {
			t.Errorf("Cached = %+v, want %+v", got, res)
		}
	})
	for _, tc := range []struct {
		name string
		data []byte // nil: not in the cache
		want string
	}{
		{"tampered wheel", memWheel(t, true), `adopting "demo-1.0-py3-none-any.whl": verifying wheel "demo-1.0-py3-none-any.whl": member "demo/__init__.py": hash mismatch: RECORD says ` + recordHash("x = 1\n") + `, content has ` + recordHash("x = 2\n") + "\nhint: the wheel is corrupt or was altered; download it again"},
		{"not a zip", []byte("not a wheel"), `adopting "demo-1.0-py3-none-any.whl": opening wheel "demo-1.0-py3-none-any.whl": reading zip directory: zip: not a valid zip file`},
		{"absent", nil, `adopting "demo-1.0-py3-none-any.whl": the cache has no blob ` + strings.Repeat("ef", 32)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := openCache(t)
			sum := strings.Repeat("ef", 32)
			if tc.data != nil {
				sum = add(c, tc.data)
			}
			_, err := sdist.Adopt(ctx, c, key, name, sum)
			if err == nil || err.Error() != tc.want {
				t.Fatalf("Adopt error = %q, want %q", err, tc.want)
			}
			if _, ok, err := sdist.Cached(c, key); ok || err != nil {
				t.Errorf("Cached after a refused Adopt = %v, %v; want a miss", ok, err)
			}
		})
	}
}
