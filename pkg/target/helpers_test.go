package target

import (
	"fmt"

	"github.com/canto-build/canto/pkg/tags"
)

// parseOne parses a tag that must not be a compressed set.
func parseOne(s string) (tags.Tag, error) {
	ts, err := tags.ParseTag(s)
	if err != nil {
		return tags.Tag{}, err
	}
	if len(ts) != 1 {
		return tags.Tag{}, fmt.Errorf("%q is a set of %d tags", s, len(ts))
	}
	return ts[0], nil
}
