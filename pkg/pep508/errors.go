package pep508

import "fmt"

// ParseError reports input that does not follow the dependency specifier
// grammar. Pos is the 0-based byte offset in Input of the problem.
type ParseError struct {
	// What names the grammar: "marker" or "requirement".
	What  string
	Input string
	Pos   int
	Msg   string
	// Hint, when set, says how to fix the input; Error prints it on its own line.
	Hint string
}

func (e *ParseError) Error() string {
	s := fmt.Sprintf("parsing %s %q: %s at position %d", e.What, e.Input, e.Msg, e.Pos)
	if e.Hint != "" {
		s += "\nhint: " + e.Hint
	}
	return s
}

// EvalError reports a marker that cannot be evaluated in an environment: a
// variable the environment does not define, or a comparison the spec leaves
// undefined. Pos is the 0-based byte offset of the offending comparison.
type EvalError struct {
	Marker string
	Pos    int
	Msg    string
	// Variable is set when the environment lacks this variable.
	Variable string
}

func (e *EvalError) Error() string {
	s := fmt.Sprintf("evaluating marker %q: %s at position %d", e.Marker, e.Msg, e.Pos)
	if e.Variable != "" {
		s += "\nhint: describe the target environment completely, including " + e.Variable
	}
	return s
}
