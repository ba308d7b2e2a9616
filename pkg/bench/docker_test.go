package bench

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseInspect(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     ImageInfo
		err      string
	}{
		{"ok", `"sha256:abc" 146320476 ["sha256:1","sha256:2"]` + "\n", ImageInfo{ID: "sha256:abc", Size: 146320476, DiffIDs: []string{"sha256:1", "sha256:2"}}, ""},
		{"fields", `"sha256:abc" 1`, ImageInfo{}, `parsing docker image inspect output "\"sha256:abc\" 1": want 3 fields`},
		{"size", `"x" big []`, ImageInfo{}, `parsing the image size "big": strconv.ParseInt: parsing "big": invalid syntax`},
		{"layers", `"x" 1 nope`, ImageInfo{}, `parsing the layers "nope": invalid character 'o' in literal null (expecting 'u')`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseInspect([]byte(tc.in))
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Errorf("err = %v\nwant %s", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestCompressLayers(t *testing.T) {
	layerA := tarOf(t, [2]string{"a", strings.Repeat("a", 10000)})
	layerB := tarOf(t, [2]string{"b", "b"})
	id := func(b []byte) string { s := sha256.Sum256(b); return "sha256:" + hex.EncodeToString(s[:]) }
	save := tarOf(t,
		[2]string{"manifest.json", "[]"},
		[2]string{"1111/layer.tar", string(layerA)},
		[2]string{"2222/json", "{}"},
		[2]string{"2222/layer.tar", string(layerB)},
	)
	got, err := compressLayers(bytes.NewReader(save), []string{id(layerA)})
	if err != nil {
		t.Fatal(err)
	}
	want, err := gzipSize(bytes.NewReader(layerA))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int64{id(layerA): want}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if want <= 0 || want >= int64(len(layerA)) {
		t.Errorf("gzip size %d of a compressible %d-byte layer", want, len(layerA))
	}
	if _, err := compressLayers(strings.NewReader("not a tar"), nil); err == nil {
		t.Error("no error for a broken stream")
	}
}

func FuzzParseInspect(f *testing.F) {
	f.Add([]byte(`"sha256:abc" 146320476 ["sha256:1","sha256:2"]`))
	f.Add([]byte(`"" 0 null`))
	f.Add([]byte(`x y z`))
	f.Fuzz(func(t *testing.T, in []byte) {
		info, err := parseInspect(in)
		if err == nil && info.Size < 0 && !strings.Contains(string(in), "-") {
			t.Errorf("negative size %d from %q", info.Size, in)
		}
	})
}
