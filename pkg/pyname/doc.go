// Package pyname owns Python project names: PEP 503 normalization and the PEP 508 name grammar.
package pyname
