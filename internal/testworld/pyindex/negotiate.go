package pyindex

import (
	"sort"
	"strconv"
	"strings"
)

// The media types of the Simple API, PEP 691 "Versioning / Content Types".
// https://peps.python.org/pep-0691/#version-format-selection
const (
	MediaJSON       = "application/vnd.pypi.simple.v1+json"
	MediaHTML       = "application/vnd.pypi.simple.v1+html"
	MediaLegacyHTML = "text/html"
)

// aliases are the "latest" forms that PEP 691 lets clients ask for.
var aliases = map[string]string{
	"application/vnd.pypi.simple.latest+json": MediaJSON,
	"application/vnd.pypi.simple.latest+html": MediaHTML,
}

// offers are the server's media types in its order of preference when the
// client's weights tie: legacy HTML first, so that a plain "*/*" (curl,
// browsers) gets the HTML every client understands.
var offers = []string{MediaLegacyHTML, MediaHTML, MediaJSON}

type mediaRange struct {
	typ, sub string
	q        float64
}

// parseAccept splits an Accept header (RFC 9110 section 12.5.1) into media
// ranges with their weights; malformed parts are skipped.
func parseAccept(header string) []mediaRange {
	var out []mediaRange
	for _, part := range strings.Split(header, ",") {
		fields := strings.Split(part, ";")
		mt := strings.ToLower(strings.TrimSpace(fields[0]))
		if alias, ok := aliases[mt]; ok {
			mt = alias
		}
		typ, sub, ok := strings.Cut(mt, "/")
		if !ok || typ == "" || sub == "" || (typ == "*" && sub != "*") {
			continue
		}
		q := 1.0
		for _, p := range fields[1:] {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil || f < 0 || f > 1 {
					f = 0
				}
				q = f
			}
		}
		out = append(out, mediaRange{typ: typ, sub: sub, q: q})
	}
	return out
}

// specificity ranks how closely a range matches a type: exact beats type/*
// beats */*; -1 means no match.
func (m mediaRange) specificity(mediaType string) int {
	typ, sub, _ := strings.Cut(mediaType, "/")
	switch {
	case m.typ == typ && m.sub == sub:
		return 2
	case m.typ == typ && m.sub == "*":
		return 1
	case m.typ == "*" && m.sub == "*":
		return 0
	default:
		return -1
	}
}

// Negotiate picks the response media type for an Accept header: the offer
// with the highest weight, where each offer takes the weight of the most
// specific range that matches it; ties go to offers' order. An empty header
// means text/html (PEP 691: servers keep serving HTML to old clients). It
// returns "" when nothing acceptable is offered (the caller answers 406).
func Negotiate(accept string) string {
	if strings.TrimSpace(accept) == "" {
		return MediaLegacyHTML
	}
	ranges := parseAccept(accept)
	type scored struct {
		media string
		q     float64
		order int
	}
	var cands []scored
	for i, o := range offers {
		best, q := -1, 0.0
		for _, r := range ranges {
			if s := r.specificity(o); s > best {
				best, q = s, r.q
			}
		}
		if best >= 0 && q > 0 {
			cands = append(cands, scored{o, q, i})
		}
	}
	if len(cands) == 0 {
		return ""
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].q > cands[j].q })
	return cands[0].media
}
