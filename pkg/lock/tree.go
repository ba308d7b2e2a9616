package lock

import "github.com/canto-build/canto/internal/tomltree"

// tree reads the document; the methods shared with the other TOML parser
// come from tomltree.Tree, the ones specific to this file are defined here.
type tree struct{ tomltree.Tree }
