package wheel

import "fmt"

// Default limits applied by [Open]; each has an option to change it.
const (
	// DefaultMaxTotalSize bounds the sum of the uncompressed sizes of all
	// members (4 GiB).
	DefaultMaxTotalSize int64 = 4 << 30
	// DefaultMaxMembers bounds the number of members, directories included.
	DefaultMaxMembers = 100_000
	// DefaultMaxCompressionRatio bounds uncompressed/compressed size of any
	// member larger than DefaultCompressionRatioMinSize.
	DefaultMaxCompressionRatio int64 = 200
	// DefaultCompressionRatioMinSize is the uncompressed size (1 MiB) above
	// which the compression ratio limit applies; small members may compress
	// arbitrarily well.
	DefaultCompressionRatioMinSize int64 = 1 << 20
	// DefaultMaxMetadataSize bounds each .dist-info file read into memory
	// (WHEEL, METADATA, RECORD, entry_points.txt): 64 MiB.
	DefaultMaxMetadataSize int64 = 64 << 20
)

type options struct {
	maxTotalSize    int64
	maxMembers      int
	maxRatio        int64
	ratioMinSize    int64
	maxMetadataSize int64
}

func defaultOptions() options {
	return options{
		maxTotalSize:    DefaultMaxTotalSize,
		maxMembers:      DefaultMaxMembers,
		maxRatio:        DefaultMaxCompressionRatio,
		ratioMinSize:    DefaultCompressionRatioMinSize,
		maxMetadataSize: DefaultMaxMetadataSize,
	}
}

// Option changes a limit of [Open].
type Option func(*options)

// WithMaxTotalSize sets the largest total uncompressed size, in bytes, of a
// wheel's members (default [DefaultMaxTotalSize]). It is checked against the
// sizes the archive declares and again against the bytes actually read.
func WithMaxTotalSize(n int64) Option { return func(o *options) { o.maxTotalSize = n } }

// WithMaxMembers sets the largest number of members, directories included
// (default [DefaultMaxMembers]). It is checked once archive/zip has read the
// central directory, whose size archive/zip bounds by the file's size.
func WithMaxMembers(n int) Option { return func(o *options) { o.maxMembers = n } }

// WithMaxCompressionRatio sets the largest ratio of uncompressed to
// compressed size allowed for a member whose uncompressed size exceeds
// minSize bytes (defaults [DefaultMaxCompressionRatio] and
// [DefaultCompressionRatioMinSize]). It is checked against the declared
// sizes and again against the bytes actually read.
func WithMaxCompressionRatio(ratio, minSize int64) Option {
	return func(o *options) { o.maxRatio, o.ratioMinSize = ratio, minSize }
}

// WithMaxMetadataSize sets the largest size of each .dist-info file that is
// read into memory (default [DefaultMaxMetadataSize]).
func WithMaxMetadataSize(n int64) Option { return func(o *options) { o.maxMetadataSize = n } }

func (o options) validate() error {
	switch {
	case o.maxTotalSize <= 0:
		return fmt.Errorf("max total size %d is not positive", o.maxTotalSize)
	case o.maxMembers <= 0:
		return fmt.Errorf("max member count %d is not positive", o.maxMembers)
	case o.maxRatio <= 0:
		return fmt.Errorf("max compression ratio %d is not positive", o.maxRatio)
	case o.ratioMinSize < 0:
		return fmt.Errorf("compression ratio minimum size %d is negative", o.ratioMinSize)
	case o.maxMetadataSize <= 0:
		return fmt.Errorf("max metadata size %d is not positive", o.maxMetadataSize)
	}
	return nil
}

// LimitError reports a wheel that exceeds one of [Open]'s resource limits.
// It usually means a damaged or hostile archive (a zip bomb); a trusted
// wheel that is simply large can be read by raising the limit with the
// option named in Option.
type LimitError struct {
	// Member is the archive member that crossed the limit, or "" for a
	// limit on the whole archive (member count).
	Member string
	// Limit names the limit: "total uncompressed size", "member count",
	// "compression ratio" or "metadata file size".
	Limit string
	// Max is the limit's value (bytes, members, or the ratio N of N:1).
	Max int64
	// Option is the name of the option that changes the limit.
	Option string
}

func (e *LimitError) Error() string {
	what := fmt.Sprintf("%s exceeds the limit of %d", e.Limit, e.Max)
	switch e.Limit {
	case limitTotalSize, limitMetadataSize:
		what += " bytes"
	case limitMembers:
		what += " members"
	case limitRatio:
		what = fmt.Sprintf("%s exceeds the limit of %d:1", e.Limit, e.Max)
	}
	if e.Member != "" {
		what = fmt.Sprintf("member %q: %s", e.Member, what)
	}
	return what + "\nhint: this may be a zip bomb; if the wheel is trusted, raise the limit with wheel." + e.Option
}

const (
	limitTotalSize    = "total uncompressed size"
	limitMembers      = "member count"
	limitRatio        = "compression ratio"
	limitMetadataSize = "metadata file size"
)

func (o options) totalSizeError(member string) *LimitError {
	return &LimitError{Member: member, Limit: limitTotalSize, Max: o.maxTotalSize, Option: "WithMaxTotalSize"}
}

func (o options) ratioError(member string) *LimitError {
	return &LimitError{Member: member, Limit: limitRatio, Max: o.maxRatio, Option: "WithMaxCompressionRatio"}
}

// IntegrityError reports a member whose content does not match RECORD.
type IntegrityError struct {
	Member string
	// Field is "hash" or "size".
	Field string
	// Want is what RECORD says; Got is what the archive holds.
	Want, Got string
}

func (e *IntegrityError) Error() string {
	return fmt.Sprintf("member %q: %s mismatch: RECORD says %s, content has %s\nhint: the wheel is corrupt or was altered; download it again",
		e.Member, e.Field, e.Want, e.Got)
}
