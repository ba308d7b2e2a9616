// Package cache owns canto's on-disk content-addressed store: blobs named by
// their sha256, written atomically and verified on read, plus a small keyed
// index that maps arbitrary keys (a built wheel, a compressed layer) to blobs.
package cache
