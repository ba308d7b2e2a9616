// Package tags owns the vocabulary of built distributions: PEP 425
// compatibility tags (with the PEP 600 manylinux and PEP 656 musllinux
// platform tags they carry) and the wheel and sdist filenames that name them.
//
// Everything here is pure and I/O-free. The specifications implemented are:
//
//   - Platform compatibility tags:
//     https://packaging.python.org/en/latest/specifications/platform-compatibility-tags/
//     (PEP 425, PEP 600, PEP 656)
//   - Binary distribution format, "File name convention":
//     https://packaging.python.org/en/latest/specifications/binary-distribution-format/#file-name-convention
//     (PEP 427)
//   - Source distribution format, "Source distribution file name":
//     https://packaging.python.org/en/latest/specifications/source-distribution-format/#source-distribution-file-name
//
// Behaviour follows pypa/packaging 23.0 (packaging.tags.parse_tag,
// packaging.utils.parse_wheel_filename and parse_sdist_filename) except where
// a function's documentation says it is stricter.
package tags
