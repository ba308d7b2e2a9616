// Package bytecode owns compiling a layer's Python sources to .pyc files
// with the image's own interpreter, run in the daemonless sandbox over the
// base image's root filesystem, so that the image never compiles them at
// run time (and a read-only container still starts fast).
//
// The files are hash-based and unchecked (PEP 552), so they do not depend
// on modification times; each batch runs in a fresh interpreter with
// PYTHONHASHSEED=0 and compiles its files in path order, so the same
// sources give the same bytes.
package bytecode
