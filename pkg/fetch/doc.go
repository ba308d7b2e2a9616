// Package fetch owns getting the files of an install plan onto disk: it picks
// each package's package index the way Poetry does, downloads wheels, sdists
// and direct files into the content-addressed cache in parallel, and refuses
// any file whose locked sha256 it cannot check.
package fetch
