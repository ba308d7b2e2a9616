// Package layers is canto's layering policy: it assigns installed packages to
// image layers so that a change to one dependency changes as few layers as
// possible. It is pure: names, versions, digests and sizes in, a layer plan out.
package layers
