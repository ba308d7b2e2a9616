package pep440

import "fmt"

// ParseError reports input that does not follow the grammar being parsed.
// Pos is the 0-based byte offset in Input where the problem was found.
type ParseError struct {
	// What names the grammar: "version", "specifier" or "constraint".
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
