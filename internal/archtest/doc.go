// Package archtest keeps canto's import graph honest: its test fails when a
// package imports something docs/architecture.md says it must not.
package archtest
