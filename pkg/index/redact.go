package index

import (
	"net/url"
	"strings"
)

// Redact returns rawURL fit for errors and logs: any userinfo (user name,
// password or token) is replaced by "***". Every URL this package puts in an
// error or log line goes through Redact.
func Redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		// Unparseable: cut out anything that could be userinfo by hand.
		scheme, rest, ok := strings.Cut(rawURL, "://")
		if !ok {
			if strings.Contains(rawURL, "@") {
				return "<redacted URL>"
			}
			return rawURL
		}
		authority, tail := rest, ""
		if k := strings.IndexAny(rest, "/?#"); k >= 0 {
			authority, tail = rest[:k], rest[k:]
		}
		if at := strings.LastIndexByte(authority, '@'); at >= 0 {
			authority = "***@" + authority[at+1:]
		}
		return scheme + "://" + authority + tail
	}
	return redactURL(u)
}

func redactURL(u *url.URL) string {
	if u.User == nil {
		return u.String()
	}
	c := *u
	c.User = nil
	s := c.String()
	if scheme, rest, ok := strings.Cut(s, "//"); ok {
		return scheme + "//***@" + rest
	}
	return s
}

// stripUserinfo returns a copy of u without userinfo, and the credentials
// it held.
func stripUserinfo(u *url.URL) (clean *url.URL, user, pass string, ok bool) {
	c := *u
	if u.User == nil {
		return &c, "", "", false
	}
	user = u.User.Username()
	pass, _ = u.User.Password()
	c.User = nil
	return &c, user, pass, user != "" || pass != ""
}
