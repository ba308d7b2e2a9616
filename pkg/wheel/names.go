package wheel

import (
	"fmt"
	"path"
	"regexp"
	"strings"
)

// normalizeName is the PEP 503 normalisation of a project name: lowercase,
// with every run of "-", "_" and "." replaced by a single "-".
// https://packaging.python.org/en/latest/specifications/name-normalization/
func normalizeName(name string) string {
	var b strings.Builder
	b.Grow(len(name))
	sep := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c == '-' || c == '_' || c == '.' {
			sep = true
			continue
		}
		if sep {
			b.WriteByte('-')
			sep = false
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	if sep {
		b.WriteByte('-')
	}
	return b.String()
}

// projectNameRE is the valid non-normalised project name of the core
// metadata specification ("Name" field).
var projectNameRE = regexp.MustCompile(`^(?i:[A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$`)

// wheelFilename is the parsed form of
// {distribution}-{version}(-{build tag})?-{python tag}-{abi tag}-{platform tag}.whl
// (binary distribution format, "File name convention").
type wheelFilename struct {
	name, version, build, python, abi, platform string
}

func parseFilename(filename string) (wheelFilename, error) {
	base := path.Base(filename)
	stem, ok := strings.CutSuffix(base, ".whl")
	if !ok {
		return wheelFilename{}, fmt.Errorf("file name does not end in .whl")
	}
	parts := strings.Split(stem, "-")
	var f wheelFilename
	switch len(parts) {
	case 5:
		f = wheelFilename{name: parts[0], version: parts[1], python: parts[2], abi: parts[3], platform: parts[4]}
	case 6:
		f = wheelFilename{name: parts[0], version: parts[1], build: parts[2], python: parts[3], abi: parts[4], platform: parts[5]}
		if f.build == "" || f.build[0] < '0' || f.build[0] > '9' {
			return wheelFilename{}, fmt.Errorf("file name has build tag %q, which does not start with a digit", f.build)
		}
	default:
		return wheelFilename{}, fmt.Errorf("file name is not {name}-{version}(-{build})?-{python}-{abi}-{platform}.whl")
	}
	for _, p := range parts {
		if p == "" {
			return wheelFilename{}, fmt.Errorf("file name has an empty component")
		}
	}
	if !projectNameRE.MatchString(f.name) {
		return wheelFilename{}, fmt.Errorf("file name has invalid project name %q", f.name)
	}
	return f, nil
}

// preSpellings maps the alternative spellings PEP 440 accepts to the
// canonical ones ("Pre-release spelling", "Post-release spelling").
var preSpellings = map[string]string{
	"alpha": "a", "a": "a",
	"beta": "b", "b": "b",
	"c": "rc", "rc": "rc", "pre": "rc", "preview": "rc",
	"post": "post", "rev": "post", "r": "post",
	"dev": "dev",
}

// normalizeVersion is a light PEP 440 normalisation used only to compare the
// version in a wheel's file name with the one in its METADATA and .dist-info
// directory name. It lowercases, strips surrounding space and a leading "v",
// drops a zero epoch, treats ".", "-" and "_" as equivalent separators, maps
// the alternative pre/post-release spellings (alpha, beta, c, pre, preview,
// rev, r) to a, b, rc and post, supplies the implicit 0 of "1.0a" and
// "1.0.dev", strips leading zeros from numbers and trailing zeros from the
// release ("1.0.0" compares equal to "1"), as packaging's
// canonicalize_version does. It does not recognise the implicit post-release
// "1.0-1" (which it reads as release 1.0.1) and never errors: strings that are
// not versions simply compare by their lowercased form.
// https://packaging.python.org/en/latest/specifications/version-specifiers/#normalization
func normalizeVersion(v string) string {
	v = strings.ToLower(strings.TrimSpace(v))
	v = strings.TrimPrefix(v, "v")
	epoch, rest, ok := strings.Cut(v, "!")
	if !ok {
		rest, epoch = epoch, ""
	}
	epoch = strings.TrimLeft(epoch, "0")
	main, local, hasLocal := strings.Cut(rest, "+")

	// Tokenise into digit runs and letter runs; separators only split.
	var toks []string
	for i := 0; i < len(main); {
		c := main[i]
		switch {
		case c == '.' || c == '-' || c == '_':
			i++
		case '0' <= c && c <= '9':
			j := i
			for j < len(main) && '0' <= main[j] && main[j] <= '9' {
				j++
			}
			n := strings.TrimLeft(main[i:j], "0")
			if n == "" {
				n = "0"
			}
			toks = append(toks, n)
			i = j
		case 'a' <= c && c <= 'z':
			j := i
			for j < len(main) && 'a' <= main[j] && main[j] <= 'z' {
				j++
			}
			toks = append(toks, main[i:j])
			i = j
		default:
			toks = append(toks, string(c))
			i++
		}
	}
	isNum := func(s string) bool { return s != "" && s[0] >= '0' && s[0] <= '9' }
	var release []string
	i := 0
	for i < len(toks) && isNum(toks[i]) {
		release = append(release, toks[i])
		i++
	}
	for len(release) > 1 && release[len(release)-1] == "0" {
		release = release[:len(release)-1]
	}
	var b strings.Builder
	if epoch != "" {
		b.WriteString(epoch + "!")
	}
	b.WriteString(strings.Join(release, "."))
	for i < len(toks) {
		t := toks[i]
		i++
		if c, ok := preSpellings[t]; ok {
			t = c
		}
		num := "0"
		if i < len(toks) && isNum(toks[i]) {
			num = toks[i]
			i++
		}
		switch t {
		case "a", "b", "rc":
			b.WriteString(t + num)
		default:
			b.WriteString("." + t + num)
		}
	}
	if hasLocal {
		b.WriteString("+" + strings.NewReplacer("-", ".", "_", ".").Replace(local))
	}
	return b.String()
}
