package target

import (
	"fmt"
	"strings"

	"github.com/canto-build/canto/pkg/tags"
)

// Choice is the wheel BestWheel picked.
type Choice struct {
	Filename string
	Wheel    tags.WheelFilename
	// Tag is the wheel's best tag for the target and Rank its position in
	// SupportedTags (0 is the most preferred).
	Tag  tags.Tag
	Rank int
}

// IncompatibleError is returned by BestWheel when no wheel fits the target.
// It names the closest wheel and why it does not fit.
type IncompatibleError struct {
	Target Target
	// Wheels is how many wheel filenames were considered; files that are not
	// wheels (sdists) are not counted.
	Wheels int
	// Closest is the filename of the nearest miss ("" when Wheels is 0), and
	// Mismatches say why it does not fit.
	Closest    string
	Mismatches []Mismatch
}

func (e *IncompatibleError) Error() string {
	if e.Wheels == 0 {
		return fmt.Sprintf("no wheel fits %s: the files include no wheels\nhint: the package must be built from its source distribution", e.Target)
	}
	return fmt.Sprintf("no wheel fits %s (%d considered); closest is %s: %s\nhint: choose a target one of the published wheels supports, or build the package from its source distribution",
		e.Target, e.Wheels, e.Closest, joinReasons(e.Mismatches))
}

// BestWheel picks, among the files of one release (as a lock file lists
// them), the wheel pip would install on t. Files not named *.whl are
// skipped; versions are not compared, so pass the files of a single release.
//
// The best wheel has the lowest Rank over its tags; ties go to the higher
// build tag (tags.CompareBuildTags), as in pip, and then to the
// lexicographically smaller filename, so the result does not depend on the
// order of filenames.
//
// When no wheel fits, the error is an *IncompatibleError naming the closest
// wheel. Closest means: for each wheel, its tag with the fewest and least
// severe mismatches, scored by summing weights that grow with MismatchKind
// (libc too old 1, Python version or ABI 2, libc family 3, implementation 4,
// architecture 5, operating system 8, invalid filename 100); the lowest
// score wins, then the smallest version distance (Mismatch.Distance), then
// the smaller filename.
func (t Target) BestWheel(filenames []string) (Choice, error) {
	var best *Choice
	var closest struct {
		name string
		v    verdict
	}
	wheels := 0
	for _, f := range filenames {
		if !strings.HasSuffix(f, ".whl") {
			continue
		}
		wheels++
		w, err := tags.ParseWheelFilename(f)
		var v verdict
		if err != nil {
			ms := []Mismatch{{Kind: InvalidFilename, Reason: err.Error()}}
			v = verdict{mismatches: ms, closeness: closenessOf(ms)}
		} else {
			v = t.evaluate(w)
		}
		if v.fits {
			c := Choice{Filename: f, Wheel: w, Tag: v.tag, Rank: v.rank}
			if best == nil || better(c, *best) {
				best = &c
			}
			continue
		}
		if closest.name == "" || v.closeness.less(closest.v.closeness) ||
			v.closeness == closest.v.closeness && f < closest.name {
			closest.name, closest.v = f, v
		}
	}
	if best != nil {
		return *best, nil
	}
	return Choice{}, &IncompatibleError{Target: t, Wheels: wheels, Closest: closest.name, Mismatches: closest.v.mismatches}
}

// better reports whether a is preferred to b.
func better(a, b Choice) bool {
	if a.Rank != b.Rank {
		return a.Rank < b.Rank
	}
	if c := tags.CompareBuildTags(a.Wheel.Build, b.Wheel.Build); c != 0 {
		return c > 0
	}
	return a.Filename < b.Filename
}
