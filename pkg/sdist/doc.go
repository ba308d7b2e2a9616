// Package sdist owns building source distributions into wheels: a PEP 517
// frontend that installs the build requirements with canto's own installer
// and runs the backend's hooks in a sandbox, with the built wheels cached.
package sdist
