// Package projectwheel owns building the wheel of a pure-Python Poetry
// project in Go, without Python or poetry-core, so that the project itself
// can be installed into an image non-editable.
//
// [Build] follows poetry-core's wheel builder (masonry/builders/wheel.py and
// builder.py, masonry/utils/module.py and package_include.py, masonry/
// metadata.py, packages/dependency.py) in which files it packs and in the
// metadata it writes, and differs where canto needs determinism or where
// Poetry's output would not be a valid wheel:
//
//   - Files: with no tool.poetry.packages the package or module named after
//     the normalised project name is found at the root or under src/; with
//     packages, each include (a directory, module or glob, relative to its
//     from) is packed under its to, and entries whose format excludes
//     "wheel" are skipped. tool.poetry.include entries reach the wheel only
//     when their format names "wheel": poetry-core 2 reads an include without
//     format as sdist-only (poetry-core 1.x also packed the plain files such
//     an include matched; canto does not). tool.poetry.exclude globs remove
//     files unless a wheel include names them.
//   - VCS-ignored files are not consulted (poetry-core asks git); instead
//     __pycache__ and .git directories, virtual environments (directories
//     holding pyvenv.cfg) and *.pyc/*.pyo files are always skipped.
//     Symbolic links to files are followed, and refused when they lead out
//     of the project; symbolic links to directories are not descended.
//   - An include in tool.poetry.include that matches nothing is an error
//     here (poetry-core ignores it), as is a package include that matches
//     nothing, a directory without Python modules, and a top-level package or
//     module name that Python cannot import.
//   - The archive is deterministic: the packed files and .data scripts
//     sorted by name, then .dist-info with RECORD last, one fixed timestamp
//     (1980-01-01 by default, see [WithModTime]), modes 0644 or 0755 from the
//     source's owner-execute bit, and compress/flate at a fixed level.
//   - METADATA is Metadata-Version 2.3: Name as written, Version normalised
//     (PEP 440), Summary, License, Author, Author-email, Keywords,
//     Classifiers as declared, Requires-Python, Provides-Extra (PEP 685
//     normalised), Requires-Dist, Project-URL and the readme as the body.
//     poetry-core's generated classifiers and PEP 639 license files are not
//     written.
//   - Requires-Dist: for a [project] table with dependencies, the PEP 508
//     strings as written, and optional-dependencies with an extra marker
//     added; otherwise the main group's Poetry dependencies converted as
//     poetry-core's Dependency.to_pep_508 does ("^1.2" → "(>=1.2,<2.0)",
//     python and platform as markers, git and url as "name @ url"). A
//     path dependency is written by name only: poetry-core's absolute
//     file: URL would tie the wheel to the checkout's location.
//     Optional dependencies appear only under extra markers of the extras
//     that list them. A union constraint ("^1 || ^3") cannot be written as
//     a PEP 440 specifier set and is an error (poetry-core writes an invalid
//     line).
//   - The tag is always py3-none-any (poetry-core writes py2.py3 when the
//     Python constraint admits Python 2).
//
// Projects that need a build backend of their own (another backend, a
// tool.poetry.build script, C or Cython sources) yield [*UnsupportedError];
// package-mode = false projects yield [*NotAPackageError].
//
// Specifications implemented:
//   - Binary distribution format: https://packaging.python.org/en/latest/specifications/binary-distribution-format/
//   - Core metadata 2.3: https://packaging.python.org/en/latest/specifications/core-metadata/
//   - Entry points: https://packaging.python.org/en/latest/specifications/entry-points/
//   - RECORD: https://packaging.python.org/en/latest/specifications/recording-installed-packages/#the-record-file
package projectwheel
