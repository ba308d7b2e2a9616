package image

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// Transport says where an image lives, in the vocabulary of
// containers-transports(5).
type Transport string

// The transports canto reads from and writes to.
const (
	// TransportRegistry is a registry reached over the distribution API:
	// "docker://REF" or a bare reference.
	TransportRegistry Transport = "docker"
	// TransportOCI is an OCI image layout directory: "oci:DIR[:REF]".
	TransportOCI Transport = "oci"
	// TransportOCIArchive is a tar of an OCI image layout: "oci-archive:FILE[:REF]".
	TransportOCIArchive Transport = "oci-archive"
	// TransportDockerArchive is a "docker save" tarball: "docker-archive:FILE[:REF]".
	TransportDockerArchive Transport = "docker-archive"
	// TransportDockerDaemon is the local Docker engine's image store: "docker-daemon:REF".
	TransportDockerDaemon Transport = "docker-daemon"
)

// Reference names an image together with the transport that reaches it.
type Reference struct {
	// Transport says how to reach the image.
	Transport Transport
	// Path is the directory or file of the oci, oci-archive and
	// docker-archive transports; empty otherwise.
	Path string
	// Name is the image reference: for docker and docker-daemon the registry
	// reference (always set); for oci and oci-archive the
	// org.opencontainers.image.ref.name value; for docker-archive the
	// repository tag inside the archive. Optional for the path transports.
	Name string
}

// String renders r in containers-transports(5) syntax; ParseReference of the
// result gives r back.
func (r Reference) String() string {
	switch r.Transport {
	case TransportRegistry:
		return "docker://" + r.Name
	case TransportDockerDaemon:
		return "docker-daemon:" + r.Name
	default:
		if r.Name == "" {
			return string(r.Transport) + ":" + r.Path
		}
		return string(r.Transport) + ":" + r.Path + ":" + r.Name
	}
}

// supportedHint lists the accepted syntaxes for error hints.
const supportedHint = "hint: use docker://REF (or a bare registry reference), oci:DIR[:TAG], oci-archive:FILE[:TAG], docker-archive:FILE[:REF] or docker-daemon:REF"

// unsupportedTransports are containers-transports(5) names canto knows but
// does not implement.
var unsupportedTransports = map[string]bool{
	"containers-storage": true,
	"dir":                true,
	"ostree":             true,
	"sif":                true,
	"tarball":            true,
}

// transportName matches what could be a transport prefix.
var transportName = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)

// ociRefName is the grammar of org.opencontainers.image.ref.name from the
// OCI image spec, annotations.md "Pre-Defined Annotation Keys":
//
//	ref       ::= component ("/" component)*
//	component ::= alphanum (separator alphanum)*
//	alphanum  ::= [A-Za-z0-9]+
//	separator ::= [-._:@+] | "--"
var ociRefName = regexp.MustCompile(`^[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*(?:/[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*)*$`)

// ParseReference parses an image reference in containers-transports(5)
// syntax. Supported forms:
//
//	docker://REF               a registry reference
//	REF                        the same, without the prefix (python:3.12, 127.0.0.1:5000/app:tag, name@sha256:...)
//	oci:DIR[:REF]              an OCI image layout directory
//	oci-archive:FILE[:REF]     a tar of an OCI image layout
//	docker-archive:FILE[:REF]  a "docker save" tarball
//	docker-daemon:REF          the local Docker engine
//
// As in containers-transports(5), the DIR or FILE of the path transports
// ends at the first ":"; everything after it is the reference, so a path
// cannot contain ":".
func ParseReference(s string) (Reference, error) {
	if s == "" {
		return Reference{}, errors.New("parsing image reference: empty reference\n" + supportedHint)
	}
	prefix, rest, hasColon := strings.Cut(s, ":")
	if hasColon {
		switch Transport(prefix) {
		case TransportRegistry:
			// "docker:TAG" is the image named docker; only "docker://" selects
			// the transport.
			if ref, ok := strings.CutPrefix(rest, "//"); ok {
				return parseRegistry(s, TransportRegistry, ref)
			}
		case TransportDockerDaemon:
			return parseRegistry(s, TransportDockerDaemon, rest)
		case TransportOCI, TransportOCIArchive, TransportDockerArchive:
			return parsePathTransport(s, Transport(prefix), rest)
		}
		if unsupportedTransports[prefix] {
			return Reference{}, fmt.Errorf("parsing image reference %q: transport %q is not supported\n%s", s, prefix, supportedHint)
		}
	}
	if hasColon && transportName.MatchString(prefix) && strings.HasPrefix(rest, "/") {
		// "foo:/path" is no registry reference (a port is digits, a tag
		// has no "/"); it reads as a transport canto does not know.
		return Reference{}, fmt.Errorf("parsing image reference %q: unknown transport %q\n%s", s, prefix, supportedHint)
	}
	return parseRegistry(s, TransportRegistry, s)
}

func parseRegistry(s string, t Transport, ref string) (Reference, error) {
	if ref == "" {
		return Reference{}, fmt.Errorf("parsing image reference %q: missing image name\n%s", s, supportedHint)
	}
	if _, err := name.ParseReference(ref, name.WeakValidation); err != nil {
		return Reference{}, fmt.Errorf("parsing image reference %q: %w\n%s", s, err, supportedHint)
	}
	return Reference{Transport: t, Name: ref}, nil
}

func parsePathTransport(s string, t Transport, rest string) (Reference, error) {
	p, ref, _ := strings.Cut(rest, ":")
	if p == "" {
		return Reference{}, fmt.Errorf("parsing image reference %q: missing path after %q\nhint: write %s:PATH[:REF]", s, string(t)+":", t)
	}
	r := Reference{Transport: t, Path: p, Name: ref}
	if ref == "" {
		return r, nil
	}
	switch t {
	case TransportDockerArchive:
		// containers-transports(5): the docker-reference "must not contain a digest".
		if _, err := name.NewTag(ref, name.WeakValidation); err != nil {
			return Reference{}, fmt.Errorf("parsing image reference %q: %q is not a tag reference: %w\nhint: docker-archive takes a tag such as app:latest, not a digest", s, ref, err)
		}
	default:
		if !ociRefName.MatchString(ref) {
			return Reference{}, fmt.Errorf("parsing image reference %q: %q is not a valid org.opencontainers.image.ref.name\nhint: use letters, digits and separators [-._:@+/], such as latest or app:1.0", s, ref)
		}
	}
	return r, nil
}
