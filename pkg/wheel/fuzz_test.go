package wheel_test

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"testing"

	"github.com/canto-build/canto/pkg/wheel"
	"github.com/canto-build/canto/pkg/wheel/wheeltest"
)

type discardDest struct{}

func (discardDest) WriteFile(_ string, _ fs.FileMode, _ int64, r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	return err
}

// FuzzOpen feeds arbitrary bytes to Open; whatever opens must also verify
// and install without panicking.
func FuzzOpen(f *testing.F) {
	f.Add(wheeltest.Build(wheeltest.Spec{Files: []wheeltest.File{pyFile("demo/__init__.py", "x = 1\n")}}))
	f.Add(wheeltest.Build(wheeltest.Spec{
		Files: []wheeltest.File{
			pyFile("demo-1.0.data/scripts/s", "#!python -u\nprint(1)\n"),
			{Name: "demo-1.0.data/data/share/x", Data: []byte("x"), Store: true},
		},
		EntryPoints: "[console_scripts]\nd = demo:main\n",
	}))
	f.Add(wheeltest.Build(wheeltest.Spec{Files: []wheeltest.File{{Name: "demo/link", Mode: fs.ModeSymlink | 0o777}}}))
	f.Add([]byte("PK\x05\x06" + string(make([]byte, 18))))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		w, err := wheel.Open(bytes.NewReader(data), int64(len(data)), demoWhl,
			wheel.WithMaxTotalSize(1<<20), wheel.WithMaxMembers(100))
		if err != nil {
			return
		}
		_ = w.Verify(context.Background())
		_ = wheel.Install(context.Background(), w, discardDest{}, wheel.InstallOptions{Scheme: testScheme})
	})
}
