package pyproject

import "github.com/canto-build/canto/internal/tomltree"

// SyntaxError reports malformed TOML at a position: file:line:column.
type SyntaxError = tomltree.SyntaxError

// FieldError reports a known field holding a value of the wrong type or an
// invalid value, with its dotted key path.
type FieldError = tomltree.FieldError
