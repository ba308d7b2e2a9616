// Package wheel owns reading Python wheels safely and installing them, in the
// manner of pypa/installer, into a [Destination] that receives files at the
// paths they will have at runtime.
//
// A [Wheel] is opened from an [io.ReaderAt] with bounded resources (see
// [WithMaxTotalSize], [WithMaxMembers], [WithMaxCompressionRatio] and
// [WithMaxMetadataSize]). [Open] checks the archive's structure, member
// names and modes, the .dist-info metadata and that RECORD lists exactly the
// archive's files; the content of every member is then verified against
// RECORD while it streams, by [Install] or [Wheel.Verify].
//
// Specifications implemented:
//   - Binary distribution format (PEP 427, PEP 491's .data layout):
//     https://packaging.python.org/en/latest/specifications/binary-distribution-format/
//   - Recording installed projects (RECORD, INSTALLER, REQUESTED):
//     https://packaging.python.org/en/latest/specifications/recording-installed-packages/
//   - Entry points: https://packaging.python.org/en/latest/specifications/entry-points/
//   - Direct URL origin (PEP 610):
//     https://packaging.python.org/en/latest/specifications/direct-url-data-structure/
//   - Core metadata (header format): https://packaging.python.org/en/latest/specifications/core-metadata/
//
// Installing does not compile .pyc files; a later step may add that.
package wheel
