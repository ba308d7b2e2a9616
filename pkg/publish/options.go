package publish

import (
	"fmt"
	"net/http"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/daemon"
)

// Phase names the kind of work a Progress event reports.
type Phase string

// The phases of Write.
const (
	// PhaseUpload is the upload of blobs and the manifest to a registry.
	PhaseUpload Phase = "upload"
	// PhaseWrite is the writing of a file output (layout, archive) or the
	// stream sent to the Docker daemon.
	PhaseWrite Phase = "write"
)

// Progress reports how many of the bytes to send have been sent.
type Progress struct {
	Phase Phase
	// Done and Total count bytes; Total may grow while a registry push
	// discovers which blobs it must upload.
	Done, Total int64
}

// DefaultArchiveTag is the tag written into a docker-archive that names
// none, so that "docker load" tags the image.
const DefaultArchiveTag = "canto-image:latest"

// Defaults of the options.
const (
	DefaultJobs    = 4
	DefaultRetries = 3
)

// Option configures Write and Check.
type Option func(*options)

type options struct {
	progress     func(Progress)
	keychain     authn.Keychain
	transport    http.RoundTripper
	insecure     bool
	jobs         int
	retries      int
	retryDelay   time.Duration
	daemonClient daemon.Client
}

func makeOptions(opts []Option) (options, error) {
	o := options{
		keychain:   authn.DefaultKeychain,
		jobs:       DefaultJobs,
		retries:    DefaultRetries,
		retryDelay: time.Second,
	}
	for _, opt := range opts {
		opt(&o)
	}
	if o.jobs < 1 {
		return o, fmt.Errorf("publishing: jobs must be at least 1, got %d", o.jobs)
	}
	if o.retries < 0 {
		return o, fmt.Errorf("publishing: retries must not be negative, got %d", o.retries)
	}
	return o, nil
}

// WithProgress calls f with progress events, from one goroutine at a time.
// Default: no events.
func WithProgress(f func(Progress)) Option {
	return func(o *options) { o.progress = f }
}

// WithKeychain sets where registry credentials come from. Default:
// authn.DefaultKeychain (the Docker config file and its credential helpers).
func WithKeychain(k authn.Keychain) Option {
	return func(o *options) { o.keychain = k }
}

// WithTransport sets the HTTP transport for registry requests. Default:
// go-containerregistry's remote.DefaultTransport.
func WithTransport(t http.RoundTripper) Option {
	return func(o *options) { o.transport = t }
}

// WithInsecure allows plain HTTP for every registry. Default false: only
// localhost and 127.0.0.1 may use plain HTTP.
func WithInsecure(insecure bool) Option {
	return func(o *options) { o.insecure = insecure }
}

// WithJobs sets how many blobs are uploaded at once. Default DefaultJobs.
func WithJobs(n int) Option {
	return func(o *options) { o.jobs = n }
}

// WithRetries sets how many times a registry request that failed for a
// temporary reason (5xx, 429, a reset connection) is tried again, waiting
// delay, then 3×delay, and so on. Default DefaultRetries and one second.
func WithRetries(n int, delay time.Duration) Option {
	return func(o *options) { o.retries, o.retryDelay = n, delay }
}

// WithDaemonClient sets the Docker engine client for docker-daemon
// destinations. Default: a client configured from DOCKER_HOST and friends.
func WithDaemonClient(c daemon.Client) Option {
	return func(o *options) { o.daemonClient = c }
}
