// Package tomltree reads decoded TOML documents (pyproject.toml, poetry.lock)
// field by field, remembering the first error with the key path and file at
// fault, and converts go-toml's syntax errors to file:line:column errors.
package tomltree
