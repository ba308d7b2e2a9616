package dockerfile

import (
	"sort"

	"github.com/canto-build/canto/pkg/pyname"
)

// Native lists the Debian 12 packages that compiling one Python
// distribution from its sdist needs (Build) and that the compiled extension
// then loads at run time (Runtime).
type Native struct {
	Build   []string
	Runtime []string
}

// compilerPackages are installed in build stages whenever some dependency is
// built from an sdist: canto cannot tell a pure-Python sdist from one with C
// code without unpacking it, so it assumes a C compiler is needed.
var compilerPackages = []string{"gcc", "libc6-dev"}

// nativePackages is the table behind NativePackages, keyed by PEP 503 name.
// The package names are Debian 12 (bookworm)'s.
var nativePackages = map[string]Native{
	"cffi":          {Build: []string{"libffi-dev"}, Runtime: []string{"libffi8"}},
	"grpcio":        {Build: []string{"g++"}, Runtime: []string{"libstdc++6"}},
	"grpcio-tools":  {Build: []string{"g++"}, Runtime: []string{"libstdc++6"}},
	"lxml":          {Build: []string{"libxml2-dev", "libxslt1-dev"}, Runtime: []string{"libxml2", "libxslt1.1"}},
	"mysqlclient":   {Build: []string{"default-libmysqlclient-dev", "pkg-config"}, Runtime: []string{"libmariadb3"}},
	"pillow":        {Build: []string{"libjpeg-dev", "zlib1g-dev"}, Runtime: []string{"libjpeg62-turbo", "zlib1g"}},
	"psycopg2":      {Build: []string{"libpq-dev"}, Runtime: []string{"libpq5"}},
	"pycairo":       {Build: []string{"libcairo2-dev", "pkg-config"}, Runtime: []string{"libcairo2"}},
	"python-ldap":   {Build: []string{"libldap2-dev", "libsasl2-dev"}, Runtime: []string{"libldap-2.5-0", "libsasl2-2"}},
	"pyyaml":        {Build: []string{"libyaml-dev"}, Runtime: []string{"libyaml-0-2"}},
	"uwsgi":         {Build: []string{"libpcre3-dev"}, Runtime: []string{"libpcre3"}},
	"xmlsec":        {Build: []string{"libxmlsec1-dev", "pkg-config"}, Runtime: []string{"libxmlsec1-openssl"}},
	"python-snappy": {Build: []string{"libsnappy-dev", "g++"}, Runtime: []string{"libsnappy1v5"}},
}

// embedsPython lists distributions whose compiled program links libpython
// itself (uWSGI embeds the interpreter). Debian's python3 is linked
// statically and ships libpython3.X.so in a package of its own, which the
// runtime image must then install; the official images' interpreter already
// carries it.
var embedsPython = map[string]bool{"uwsgi": true}

// NativePackages returns the Debian packages building the named distribution
// from source needs and those its result needs at run time, for an
// interpreter of the given kind and CPython minor ("3.11"). ok is false when
// canto knows nothing about the distribution beyond the compiler every sdist
// gets.
func NativePackages(name string, interp Interpreter, python string) (n Native, ok bool) {
	key := pyname.Normalize(name)
	n, ok = nativePackages[key]
	n = Native{Build: append([]string(nil), n.Build...), Runtime: append([]string(nil), n.Runtime...)}
	if embedsPython[key] && interp == Debian {
		n.Runtime = append(n.Runtime, "libpython"+python)
	}
	return n, ok
}

// sortedSet returns the distinct non-empty strings of lists, sorted.
func sortedSet(lists ...[]string) []string {
	seen := map[string]bool{}
	var out []string
	for _, l := range lists {
		for _, s := range l {
			if s != "" && !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	sort.Strings(out)
	return out
}
