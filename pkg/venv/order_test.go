package venv

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestComparePaths(t *testing.T) {
	got := []string{"/a/b-c", "/a/b/c", "/a", "/a/b", "/a-b", "/a/b.d/e", "/B"}
	slices.SortFunc(got, comparePaths)
	want := []string{"/B", "/a", "/a/b", "/a/b/c", "/a/b-c", "/a/b.d/e", "/a-b"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
}
