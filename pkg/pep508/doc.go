// Package pep508 owns dependency specifiers and environment markers
// (https://packaging.python.org/en/latest/specifications/dependency-specifiers/):
// parsing requirements such as `foo[bar]>=1.0; python_version < "3.11"` and
// evaluating markers against a target environment.
package pep508
