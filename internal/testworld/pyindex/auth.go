package pyindex

import (
	"bufio"
	"bytes"
	"crypto/sha1" //nolint:gosec // htpasswd's {SHA} scheme is SHA-1 by definition.
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
)

// Credentials maps user names to stored passwords, either plain text or in
// htpasswd's "{SHA}" form (base64 of the SHA-1 digest, `htpasswd -s`).
type Credentials map[string]string

// ParseHtpasswd parses an htpasswd-style file: one "user:password" per line,
// where the password is plain text or "{SHA}..."; blank lines and lines
// starting with "#" are skipped. Crypt, MD5 ("$apr1$") and bcrypt ("$2y$")
// hashes are rejected, because this test server cannot check them.
func ParseHtpasswd(data []byte) (Credentials, error) {
	creds := Credentials{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		user, pass, ok := strings.Cut(line, ":")
		if !ok || user == "" {
			return nil, fmt.Errorf("parsing htpasswd line %d: want user:password", n)
		}
		if strings.HasPrefix(pass, "$") {
			return nil, fmt.Errorf("parsing htpasswd line %d: hash scheme of user %q is not supported\nhint: store the password in plain text or as {SHA} (htpasswd -s)", n, user)
		}
		if _, dup := creds[user]; dup {
			return nil, fmt.Errorf("parsing htpasswd line %d: user %q appears twice", n, user)
		}
		creds[user] = pass
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("parsing htpasswd: %w", err)
	}
	if len(creds) == 0 {
		return nil, fmt.Errorf("parsing htpasswd: no users")
	}
	return creds, nil
}

// check reports whether user and password match a stored entry, in time
// independent of how much of the password matches.
func (c Credentials) check(user, password string) bool {
	stored, ok := c[user]
	if !ok {
		stored = "\x00no such user"
	}
	given := password
	if rest, isSHA := strings.CutPrefix(stored, "{SHA}"); isSHA {
		sum := sha1.Sum([]byte(password)) //nolint:gosec // see import.
		given, stored = base64.StdEncoding.EncodeToString(sum[:]), rest
	}
	match := subtle.ConstantTimeCompare([]byte(given), []byte(stored)) == 1
	return ok && match
}
