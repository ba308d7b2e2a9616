// Package version reports which canto this is: the release, the commit and the Go toolchain.
package version

import (
	"runtime"
	"runtime/debug"
)

// These are set at link time by the Makefile with -ldflags "-X ...".
var (
	// Version is the release version, or "dev" for an untagged build.
	Version = "dev"
	// Commit is the git commit the binary was built from, or "unknown".
	Commit = "unknown"
)

// Info describes a canto binary.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	GoVersion string `json:"go_version"`
	Platform  string `json:"platform"`
}

// Get returns the Info of the running binary.
func Get() Info {
	commit := Commit
	if commit == "unknown" {
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" && s.Value != "" {
					commit = s.Value
				}
			}
		}
	}
	return Info{
		Version:   Version,
		Commit:    commit,
		GoVersion: runtime.Version(),
		Platform:  runtime.GOOS + "/" + runtime.GOARCH,
	}
}
