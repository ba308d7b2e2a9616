package tags

import (
	"errors"
	"fmt"
	"strings"
)

// Tag is one PEP 425 compatibility tag triple. The fields are lower case
// when the Tag comes from ParseTag, as in pypa/packaging.
type Tag struct {
	Interpreter string // e.g. "cp311", "py3"
	ABI         string // e.g. "cp311", "abi3", "none"
	Platform    string // e.g. "manylinux_2_17_x86_64", "any"
}

// String returns the tag as "interpreter-abi-platform".
func (t Tag) String() string {
	return t.Interpreter + "-" + t.ABI + "-" + t.Platform
}

// ErrInvalidTag is wrapped by every error ParseTag returns.
var ErrInvalidTag = errors.New("invalid compatibility tag")

// ParseTag parses a tag and expands a compressed tag set
// ("py2.py3-none-any" is py2-none-any and py3-none-any), per
// "Compressed Tag Sets" in the platform compatibility tags specification
// (PEP 425). The expansion is ordered interpreter, then ABI, then platform,
// each in the order written, with duplicates dropped; all parts are folded to
// lower case as pypa/packaging does.
//
// Unlike packaging.tags.parse_tag, an empty part or an empty element of a
// compressed set ("py3--any", "py2..py3-none-any") is an error, and so is any
// character outside [A-Za-z0-9_.].
func ParseTag(s string) ([]Tag, error) {
	parts := strings.Split(s, "-")
	if len(parts) != 3 {
		return nil, fmt.Errorf("parsing tag %q: want interpreter-abi-platform, got %d part(s): %w", s, len(parts), ErrInvalidTag)
	}
	var sets [3][]string
	for i, p := range parts {
		if p == "" {
			return nil, fmt.Errorf("parsing tag %q: empty %s: %w", s, tagPartNames[i], ErrInvalidTag)
		}
		for _, r := range p {
			if !isTagRune(r) {
				return nil, fmt.Errorf("parsing tag %q: character %q not allowed in %s: %w", s, r, tagPartNames[i], ErrInvalidTag)
			}
		}
		for _, e := range strings.Split(strings.ToLower(p), ".") {
			if e == "" {
				return nil, fmt.Errorf("parsing tag %q: empty element in %s %q: %w", s, tagPartNames[i], p, ErrInvalidTag)
			}
			sets[i] = append(sets[i], e)
		}
	}
	out := make([]Tag, 0, len(sets[0])*len(sets[1])*len(sets[2]))
	seen := make(map[Tag]bool, cap(out))
	for _, in := range sets[0] {
		for _, abi := range sets[1] {
			for _, plat := range sets[2] {
				t := Tag{Interpreter: in, ABI: abi, Platform: plat}
				if !seen[t] {
					seen[t] = true
					out = append(out, t)
				}
			}
		}
	}
	return out, nil
}

var tagPartNames = [3]string{"interpreter tag", "abi tag", "platform tag"}

func isTagRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.'
}
