package index

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strconv"
	"strings"
)

// ProjectPage is one project's page on a Simple Repository API index.
type ProjectPage struct {
	// Name is the project's name as the index gives it (PEP 691 "name"); for
	// HTML pages, which carry no name, Client.Project fills in the normalized
	// name it asked for.
	Name string
	// URL is the page's final URL after redirects, without credentials.
	// Relative file URLs were resolved against it.
	URL string
	// APIVersion is the PEP 629 repository version ("1.0", "1.1"), or "" when
	// the page does not say.
	APIVersion string
	// Files lists the distribution files in page order.
	Files []File
	// Versions lists the project's versions when the index says (PEP 700,
	// JSON pages only).
	Versions []string
}

// File is one distribution file listed on a project page.
type File struct {
	// Filename is the file's name: the last path segment of its URL.
	Filename string
	// URL is the absolute URL to download the file from, without a fragment.
	URL string
	// Hashes maps lower-case hash names (as in Python's hashlib, e.g.
	// "sha256") to lower-case hex digests.
	Hashes map[string]string
	// RequiresPython is the file's Requires-Python specifier, unescaped, or "".
	RequiresPython string
	// Yanked marks a file yanked per PEP 592; YankedReason is the reason the
	// index gives, possibly empty.
	Yanked       bool
	YankedReason string
	// CoreMetadata reports that the file's METADATA is served on its own at
	// URL + ".metadata" (PEP 658, PEP 714); CoreMetadataHashes holds its
	// hashes when the index gives them.
	CoreMetadata       bool
	CoreMetadataHashes map[string]string
	// Size is the file's size in bytes (PEP 700), or -1 when unknown.
	Size int64
	// UploadTime is the ISO 8601 upload time (PEP 700), or "".
	UploadTime string
}

// checkAPIVersion applies PEP 629: a client must refuse a page whose major
// version it does not know, and may go on with a newer minor version.
// https://peps.python.org/pep-0629/#specification
func checkAPIVersion(v string) error {
	if v == "" {
		return nil
	}
	major, _, _ := strings.Cut(v, ".")
	if n, err := strconv.Atoi(major); err != nil || n != 1 {
		return fmt.Errorf("unsupported repository API version %q: canto speaks version 1", v)
	}
	return nil
}

// parseHashFragment reads a PEP 503 URL fragment "<hashname>=<hashvalue>".
// https://peps.python.org/pep-0503/#specification
func parseHashFragment(frag string) (name, value string, ok bool) {
	name, value, ok = strings.Cut(frag, "=")
	if !ok || name == "" || value == "" || strings.ContainsAny(value, "&=") {
		return "", "", false
	}
	return strings.ToLower(name), strings.ToLower(value), true
}

// resolveFile turns a file reference from a page into its absolute URL
// without fragment, its filename and any PEP 503 hash carried in the
// fragment.
func resolveFile(base *url.URL, ref string) (u *url.URL, filename string, err error) {
	r, err := url.Parse(strings.TrimSpace(ref))
	if err != nil {
		return nil, "", fmt.Errorf("parsing file URL: %w", err)
	}
	u = base.ResolveReference(r)
	filename = path.Base(u.Path)
	if filename == "." || filename == "/" || u.Path == "" || strings.HasSuffix(u.Path, "/") {
		return nil, "", errors.New("file URL has no file name")
	}
	return u, filename, nil
}

func withoutFragment(u *url.URL) string {
	c := *u
	c.Fragment, c.RawFragment = "", ""
	return c.String()
}

// jsonPage is the PEP 691 JSON project page ("Project Detail"), with the
// PEP 700 additions.
// https://peps.python.org/pep-0691/#project-detail
type jsonPage struct {
	Meta struct {
		APIVersion string `json:"api-version"`
	} `json:"meta"`
	Name     string     `json:"name"`
	Files    []jsonFile `json:"files"`
	Versions []string   `json:"versions"`
}

type jsonFile struct {
	Filename         string            `json:"filename"`
	URL              string            `json:"url"`
	Hashes           map[string]string `json:"hashes"`
	RequiresPython   *string           `json:"requires-python"`
	Yanked           json.RawMessage   `json:"yanked"`
	CoreMetadata     json.RawMessage   `json:"core-metadata"`
	DistInfoMetadata json.RawMessage   `json:"dist-info-metadata"`
	Size             *int64            `json:"size"`
	UploadTime       string            `json:"upload-time"`
}

// ParseJSON parses a PEP 691 JSON project page served at pageURL, which
// must be absolute; relative file URLs are resolved against it.
// https://peps.python.org/pep-0691/#json-serialization
func ParseJSON(data []byte, pageURL *url.URL) (*ProjectPage, error) {
	var jp jsonPage
	if err := json.Unmarshal(data, &jp); err != nil {
		return nil, fmt.Errorf("parsing JSON project page: %w", err)
	}
	if err := checkAPIVersion(jp.Meta.APIVersion); err != nil {
		return nil, err
	}
	page := &ProjectPage{
		Name:       jp.Name,
		URL:        pageURL.String(),
		APIVersion: jp.Meta.APIVersion,
		Versions:   jp.Versions,
		Files:      make([]File, 0, len(jp.Files)),
	}
	for i, jf := range jp.Files {
		f, err := jf.file(pageURL)
		if err != nil {
			return nil, fmt.Errorf("parsing file %d (%q): %w", i, jf.Filename, err)
		}
		page.Files = append(page.Files, f)
	}
	return page, nil
}

func (jf jsonFile) file(base *url.URL) (File, error) {
	if jf.Filename == "" {
		return File{}, errors.New(`missing "filename"`)
	}
	if jf.URL == "" {
		return File{}, errors.New(`missing "url"`)
	}
	u, _, err := resolveFile(base, jf.URL)
	if err != nil {
		return File{}, err
	}
	f := File{
		Filename:   jf.Filename,
		URL:        withoutFragment(u),
		Hashes:     lowerHashes(jf.Hashes),
		Size:       -1,
		UploadTime: jf.UploadTime,
	}
	if jf.RequiresPython != nil {
		f.RequiresPython = *jf.RequiresPython
	}
	if jf.Size != nil {
		if *jf.Size < 0 {
			return File{}, fmt.Errorf("negative size %d", *jf.Size)
		}
		f.Size = *jf.Size
	}
	// "yanked": false, true, or a non-empty string giving the reason (PEP 691).
	if len(jf.Yanked) > 0 && string(jf.Yanked) != "null" {
		var b bool
		var s string
		switch {
		case json.Unmarshal(jf.Yanked, &b) == nil:
			f.Yanked = b
		case json.Unmarshal(jf.Yanked, &s) == nil:
			f.Yanked, f.YankedReason = true, s
		default:
			return File{}, fmt.Errorf(`"yanked" is %s, want a boolean or a string`, jf.Yanked)
		}
	}
	// PEP 714: prefer "core-metadata", fall back to "dist-info-metadata".
	// Either is false, true, or a dictionary of hashes (PEP 658).
	meta := jf.CoreMetadata
	if len(meta) == 0 || string(meta) == "null" {
		meta = jf.DistInfoMetadata
	}
	if len(meta) > 0 && string(meta) != "null" {
		var b bool
		var h map[string]string
		switch {
		case json.Unmarshal(meta, &b) == nil:
			f.CoreMetadata = b
		case json.Unmarshal(meta, &h) == nil:
			f.CoreMetadata, f.CoreMetadataHashes = true, lowerHashes(h)
		default:
			return File{}, fmt.Errorf(`"core-metadata" is %s, want a boolean or a dictionary of hashes`, meta)
		}
	}
	return f, nil
}

func lowerHashes(h map[string]string) map[string]string {
	out := make(map[string]string, len(h))
	for k, v := range h {
		out[strings.ToLower(k)] = strings.ToLower(v)
	}
	return out
}
