package image

import (
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/daemon"
)

// Option configures LoadBase.
type Option func(*options)

type options struct {
	keychain     authn.Keychain
	transport    http.RoundTripper
	insecure     bool
	daemonClient daemon.Client
}

func makeOptions(opts []Option) options {
	o := options{keychain: authn.DefaultKeychain}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// WithKeychain sets where registry credentials come from. Default:
// authn.DefaultKeychain, which reads the Docker config file
// ($DOCKER_CONFIG/config.json) and runs its credential helpers.
func WithKeychain(k authn.Keychain) Option {
	return func(o *options) { o.keychain = k }
}

// WithTransport sets the HTTP transport for registry requests. Default:
// go-containerregistry's remote.DefaultTransport.
func WithTransport(t http.RoundTripper) Option {
	return func(o *options) { o.transport = t }
}

// WithInsecure allows plain HTTP (and unverified TLS) for every registry.
// Default false: only localhost and 127.0.0.1 registries may use plain HTTP.
func WithInsecure(insecure bool) Option {
	return func(o *options) { o.insecure = insecure }
}

// WithDaemonClient sets the Docker engine client for docker-daemon
// references. Default: a client configured from DOCKER_HOST and friends.
func WithDaemonClient(c daemon.Client) Option {
	return func(o *options) { o.daemonClient = c }
}
