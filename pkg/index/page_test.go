package index

import (
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var testPageURL = mustParse("https://files.example/simple/pkg/")

func mustParse(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

const (
	h1 = "0000000000000000000000000000000000000000000000000000000000000001"
	h2 = "00000000000000000000000000000000000000000000000000000000000000ab"
)

func TestParseJSON(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want *ProjectPage
	}{
		{
			name: "pep 691 and 700",
			in: `{"meta":{"api-version":"1.1"},"name":"pkg","versions":["1.0","2.0"],"files":[
				{"filename":"pkg-1.0.tar.gz","url":"https://cdn.example/p/pkg-1.0.tar.gz#sha256=ignored","hashes":{"SHA256":"` + strings.ToUpper(h1) + `"},"requires-python":">=3.8, <4","size":123,"upload-time":"2024-01-02T03:04:05.000000Z"},
				{"filename":"pkg-2.0-py3-none-any.whl","url":"../../packages/pkg-2.0-py3-none-any.whl","hashes":{},"yanked":"broken build","core-metadata":{"sha256":"` + h2 + `"}},
				{"filename":"pkg-2.0.tar.gz","url":"pkg-2.0.tar.gz","hashes":{"sha256":"` + h1 + `"},"yanked":true,"dist-info-metadata":true},
				{"filename":"pkg-3.0.tar.gz","url":"/abs/pkg-3.0.tar.gz","hashes":{"md5":"abc"},"yanked":false,"core-metadata":false,"dist-info-metadata":true}
			]}`,
			want: &ProjectPage{
				Name: "pkg", URL: "https://files.example/simple/pkg/", APIVersion: "1.1", Versions: []string{"1.0", "2.0"},
				Files: []File{
					{Filename: "pkg-1.0.tar.gz", URL: "https://cdn.example/p/pkg-1.0.tar.gz", Hashes: map[string]string{"sha256": h1}, RequiresPython: ">=3.8, <4", Size: 123, UploadTime: "2024-01-02T03:04:05.000000Z"},
					{Filename: "pkg-2.0-py3-none-any.whl", URL: "https://files.example/packages/pkg-2.0-py3-none-any.whl", Hashes: map[string]string{}, Yanked: true, YankedReason: "broken build", CoreMetadata: true, CoreMetadataHashes: map[string]string{"sha256": h2}, Size: -1},
					{Filename: "pkg-2.0.tar.gz", URL: "https://files.example/simple/pkg/pkg-2.0.tar.gz", Hashes: map[string]string{"sha256": h1}, Yanked: true, CoreMetadata: true, Size: -1},
					{Filename: "pkg-3.0.tar.gz", URL: "https://files.example/abs/pkg-3.0.tar.gz", Hashes: map[string]string{"md5": "abc"}, Size: -1},
				},
			},
		},
		{
			name: "no meta, no files",
			in:   `{"name":"pkg","files":[]}`,
			want: &ProjectPage{Name: "pkg", URL: "https://files.example/simple/pkg/", Files: []File{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseJSON([]byte(tt.in), testPageURL)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseJSON (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseJSONErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"not json", `<html>`, "parsing JSON project page: invalid character '<' looking for beginning of value"},
		{"major 2", `{"meta":{"api-version":"2.0"},"files":[]}`, `unsupported repository API version "2.0": canto speaks version 1`},
		{"bad version", `{"meta":{"api-version":"x"},"files":[]}`, `unsupported repository API version "x": canto speaks version 1`},
		{"no filename", `{"files":[{"url":"a.whl","hashes":{}}]}`, `parsing file 0 (""): missing "filename"`},
		{"no url", `{"files":[{"filename":"a.whl","hashes":{}}]}`, `parsing file 0 ("a.whl"): missing "url"`},
		{"url is a directory", `{"files":[{"filename":"a.whl","url":"dir/","hashes":{}}]}`, `parsing file 0 ("a.whl"): file URL has no file name`},
		{"bad url", `{"files":[{"filename":"a.whl","url":"http://[::1","hashes":{}}]}`, `parsing file 0 ("a.whl"): parsing file URL: parse "http://[::1": missing ']' in host`},
		{"yanked number", `{"files":[{"filename":"a.whl","url":"a.whl","hashes":{},"yanked":1}]}`, `parsing file 0 ("a.whl"): "yanked" is 1, want a boolean or a string`},
		{"metadata string", `{"files":[{"filename":"a.whl","url":"a.whl","hashes":{},"core-metadata":"yes"}]}`, `parsing file 0 ("a.whl"): "core-metadata" is "yes", want a boolean or a dictionary of hashes`},
		{"negative size", `{"files":[{"filename":"a.whl","url":"a.whl","hashes":{},"size":-5}]}`, `parsing file 0 ("a.whl"): negative size -5`},
		{"hashes wrong type", `{"files":[{"filename":"a.whl","url":"a.whl","hashes":[]}]}`, `parsing JSON project page: json: cannot unmarshal array into Go struct field jsonFile.files.hashes of type map[string]string`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseJSON([]byte(tt.in), testPageURL)
			if err == nil || err.Error() != tt.want {
				t.Errorf("ParseJSON error = %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestParseHTML(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want *ProjectPage
	}{
		{
			name: "pep 503, 592, 629, 658, 714",
			in: `<!DOCTYPE html>
<html><head><meta name="pypi:repository-version" content="1.1"><title>Links for pkg</title></head>
<body><h1>Links for pkg</h1>
<a href="https://cdn.example/p/pkg-1.0.tar.gz#sha256=` + strings.ToUpper(h1) + `" data-requires-python="&gt;=3.8, &lt;4">pkg-1.0.tar.gz</a><br/>
<A HREF='../../packages/pkg-2.0-py3-none-any.whl#md5=abc' data-yanked="broken &amp; bad" data-core-metadata="sha256=` + h2 + `" data-dist-info-metadata="true">pkg-2.0-py3-none-any.whl</A>
<a href=pkg-2.0.tar.gz data-yanked data-dist-info-metadata=true>pkg-2.0.tar.gz</a>
<!-- <a href="commented-out-1.0.tar.gz">x</a> -->
<script>document.write('<a href="scripted-1.0.tar.gz">x</a>')</script>
<a name="anchor-without-href">nothing</a>
<a href="pkg%2B3.0.tar.gz" data-core-metadata="false" href="second-ignored.tar.gz">pkg+3.0.tar.gz</a>
</body></html>`,
			want: &ProjectPage{
				URL: "https://files.example/simple/pkg/", APIVersion: "1.1",
				Files: []File{
					{Filename: "pkg-1.0.tar.gz", URL: "https://cdn.example/p/pkg-1.0.tar.gz", Hashes: map[string]string{"sha256": h1}, RequiresPython: ">=3.8, <4", Size: -1},
					{Filename: "pkg-2.0-py3-none-any.whl", URL: "https://files.example/packages/pkg-2.0-py3-none-any.whl", Hashes: map[string]string{"md5": "abc"}, Yanked: true, YankedReason: "broken & bad", CoreMetadata: true, CoreMetadataHashes: map[string]string{"sha256": h2}, Size: -1},
					{Filename: "pkg-2.0.tar.gz", URL: "https://files.example/simple/pkg/pkg-2.0.tar.gz", Hashes: map[string]string{}, Yanked: true, CoreMetadata: true, Size: -1},
					{Filename: "pkg+3.0.tar.gz", URL: "https://files.example/simple/pkg/pkg%2B3.0.tar.gz", Hashes: map[string]string{}, Size: -1},
				},
			},
		},
		{
			name: "base href",
			in:   `<html><head><base href="https://mirror.example/files/"></head><a href="a-1.0.tar.gz">a</a><base href="https://ignored.example/"><a href="/root/b-1.0.tar.gz">b</a>`,
			want: &ProjectPage{
				URL: "https://files.example/simple/pkg/",
				Files: []File{
					{Filename: "a-1.0.tar.gz", URL: "https://mirror.example/files/a-1.0.tar.gz", Hashes: map[string]string{}, Size: -1},
					{Filename: "b-1.0.tar.gz", URL: "https://mirror.example/root/b-1.0.tar.gz", Hashes: map[string]string{}, Size: -1},
				},
			},
		},
		{
			name: "empty page",
			in:   `<html><body></body></html>`,
			want: &ProjectPage{URL: "https://files.example/simple/pkg/", Files: []File{}},
		},
		{
			name: "truncated tag",
			in:   `<a href="x-1.0.tar.gz" data-yanked="oops`,
			want: &ProjectPage{URL: "https://files.example/simple/pkg/", Files: []File{
				{Filename: "x-1.0.tar.gz", URL: "https://files.example/simple/pkg/x-1.0.tar.gz", Hashes: map[string]string{}, Yanked: true, YankedReason: "oops", Size: -1},
			}},
		},
		{
			name: "fragment without a hash",
			in:   `<a href="x-1.0.tar.gz#egg=x">x</a><a href="y-1.0.tar.gz#sha256=">y</a>`,
			want: &ProjectPage{URL: "https://files.example/simple/pkg/", Files: []File{
				{Filename: "x-1.0.tar.gz", URL: "https://files.example/simple/pkg/x-1.0.tar.gz", Hashes: map[string]string{"egg": "x"}, Size: -1},
				{Filename: "y-1.0.tar.gz", URL: "https://files.example/simple/pkg/y-1.0.tar.gz", Hashes: map[string]string{}, Size: -1},
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseHTML([]byte(tt.in), testPageURL)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseHTML (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseHTMLErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"major 2", `<meta name="pypi:repository-version" content="2.0"><a href="a.whl">a</a>`, `unsupported repository API version "2.0": canto speaks version 1`},
		{"directory href", `<a href="a.whl">a</a><a href="sub/">sub</a>`, `parsing anchor 1: href "sub/": file URL has no file name`},
		{"bad href", `<a href="http://[::1">x</a>`, `parsing anchor 0: href "http://[::1": parsing file URL: parse "http://[::1": missing ']' in host`},
		{"bad base", `<base href="http://[::1"><a href="a.whl">a</a>`, `parsing <base href="http://[::1">: parse "http://[::1": missing ']' in host`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseHTML([]byte(tt.in), testPageURL)
			if err == nil || err.Error() != tt.want {
				t.Errorf("ParseHTML error = %v\nwant %s", err, tt.want)
			}
		})
	}
}

// checkPage holds for any page a parser accepts.
func checkPage(t *testing.T, p *ProjectPage) {
	t.Helper()
	for i, f := range p.Files {
		if f.Filename == "" {
			t.Errorf("file %d has no name", i)
		}
		u, err := url.Parse(f.URL)
		if err != nil {
			t.Errorf("file %d URL %q does not parse: %v", i, f.URL, err)
			continue
		}
		if u.Fragment != "" {
			t.Errorf("file %d URL %q keeps its fragment", i, f.URL)
		}
		if f.Hashes == nil {
			t.Errorf("file %d has nil Hashes", i)
		}
		if f.YankedReason != "" && !f.Yanked {
			t.Errorf("file %d has a yank reason but is not yanked", i)
		}
	}
}

func FuzzParseHTML(f *testing.F) {
	f.Add([]byte(`<a href="pkg-1.0.tar.gz#sha256=` + h1 + `" data-requires-python="&gt;=3">pkg-1.0.tar.gz</a>`))
	f.Add([]byte(`<!--x--><script><a href=x></script><A HREF=y.whl data-yanked data-core-metadata="sha256=ab">`))
	f.Add([]byte(`<base href="//other/x/"><meta name="pypi:repository-version" content="1.0"><a href='z.tar.gz'`))
	f.Add([]byte(`<a href="İ"><a =x href=<>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseHTML(data, testPageURL)
		if err != nil {
			return
		}
		checkPage(t, p)
	})
}

func FuzzParseJSON(f *testing.F) {
	f.Add([]byte(`{"meta":{"api-version":"1.0"},"name":"x","files":[{"filename":"x-1.whl","url":"x-1.whl","hashes":{"sha256":"ab"},"yanked":"r","core-metadata":{"sha256":"cd"}}]}`))
	f.Add([]byte(`{"files":[{"filename":"a","url":"//h/a","hashes":{},"yanked":true,"dist-info-metadata":true,"size":1}],"versions":["1"]}`))
	f.Add([]byte(`{"files":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseJSON(data, testPageURL)
		if err != nil {
			return
		}
		checkPage(t, p)
	})
}
