// Package target owns the build target — Linux platform, CPython version and
// C library — and what follows from it: the PEP 508 marker environment, the
// ordered list of compatible wheel tags, and the choice of the best wheel
// among a release's files (with the reason the closest one does not fit when
// none does).
//
// The tag list reproduces packaging.tags.sys_tags() of pypa/packaging 23.0
// as it would run under CPython on the target (see SupportedTags); the
// vectors in testdata/sys_tags.json are recorded from it by
// testdata/gen_vectors.py.
package target

//go:generate /usr/bin/python3 testdata/gen_vectors.py
