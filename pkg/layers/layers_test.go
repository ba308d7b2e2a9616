package layers

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func item(name string, size int64) Item {
	return Item{Name: name, Version: "1.0", SHA256: fmt.Sprintf("%064x", len(name)*7+int(size)), Size: size}
}

func names(ls []Layer) map[string][]string {
	out := map[string][]string{}
	for _, l := range ls {
		for _, it := range l.Items {
			out[l.Name] = append(out[l.Name], it.Name)
		}
	}
	return out
}

func TestAssign(t *testing.T) {
	p := Policy{Budget: 5, Alone: 100, MaxAlone: 2, Buckets: 4}
	items := []Item{item("numpy", 500), item("pandas", 400), item("scipy", 300), item("six", 10), item("idna", 20), item("click", 5)}
	got, err := p.Assign(items)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"numpy": {"numpy"}, "pandas": {"pandas"}}
	for _, n := range []string{"click", "idna", "scipy", "six"} {
		b := fmt.Sprintf("bucket-%02d", Bucket(n, 4))
		want[b] = append(want[b], n)
	}
	if diff := cmp.Diff(want, names(got)); diff != "" {
		t.Errorf("layers (-want +got):\n%s", diff)
	}
	// Big layers come first, in name order.
	if got[0].Name != "numpy" || got[1].Name != "pandas" {
		t.Errorf("order: %v, %v", got[0].Name, got[1].Name)
	}
}

func TestAssignErrors(t *testing.T) {
	for _, tc := range []struct {
		p     Policy
		items []Item
		want  string
	}{
		{Policy{Alone: 1, Buckets: 0}, nil, "layer policy {Budget:0 Alone:1 MaxAlone:0 Buckets:0}: buckets and the alone size must be positive"},
		{Default, []Item{item("a", 1), item("a", 2)}, `package "a" is listed twice`},
		{Default, []Item{{Name: "a"}}, `layer item "a" "": name and sha256 are required`},
	} {
		_, err := tc.p.Assign(tc.items)
		if err == nil || err.Error() != tc.want {
			t.Errorf("error = %v, want %q", err, tc.want)
		}
	}
}

// TestOneChangeTouchesAtMostTwoLayers adds, removes and upgrades random
// packages of random sets and counts the layer keys that change.
func TestOneChangeTouchesAtMostTwoLayers(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for trial := 0; trial < 300; trial++ {
		var items []Item
		n := 5 + r.IntN(300)
		size := func() int64 {
			if r.IntN(10) == 0 {
				return 4<<20 + r.Int64N(100<<20)
			}
			return r.Int64N(4 << 20)
		}
		for i := 0; i < n; i++ {
			items = append(items, item(fmt.Sprintf("pkg%d", i), size()))
		}
		before, err := Default.Assign(items)
		if err != nil {
			t.Fatal(err)
		}
		changed := append([]Item(nil), items...)
		switch trial % 3 {
		case 0: // add
			changed = append(changed, item(fmt.Sprintf("new%d", trial), size()))
		case 1: // remove
			i := r.IntN(len(changed))
			changed = append(changed[:i], changed[i+1:]...)
		case 2: // upgrade, possibly across the size threshold
			i := r.IntN(len(changed))
			changed[i].Version = "2.0"
			changed[i].SHA256 = fmt.Sprintf("%064x", trial+1<<40)
			changed[i].Size = size()
		}
		if (len(items) <= Default.Budget) != (len(changed) <= Default.Budget) {
			continue // crossing the budget regroups, as documented
		}
		after, err := Default.Assign(changed)
		if err != nil {
			t.Fatal(err)
		}
		keys := map[string]bool{}
		for _, l := range before {
			keys[l.Key("salt")] = true
		}
		newKeys := 0
		for _, l := range after {
			if !keys[l.Key("salt")] {
				newKeys++
			}
		}
		if newKeys > 2 {
			t.Fatalf("trial %d: one change made %d new layers", trial, newKeys)
		}
		if len(after) > Default.MaxAlone+Default.Buckets {
			t.Fatalf("trial %d: %d layers", trial, len(after))
		}
	}
}

func TestUnderBudgetOneLayerEach(t *testing.T) {
	items := []Item{item("b", 1), item("a", 1<<30), item("c", 5)}
	got, err := Default.Assign(items)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{"a": {"a"}, "b": {"b"}, "c": {"c"}}
	if diff := cmp.Diff(want, names(got)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got[0].Name != "a" || got[2].Name != "c" {
		t.Errorf("not in name order: %v", got)
	}
}

func TestKey(t *testing.T) {
	l := Layer{Name: "bucket-01", Items: []Item{item("a", 1)}}
	k := l.Key("x")
	if k != l.Key("x") || k == l.Key("y") {
		t.Error("key is not a function of content and salt")
	}
	l2 := Layer{Name: "bucket-01", Items: []Item{{Name: "a", Version: "1.1", SHA256: l.Items[0].SHA256}}}
	if l2.Key("x") == k {
		t.Error("key ignores the version")
	}
}

func BenchmarkAssign(b *testing.B) {
	var items []Item
	for i := 0; i < 500; i++ {
		items = append(items, item(fmt.Sprintf("pkg%d", i), int64(i*20000)))
	}
	for b.Loop() {
		if _, err := Default.Assign(items); err != nil {
			b.Fatal(err)
		}
	}
}
