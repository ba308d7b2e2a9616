package index

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// Credentials supplies HTTP basic credentials for a request URL. ok is false
// when it has none for that URL. The client asks afresh for every request,
// including each hop of a redirect, so a provider decides which hosts see
// its secrets.
type Credentials interface {
	For(u *url.URL) (user, pass string, ok bool)
}

// CredentialsFunc adapts a function to Credentials.
type CredentialsFunc func(u *url.URL) (user, pass string, ok bool)

// For calls f.
func (f CredentialsFunc) For(u *url.URL) (string, string, bool) { return f(u) }

// Chain returns Credentials that ask each of cs in turn and use the first
// answer. Nil entries are skipped.
func Chain(cs ...Credentials) Credentials {
	return CredentialsFunc(func(u *url.URL) (string, string, bool) {
		for _, c := range cs {
			if c == nil {
				continue
			}
			if user, pass, ok := c.For(u); ok {
				return user, pass, true
			}
		}
		return "", "", false
	})
}

// origin is the scheme, lower-case host name and port (explicit or the
// scheme's default) of u: credentials bound to an index go only to URLs of
// the same origin.
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		switch scheme {
		case "https":
			port = "443"
		case "http":
			port = "80"
		}
	}
	return scheme + "://" + net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

// originCredentials hands one user and password to URLs of one origin.
type originCredentials struct {
	origin     string
	user, pass string
}

func (o originCredentials) For(u *url.URL) (string, string, bool) {
	if o.origin == "" || origin(u) != o.origin {
		return "", "", false
	}
	return o.user, o.pass, true
}

// PoetryEnvVars returns the names of the environment variables Poetry reads
// for the basic-auth credentials of the source called sourceName:
// POETRY_HTTP_BASIC_<NAME>_USERNAME and POETRY_HTTP_BASIC_<NAME>_PASSWORD.
//
// Poetry derives a setting's variable from its dotted key
// "http-basic.<name>.username": it splits on ".", upper-cases each part,
// replaces "-" with "_" and joins with "_" (poetry.config.config.Config.get).
// So in NAME dashes and dots become underscores and every other character
// is only upper-cased; "my-repo.eu" gives MY_REPO_EU.
func PoetryEnvVars(sourceName string) (userVar, passVar string) {
	name := strings.NewReplacer("-", "_", ".", "_").Replace(strings.ToUpper(sourceName))
	return "POETRY_HTTP_BASIC_" + name + "_USERNAME", "POETRY_HTTP_BASIC_" + name + "_PASSWORD"
}

// PoetryEnv returns the credentials Poetry would use for the source named
// sourceName from its environment variables (see PoetryEnvVars), read
// through getenv now. They are offered only to URLs on the origin of
// indexURL (scheme, host and port), which covers files the index serves
// from its own host. Like Poetry, a username without a password (or the
// reverse) still counts.
func PoetryEnv(sourceName, indexURL string, getenv func(string) string) Credentials {
	userVar, passVar := PoetryEnvVars(sourceName)
	user, pass := getenv(userVar), getenv(passVar)
	u, err := url.Parse(indexURL)
	if err != nil || (user == "" && pass == "") || u.Host == "" {
		return originCredentials{}
	}
	return originCredentials{origin: origin(u), user: user, pass: pass}
}

// URLCredentials returns the user and password embedded in rawURL
// ("https://user:pass@host/simple"), offered only to URLs on the same
// origin. The client does this by itself for every URL it is given; use
// URLCredentials to carry an index URL's credentials to its file URLs in
// another process or client.
func URLCredentials(rawURL string) Credentials {
	u, err := url.Parse(rawURL)
	if err != nil {
		return originCredentials{}
	}
	_, user, pass, ok := stripUserinfo(u)
	if !ok {
		return originCredentials{}
	}
	return originCredentials{origin: origin(u), user: user, pass: pass}
}

// DefaultNetrcPath returns $NETRC if set, else ~/.netrc, as Python's
// requests (and so Poetry and pip) looks for it. getenv is usually
// os.Getenv.
func DefaultNetrcPath(getenv func(string) string) string {
	if p := getenv("NETRC"); p != "" {
		return p
	}
	home := getenv("HOME")
	if home == "" {
		if h, err := os.UserHomeDir(); err == nil {
			home = h
		}
	}
	if home == "" {
		return ""
	}
	return filepath.Join(home, ".netrc")
}

// Netrc reads the netrc file at path. A missing file gives empty
// Credentials and no error; a file that does not parse is an error.
func Netrc(path string) (*NetrcFile, error) {
	if path == "" {
		return &NetrcFile{}, nil
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return &NetrcFile{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading netrc %q: %w", path, err)
	}
	n, err := ParseNetrc(data)
	if err != nil {
		return nil, fmt.Errorf("parsing netrc %q: %w\nhint: fix the file or point NETRC elsewhere", path, err)
	}
	return n, nil
}

// NetrcFile holds the machine entries of a netrc file. It implements
// Credentials by host name, as requests does: the port and scheme of the
// URL are ignored, and the "default" entry, if any, answers for every other
// host.
type NetrcFile struct {
	machines map[string]netrcEntry // lower-case host name → entry
	def      *netrcEntry
}

type netrcEntry struct{ login, account, password string }

// For returns the entry for u's host name, or the default entry. When an
// entry has no login its account stands in, as in requests.
func (n *NetrcFile) For(u *url.URL) (string, string, bool) {
	if n == nil {
		return "", "", false
	}
	e, ok := n.machines[strings.ToLower(u.Hostname())]
	if !ok {
		if n.def == nil {
			return "", "", false
		}
		e = *n.def
	}
	user := e.login
	if user == "" {
		user = e.account
	}
	if user == "" && e.password == "" {
		return "", "", false
	}
	return user, e.password, true
}

// ParseNetrc parses the netrc format as Python's netrc module does: tokens
// separated by white space, optionally double-quoted with backslash
// escapes; "machine NAME" or "default" starts an entry; "login", "account"
// and "password" take a value; "macdef NAME" skips to the next blank line;
// "#" at the start of a token comments out the rest of the line. A later
// entry for the same machine replaces an earlier one.
// https://docs.python.org/3/library/netrc.html
func ParseNetrc(data []byte) (*NetrcFile, error) {
	n := &NetrcFile{machines: map[string]netrcEntry{}}
	lx := &netrcLexer{data: data}
	var cur *netrcEntry
	var curName string
	isDefault := false
	flush := func() {
		if cur == nil {
			return
		}
		if isDefault {
			e := *cur
			n.def = &e
		} else {
			n.machines[strings.ToLower(curName)] = *cur
		}
		cur = nil
	}
	for {
		tok, ok, err := lx.next()
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		switch tok {
		case "machine", "default":
			flush()
			cur, isDefault = &netrcEntry{}, tok == "default"
			if !isDefault {
				name, ok, err := lx.next()
				if err != nil {
					return nil, err
				}
				if !ok {
					return nil, fmt.Errorf("line %d: %q without a name", lx.line, tok)
				}
				curName = name
			}
		case "login", "user", "account", "password":
			if cur == nil {
				return nil, fmt.Errorf("line %d: %q outside a machine entry", lx.line, tok)
			}
			v, ok, err := lx.next()
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, fmt.Errorf("line %d: %q without a value", lx.line, tok)
			}
			switch tok {
			case "login", "user":
				cur.login = v
			case "account":
				cur.account = v
			default:
				cur.password = v
			}
		case "macdef":
			flush()
			if _, _, err := lx.next(); err != nil {
				return nil, err
			}
			lx.skipMacro()
		default:
			// The token is not quoted back: it may be part of a secret.
			return nil, fmt.Errorf("line %d: unexpected token (want machine, default, login, account, password or macdef)", lx.line)
		}
	}
	flush()
	return n, nil
}

type netrcLexer struct {
	data []byte
	pos  int
	line int
}

func (lx *netrcLexer) next() (string, bool, error) {
	if lx.line == 0 {
		lx.line = 1
	}
	for lx.pos < len(lx.data) {
		switch lx.data[lx.pos] {
		case '\n':
			lx.line++
			lx.pos++
		case ' ', '\t', '\r', '\f', '\v':
			lx.pos++
		case '#':
			if k := bytes.IndexByte(lx.data[lx.pos:], '\n'); k >= 0 {
				lx.pos += k
			} else {
				lx.pos = len(lx.data)
			}
		case '"':
			var b strings.Builder
			startLine := lx.line
			for lx.pos++; lx.pos < len(lx.data); lx.pos++ {
				c := lx.data[lx.pos]
				if c == '"' {
					lx.pos++
					return b.String(), true, nil
				}
				if c == '\\' && lx.pos+1 < len(lx.data) {
					lx.pos++
					c = lx.data[lx.pos]
				}
				if c == '\n' {
					lx.line++
				}
				b.WriteByte(c)
			}
			return "", false, fmt.Errorf("line %d: unterminated quoted token", startLine)
		default:
			var b strings.Builder
			for lx.pos < len(lx.data) {
				c := lx.data[lx.pos]
				if c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v' {
					break
				}
				if c == '\\' && lx.pos+1 < len(lx.data) {
					lx.pos++
					c = lx.data[lx.pos]
				}
				b.WriteByte(c)
				lx.pos++
			}
			return b.String(), true, nil
		}
	}
	return "", false, nil
}

// skipMacro skips a macro definition body: everything up to and including
// the next empty line.
func (lx *netrcLexer) skipMacro() {
	if k := bytes.Index(lx.data[lx.pos:], []byte("\n\n")); k >= 0 {
		lx.line += bytes.Count(lx.data[lx.pos:lx.pos+k+2], []byte("\n"))
		lx.pos += k + 2
		return
	}
	lx.pos = len(lx.data)
}
