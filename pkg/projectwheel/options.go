package projectwheel

import (
	"errors"
	"io"
	"log/slog"
	"runtime/debug"
	"time"
)

// minZipTime is the earliest time a zip (MS-DOS) timestamp can hold.
var minZipTime = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)

type options struct {
	modTime   time.Time
	logger    *slog.Logger
	w         io.Writer
	generator string
}

// Option configures Build.
type Option func(*options)

// WithModTime sets the timestamp of every member of the wheel. The default
// is 1980-01-01T00:00:00Z, the earliest a zip can hold; earlier times are
// raised to it. Callers honouring SOURCE_DATE_EPOCH pass that time here.
// The time is stored in UTC.
func WithModTime(t time.Time) Option { return func(o *options) { o.modTime = t } }

// WithLogger sets the logger for debug messages about skipped and packed
// files. The default discards everything.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithWriter streams the wheel to w instead of returning it in
// Result.Bytes. The default collects the wheel in memory.
func WithWriter(w io.Writer) Option { return func(o *options) { o.w = w } }

// WithGeneratorVersion sets the version written after "canto" in the WHEEL
// file's Generator field. The default is the canto module's version from
// the binary's build information, or "(devel)".
func WithGeneratorVersion(v string) Option { return func(o *options) { o.generator = v } }

func defaultOptions() options {
	o := options{
		modTime:   minZipTime,
		logger:    slog.New(slog.DiscardHandler),
		generator: "(devel)",
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		o.generator = bi.Main.Version
	}
	return o
}

func (o *options) validate() error {
	if o.logger == nil {
		return errors.New("WithLogger: nil logger")
	}
	if o.generator == "" {
		return errors.New("WithGeneratorVersion: empty version")
	}
	o.modTime = o.modTime.UTC()
	if o.modTime.Before(minZipTime) {
		o.modTime = minZipTime
	}
	return nil
}
