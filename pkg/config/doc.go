// Package config owns canto's settings in [tool.canto] of pyproject.toml:
// their schema, defaults and validation. Command-line flags override them;
// that merge happens in the CLI.
package config
