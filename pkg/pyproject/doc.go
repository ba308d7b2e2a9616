// Package pyproject owns the parsed, typed view of a Poetry project's
// pyproject.toml: the PEP 621 [project] table, Poetry's [tool.poetry] table,
// PEP 735 [dependency-groups], PEP 518 [build-system], the raw [tool.canto]
// table, and Poetry's content-hash of the dependency-relevant parts.
//
// Parsing is I/O-free (Parse) apart from the thin Load wrapper. Version
// constraints, markers and requirement strings are kept as raw strings, split
// into fields; later layers interpret them.
//
// Specifications implemented:
//   - PEP 621 / the "Declaring project metadata" specification,
//     https://packaging.python.org/en/latest/specifications/pyproject-toml/
//   - PEP 518 [build-system], PEP 735 [dependency-groups]
//   - Poetry's [tool.poetry] schema, https://python-poetry.org/docs/pyproject/
//     and https://python-poetry.org/docs/dependency-specification/
package pyproject
