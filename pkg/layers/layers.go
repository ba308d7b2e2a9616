package layers

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
)

// Item is one package to place in a layer.
type Item struct {
	// Name is the PEP 503 normalised name; Version is as locked.
	Name, Version string
	// SHA256 is the hex digest of the file installed (a wheel).
	SHA256 string
	// Size is that file's size in bytes, a proxy for the layer's size.
	Size int64
}

// Layer is one dependency layer of the plan.
type Layer struct {
	// Name says what the layer holds: "numpy" for a package alone,
	// "bucket-03" for a group of small packages.
	Name string
	// Items are sorted by name.
	Items []Item
}

// Key returns a digest of the layer's content identity: its items' names,
// versions and file digests, plus salt (the venv layout, owners, mtime and
// canto's installer version, as the caller says). Equal keys mean
// byte-identical layers.
func (l Layer) Key(salt string) string {
	h := sha256.New()
	fmt.Fprintf(h, "canto-layer\x00%s\x00%s\x00", salt, l.Name)
	for _, it := range l.Items {
		fmt.Fprintf(h, "%s\x00%s\x00%s\x00", it.Name, it.Version, it.SHA256)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Policy decides the layers. The zero value is not useful; use Default.
type Policy struct {
	// Budget is how many dependency layers a project may have with one
	// package per layer. A project with at most Budget packages gets one
	// layer per package, so adding a package pushes only that package.
	Budget int
	// Alone is the size from which a package gets a layer of its own.
	Alone int64
	// MaxAlone caps how many packages get a layer of their own; past it the
	// smallest of them join the buckets. It keeps the layer count bounded.
	MaxAlone int
	// Buckets is how many layers the small packages are spread over. A
	// package's bucket depends on its name only, so adding, removing or
	// upgrading it changes only that bucket.
	Buckets int
}

// Default is canto's policy: one layer per package up to 64 packages; past
// that, packages of 4 MiB or more alone (at most 64 of them) and the rest in
// 8 buckets. With the base's layers, a venv layer and a project layer, an
// image stays far below the 127-layer limit.
var Default = Policy{Budget: 64, Alone: 4 << 20, MaxAlone: 64, Buckets: 8}

// Assign places items in layers. Up to Budget items, each has a layer of its
// own, in name order. Past it, big packages are alone, in name order, then
// come the non-empty buckets in bucket order. Either way, adding, removing or
// upgrading one package changes at most two layers: the one it leaves and
// the one it joins (the same layer unless it crosses the Alone size). Two
// transitions regroup more: the one that takes a project across the Budget,
// and, past the budget, one that takes it across MaxAlone big packages
// (which package is demoted to a bucket then depends on the others).
func (p Policy) Assign(items []Item) ([]Layer, error) {
	if p.Buckets < 1 || p.Alone < 1 || p.MaxAlone < 0 || p.Budget < 0 {
		return nil, fmt.Errorf("layer policy %+v: buckets and the alone size must be positive", p)
	}
	seen := map[string]bool{}
	var big, small []Item
	for _, it := range items {
		if it.Name == "" || it.SHA256 == "" {
			return nil, fmt.Errorf("layer item %q %q: name and sha256 are required", it.Name, it.Version)
		}
		if seen[it.Name] {
			return nil, fmt.Errorf("package %q is listed twice", it.Name)
		}
		seen[it.Name] = true
		if it.Size >= p.Alone {
			big = append(big, it)
		} else {
			small = append(small, it)
		}
	}
	if len(items) <= p.Budget {
		all := append(big, small...)
		sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
		out := make([]Layer, 0, len(all))
		for _, it := range all {
			out = append(out, Layer{Name: it.Name, Items: []Item{it}})
		}
		return out, nil
	}
	if len(big) > p.MaxAlone {
		// Keep the largest alone; ties broken by name so the choice is stable.
		sort.Slice(big, func(i, j int) bool {
			if big[i].Size != big[j].Size {
				return big[i].Size > big[j].Size
			}
			return big[i].Name < big[j].Name
		})
		small = append(small, big[p.MaxAlone:]...)
		big = big[:p.MaxAlone]
	}
	sort.Slice(big, func(i, j int) bool { return big[i].Name < big[j].Name })
	var out []Layer
	for _, it := range big {
		out = append(out, Layer{Name: it.Name, Items: []Item{it}})
	}
	buckets := make([][]Item, p.Buckets)
	for _, it := range small {
		b := Bucket(it.Name, p.Buckets)
		buckets[b] = append(buckets[b], it)
	}
	for i, b := range buckets {
		if len(b) == 0 {
			continue
		}
		sort.Slice(b, func(x, y int) bool { return b[x].Name < b[y].Name })
		out = append(out, Layer{Name: fmt.Sprintf("bucket-%02d", i), Items: b})
	}
	return out, nil
}

// Bucket returns the bucket of a package name: a hash of the name, so that
// it never depends on the version or on the other packages.
func Bucket(name string, buckets int) int {
	sum := sha256.Sum256([]byte(strings.ToLower(name)))
	return int(binary.BigEndian.Uint32(sum[:4]) % uint32(buckets))
}
