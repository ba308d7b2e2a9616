package lock

import "testing"

// Lock-version 1.0 wrote a package's own marker as "marker"; Poetry's
// installer skips the package where it is false, so it must be kept.
func TestLock10PackageMarker(t *testing.T) {
	l, err := Parse([]byte(`[[package]]
category = "main"
description = ""
marker = "sys_platform == \"win32\""
name = "win32-setctime"
optional = false
python-versions = ">=3.5"
version = "1.0.2"

[metadata]
lock-version = "1.0"
python-versions = "^3.7"
content-hash = "x"

[metadata.files]
win32-setctime = []
`), "poetry.lock")
	if err != nil {
		t.Fatal(err)
	}
	if got := l.Packages[0].Markers.All; got != `sys_platform == "win32"` {
		t.Errorf("marker = %q", got)
	}
}
