// Package pep440 owns Python version identifiers and version specifiers
// (https://packaging.python.org/en/latest/specifications/version-specifiers/),
// plus Poetry's constraint syntax used in pyproject.toml and poetry.lock.
package pep440
