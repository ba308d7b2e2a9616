// Package index owns canto's conversation with Python package indexes: the
// Simple Repository API (PEP 503 HTML and PEP 691 JSON pages), the
// credentials Poetry users already configure, and verified, retried
// downloads into the content-addressed cache.
package index
