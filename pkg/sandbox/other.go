//go:build !linux

package sandbox

import (
	"context"
	"fmt"
	"runtime"
)

// Init does nothing outside Linux.
func Init() {}

// Check reports that sandboxes need Linux.
func Check() error {
	return &UnsupportedError{
		Feature: "Linux namespaces",
		Err:     fmt.Errorf("%s has none", runtime.GOOS),
		Hint:    "build sdists on Linux, or use only wheels",
	}
}

// Run fails outside Linux with the error Check returns.
func Run(ctx context.Context, spec Spec) (*Result, error) {
	return nil, Check()
}
