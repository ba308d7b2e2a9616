package index

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPoetryEnvVars(t *testing.T) {
	// Poetry: "POETRY_" + "_".join(k.upper().replace("-", "_") for k in
	// "http-basic.<name>.username".split(".")).
	tests := []struct{ source, user, pass string }{
		{"private", "POETRY_HTTP_BASIC_PRIVATE_USERNAME", "POETRY_HTTP_BASIC_PRIVATE_PASSWORD"},
		{"my-repo", "POETRY_HTTP_BASIC_MY_REPO_USERNAME", "POETRY_HTTP_BASIC_MY_REPO_PASSWORD"},
		{"Corp.EU-mirror", "POETRY_HTTP_BASIC_CORP_EU_MIRROR_USERNAME", "POETRY_HTTP_BASIC_CORP_EU_MIRROR_PASSWORD"},
		{"under_score", "POETRY_HTTP_BASIC_UNDER_SCORE_USERNAME", "POETRY_HTTP_BASIC_UNDER_SCORE_PASSWORD"},
		// Other characters are only upper-cased, as in Poetry.
		{"a+b", "POETRY_HTTP_BASIC_A+B_USERNAME", "POETRY_HTTP_BASIC_A+B_PASSWORD"},
	}
	for _, tt := range tests {
		t.Run(tt.source, func(t *testing.T) {
			u, p := PoetryEnvVars(tt.source)
			if u != tt.user || p != tt.pass {
				t.Errorf("PoetryEnvVars(%q) = %q, %q; want %q, %q", tt.source, u, p, tt.user, tt.pass)
			}
		})
	}
}

type creds struct {
	User, Pass string
	OK         bool
}

func ask(c Credentials, raw string) creds {
	u, p, ok := c.For(mustParse(raw))
	return creds{u, p, ok}
}

func TestPoetryEnv(t *testing.T) {
	env := map[string]string{
		"POETRY_HTTP_BASIC_MY_REPO_USERNAME": "alice",
		"POETRY_HTTP_BASIC_MY_REPO_PASSWORD": "s3cret",
		"POETRY_HTTP_BASIC_TOKEN_PASSWORD":   "tok",
	}
	getenv := func(k string) string { return env[k] }
	c := PoetryEnv("my-repo", "https://Pkgs.Example.com/simple/", getenv)
	tests := []struct {
		url  string
		want creds
	}{
		{"https://pkgs.example.com/simple/x/", creds{"alice", "s3cret", true}},
		{"https://pkgs.example.com:443/files/x.whl", creds{"alice", "s3cret", true}},
		{"https://PKGS.example.com/other", creds{"alice", "s3cret", true}},
		{"https://pkgs.example.com:8443/simple/", creds{}},
		{"http://pkgs.example.com/simple/", creds{}},
		{"https://evil.example.com/simple/", creds{}},
		{"https://cdn.pkgs.example.com/x.whl", creds{}},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, ask(c, tt.url)); diff != "" {
				t.Errorf("For (-want +got):\n%s", diff)
			}
		})
	}
	if got := ask(PoetryEnv("token", "https://t.example/simple", getenv), "https://t.example/x"); got != (creds{"", "tok", true}) {
		t.Errorf("password-only source = %+v", got)
	}
	if got := ask(PoetryEnv("unset", "https://t.example/simple", getenv), "https://t.example/x"); got.OK {
		t.Errorf("unset source = %+v", got)
	}
}

func TestURLCredentials(t *testing.T) {
	c := URLCredentials("https://bob:p%40ss@idx.example/simple/")
	if got := ask(c, "https://idx.example/packages/a.whl"); got != (creds{"bob", "p@ss", true}) {
		t.Errorf("same origin = %+v", got)
	}
	if got := ask(c, "https://other.example/a.whl"); got.OK {
		t.Errorf("other origin = %+v", got)
	}
	if got := ask(URLCredentials("https://idx.example/simple/"), "https://idx.example/"); got.OK {
		t.Errorf("no userinfo = %+v", got)
	}
}

func TestChain(t *testing.T) {
	a := URLCredentials("https://a:1@a.example/")
	b := URLCredentials("https://b:2@b.example/")
	shadow := URLCredentials("https://z:9@a.example/")
	c := Chain(nil, a, b, shadow)
	if got := ask(c, "https://a.example/x"); got != (creds{"a", "1", true}) {
		t.Errorf("a = %+v", got)
	}
	if got := ask(c, "https://b.example/x"); got != (creds{"b", "2", true}) {
		t.Errorf("b = %+v", got)
	}
	if got := ask(c, "https://c.example/x"); got.OK {
		t.Errorf("c = %+v", got)
	}
}

func TestParseNetrc(t *testing.T) {
	in := `# personal credentials
machine idx.example.com login alice password "pa ss\"word"
machine Other.Example
  login bob
  password hunter2 # trailing comment
macdef init
cd /pub
machine macro.example login ignored

machine acct.example account carol password x
machine idx.example.com login alice2 password newer
default login anon password guest
`
	n, err := ParseNetrc([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		url  string
		want creds
	}{
		{"https://idx.example.com/simple/", creds{"alice2", "newer", true}},
		{"http://other.example:8080/x", creds{"bob", "hunter2", true}},
		{"https://acct.example/", creds{"carol", "x", true}},
		{"https://macro.example/", creds{"anon", "guest", true}},
		{"https://anything.example/", creds{"anon", "guest", true}},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, ask(n, tt.url)); diff != "" {
				t.Errorf("For (-want +got):\n%s", diff)
			}
		})
	}

	q, err := ParseNetrc([]byte(`machine q.example login "a b" password "pa ss\"word"`))
	if err != nil {
		t.Fatal(err)
	}
	if got := ask(q, "https://q.example/"); got != (creds{"a b", `pa ss"word`, true}) {
		t.Errorf("quoted = %+v", got)
	}
	if got := ask(q, "https://r.example/"); got.OK {
		t.Errorf("no default = %+v", got)
	}
}

func TestParseNetrcErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"login outside entry", "login x", `line 1: "login" outside a machine entry`},
		{"machine without name", "\n\nmachine", `line 3: "machine" without a name`},
		{"password without value", "machine a password", `line 1: "password" without a value`},
		{"unterminated quote", "machine a\npassword \"abc", `line 2: unterminated quoted token`},
		// An unquoted password with a space must not be echoed back.
		{"unknown token", "machine a login b password top secret", "line 1: unexpected token (want machine, default, login, account, password or macdef)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseNetrc([]byte(tt.in))
			if err == nil || err.Error() != tt.want {
				t.Errorf("ParseNetrc error = %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestNetrcFile(t *testing.T) {
	dir := t.TempDir()
	n, err := Netrc(filepath.Join(dir, "missing"))
	if err != nil {
		t.Fatal(err)
	}
	if got := ask(n, "https://x.example/"); got.OK {
		t.Errorf("missing file gives %+v", got)
	}
	p := filepath.Join(dir, "netrc")
	if err := os.WriteFile(p, []byte("machine x.example login u password hunter2 extra"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Netrc(p)
	want := `parsing netrc "` + p + `": line 1: unexpected token (want machine, default, login, account, password or macdef)` + "\nhint: fix the file or point NETRC elsewhere"
	if err == nil || err.Error() != want {
		t.Errorf("Netrc error = %v\nwant %s", err, want)
	}
	if err := os.WriteFile(p, []byte("machine x.example login u password hunter2"), 0o600); err != nil {
		t.Fatal(err)
	}
	n, err = Netrc(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := ask(n, "https://x.example/"); got != (creds{"u", "hunter2", true}) {
		t.Errorf("Netrc = %+v", got)
	}
}

func TestDefaultNetrcPath(t *testing.T) {
	env := map[string]string{"HOME": "/home/u"}
	getenv := func(k string) string { return env[k] }
	if got := DefaultNetrcPath(getenv); got != "/home/u/.netrc" {
		t.Errorf("DefaultNetrcPath = %q", got)
	}
	env["NETRC"] = "/etc/canto-netrc"
	if got := DefaultNetrcPath(getenv); got != "/etc/canto-netrc" {
		t.Errorf("DefaultNetrcPath with NETRC = %q", got)
	}
}

var netrcErrorRE = regexp.MustCompile(`^line \d+: (unterminated quoted token|unexpected token \(want machine, default, login, account, password or macdef\)|"(machine|login|user|account|password)" (without a name|without a value|outside a machine entry))$`)

func FuzzParseNetrc(f *testing.F) {
	f.Add([]byte("machine a login b password c\ndefault login d password e\n"))
	f.Add([]byte("macdef x\nline\n\nmachine \"q q\" account \\\"z"))
	f.Add([]byte("# c\nmachine a\n\tlogin \"\\"))
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := ParseNetrc(data)
		if err != nil {
			// Errors name keywords and line numbers only, never input
			// that could be a secret.
			if !netrcErrorRE.MatchString(err.Error()) {
				t.Errorf("unexpected error text %q", err)
			}
			return
		}
		_, _, _ = n.For(mustParse("https://a/"))
	})
}

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://pypi.org/simple/", "https://pypi.org/simple/"},
		{"https://user:pass@host.example/simple/", "https://***@host.example/simple/"},
		{"https://token@host.example/simple/?a=b", "https://***@host.example/simple/?a=b"},
		{"https://user:p%40ss@host.example:8443/x", "https://***@host.example:8443/x"},
		{"https://us er:pa ss@host/%zz", "https://***@host/%zz"},
		{"not a url with @ sign\x7f", "<redacted URL>"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := Redact(tt.in); got != tt.want {
				t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
