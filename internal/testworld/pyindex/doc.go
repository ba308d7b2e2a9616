// Package pyindex serves a flat directory of Python distributions (wheels
// and sdists) as a PEP 503 / PEP 691 Simple Repository API, for the offline
// test world.
package pyindex
