package wheelrepo

import (
	"log/slog"
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
)

// DefaultMaxWheelSize is the largest wheel Pull downloads unless told
// otherwise (WithMaxWheelSize): 1 GiB.
const DefaultMaxWheelSize int64 = 1 << 30

// maxConfigSize bounds the artifact's config blob, a few hundred bytes of
// JSON in practice.
const maxConfigSize = 64 << 10

// Option configures Push and Pull.
type Option func(*options)

type options struct {
	keychain  authn.Keychain
	transport http.RoundTripper
	insecure  bool
	log       *slog.Logger
	build     BuildInfo
	version   string
	maxWheel  int64
	userAgent string
}

func makeOptions(opts []Option) options {
	o := options{
		keychain:  authn.DefaultKeychain,
		log:       slog.New(slog.DiscardHandler),
		maxWheel:  DefaultMaxWheelSize,
		userAgent: "canto",
	}
	for _, opt := range opts {
		opt(&o)
	}
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	if o.keychain == nil {
		o.keychain = authn.DefaultKeychain
	}
	return o
}

// BuildInfo records where a wheel came from in the artifact's config. It is
// informational: Pull checks the key, which already covers all three.
type BuildInfo struct {
	SdistSHA256   string
	BuilderDigest string
	Target        string
}

// WithKeychain sets where registry credentials come from. Default:
// authn.DefaultKeychain (the Docker config file and its credential helpers).
func WithKeychain(k authn.Keychain) Option { return func(o *options) { o.keychain = k } }

// WithTransport sets the HTTP transport. Default: go-containerregistry's
// remote.DefaultTransport.
func WithTransport(t http.RoundTripper) Option { return func(o *options) { o.transport = t } }

// WithInsecure allows plain HTTP to the repository's registry. Default
// false: only localhost, 127.0.0.0/8 and private addresses fall back to
// plain HTTP (go-containerregistry's rule).
func WithInsecure(insecure bool) Option { return func(o *options) { o.insecure = insecure } }

// WithLogger sets where Push and Pull report what they do and the entries
// they ignore. Default: discard.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithBuildInfo records the sdist, builder and target in pushed artifacts.
// Default: empty.
func WithBuildInfo(b BuildInfo) Option { return func(o *options) { o.build = b } }

// WithCantoVersion records the version of canto that pushed an artifact.
// Default: empty.
func WithCantoVersion(v string) Option { return func(o *options) { o.version = v } }

// WithMaxWheelSize sets the largest wheel Pull accepts. Default
// DefaultMaxWheelSize.
func WithMaxWheelSize(n int64) Option { return func(o *options) { o.maxWheel = n } }
