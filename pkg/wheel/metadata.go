package wheel

import (
	"fmt"
	"strings"
)

// header is one "Key: value" field of an email-header style file.
type header struct{ key, value string }

// parseHeaders reads the header block of a METADATA or WHEEL file: RFC 822
// style "Key: value" lines, continuation lines starting with a space or tab
// folded into the previous value (joined with "\n"), ending at the first
// blank line (the body, e.g. a long description, is ignored).
//
// https://packaging.python.org/en/latest/specifications/core-metadata/
func parseHeaders(data []byte) ([]header, error) {
	var hs []header
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if strings.TrimSpace(line) == "" {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			if len(hs) == 0 {
				return nil, fmt.Errorf("line %d: continuation line before any header", i+1)
			}
			hs[len(hs)-1].value += "\n" + strings.TrimSpace(line)
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(k) == "" || strings.ContainsAny(k, " \t") {
			return nil, fmt.Errorf("line %d: %q is not a \"Key: value\" header", i+1, line)
		}
		hs = append(hs, header{key: strings.ToLower(k), value: strings.TrimSpace(v)})
	}
	return hs, nil
}

// Metadata holds the fields of a METADATA file canto uses.
type Metadata struct {
	MetadataVersion string
	Name            string
	Version         string
	RequiresPython  string
	// RequiresDist are the PEP 508 requirement strings, in file order.
	RequiresDist  []string
	ProvidesExtra []string
}

// ParseMetadata parses a core metadata file (METADATA). Name and Version are
// required and must appear once; Name must be a valid project name.
//
// https://packaging.python.org/en/latest/specifications/core-metadata/
func ParseMetadata(data []byte) (Metadata, error) {
	hs, err := parseHeaders(data)
	if err != nil {
		return Metadata{}, fmt.Errorf("parsing METADATA: %w", err)
	}
	var m Metadata
	single := map[string]*string{
		"metadata-version": &m.MetadataVersion,
		"name":             &m.Name,
		"version":          &m.Version,
		"requires-python":  &m.RequiresPython,
	}
	seen := map[string]bool{}
	for _, h := range hs {
		if p, ok := single[h.key]; ok {
			if seen[h.key] {
				return Metadata{}, fmt.Errorf("parsing METADATA: field %q appears twice", h.key)
			}
			seen[h.key] = true
			*p = h.value
			continue
		}
		switch h.key {
		case "requires-dist":
			m.RequiresDist = append(m.RequiresDist, h.value)
		case "provides-extra":
			m.ProvidesExtra = append(m.ProvidesExtra, h.value)
		}
	}
	if m.Name == "" {
		return Metadata{}, fmt.Errorf("parsing METADATA: no Name field")
	}
	if !projectNameRE.MatchString(m.Name) {
		return Metadata{}, fmt.Errorf("parsing METADATA: Name %q is not a valid project name", m.Name)
	}
	if m.Version == "" {
		return Metadata{}, fmt.Errorf("parsing METADATA: no Version field")
	}
	return m, nil
}

// WheelInfo holds the fields of a .dist-info/WHEEL file.
type WheelInfo struct {
	// WheelVersion is the Wheel-Version field, always "1.<minor>".
	WheelVersion string
	Generator    string
	// RootIsPurelib says whether the archive root installs into purelib
	// (true) or platlib (false).
	RootIsPurelib bool
	// Tags are the Tag fields ("py3-none-any"), in file order.
	Tags []string
	// Build is the optional build number.
	Build string
}

// ParseWheelInfo parses a WHEEL file. Wheel-Version is required and its major
// version must be 1 (the specification says to abort on a greater major
// version; a greater minor version is accepted). Root-Is-Purelib must be
// "true" or "false" (case-insensitive) when present; a missing field means
// false, as pypa/installer reads it.
//
// https://packaging.python.org/en/latest/specifications/binary-distribution-format/#the-dist-info-directory
func ParseWheelInfo(data []byte) (WheelInfo, error) {
	hs, err := parseHeaders(data)
	if err != nil {
		return WheelInfo{}, fmt.Errorf("parsing WHEEL: %w", err)
	}
	var w WheelInfo
	for _, h := range hs {
		switch h.key {
		case "wheel-version":
			w.WheelVersion = h.value
		case "generator":
			w.Generator = h.value
		case "root-is-purelib":
			switch strings.ToLower(h.value) {
			case "true":
				w.RootIsPurelib = true
			case "false":
			default:
				return WheelInfo{}, fmt.Errorf("parsing WHEEL: Root-Is-Purelib is %q, want true or false", h.value)
			}
		case "tag":
			w.Tags = append(w.Tags, h.value)
		case "build":
			w.Build = h.value
		}
	}
	if w.WheelVersion == "" {
		return WheelInfo{}, fmt.Errorf("parsing WHEEL: no Wheel-Version field")
	}
	major, minor, ok := strings.Cut(w.WheelVersion, ".")
	if !ok || major != "1" || minor == "" || strings.Trim(minor, "0123456789") != "" {
		return WheelInfo{}, fmt.Errorf("parsing WHEEL: Wheel-Version %q is not supported (want 1.x)\nhint: the wheel was built by a newer format than canto understands", w.WheelVersion)
	}
	return w, nil
}
