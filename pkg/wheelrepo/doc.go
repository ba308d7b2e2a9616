// Package wheelrepo owns sharing built wheels through an OCI registry: each
// wheel is an OCI artifact tagged by its sdist build's cache key, so a fleet
// of machines builds an sdist once.
package wheelrepo
