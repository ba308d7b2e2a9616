package elfcheck

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// elfs are ELF files compiled once per test run with the host's gcc.
type elfs struct {
	libfoo  []byte // soname libfoo.so.1, needs nothing
	libbar  []byte // soname libbar.so.1, needs libfoo.so.1
	ext     []byte // an extension module needing libbar.so.1, RUNPATH $ORIGIN/../foo.libs
	extBare []byte // an extension module needing libfoo.so.1, no search path
	app     []byte // an executable needing libbar.so.1, RPATH /opt/app/lib
	nodef   []byte // an extension needing libfoo.so.1, linked -z nodefaultlib
	extBoth []byte // an extension needing libfoo.so.1 then libbar.so.1, RUNPATH $ORIGIN/../foo.libs
}

var (
	compileOnce sync.Once
	compiled    *elfs
	compileErr  error
)

// compile builds the test objects with gcc, skipping the test without it.
// They use -nostdlib so that they need only each other.
func compile(t testing.TB) *elfs {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc is not installed")
	}
	compileOnce.Do(func() {
		dir, err := os.MkdirTemp("", "elfcheck-test-")
		if err != nil {
			compileErr = err
			return
		}
		defer os.RemoveAll(dir)
		src := filepath.Join(dir, "x.c")
		if err := os.WriteFile(src, []byte("int sym(void) { return 1; }\nint main(void) { return 0; }\n"), 0o644); err != nil {
			compileErr = err
			return
		}
		gcc := func(out string, args ...string) []byte {
			if compileErr != nil {
				return nil
			}
			p := filepath.Join(dir, out)
			// Small files (no page alignment, stripped) keep fuzzing fast.
			cmd := exec.Command("gcc", append([]string{"-nostdlib", "-fPIC", "-s", "-Wl,-z,max-page-size=0x10", "-Wl,-z,noseparate-code", "-o", p, src, "-L" + dir}, args...)...)
			if b, err := cmd.CombinedOutput(); err != nil {
				compileErr = &execError{args: cmd.Args, out: string(b), err: err}
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				compileErr = err
			}
			return b
		}
		e := &elfs{}
		e.libfoo = gcc("libfoo.so.1", "-shared", "-Wl,-soname,libfoo.so.1")
		if compileErr == nil {
			compileErr = os.Symlink("libfoo.so.1", filepath.Join(dir, "libfoo.so"))
		}
		e.libbar = gcc("libbar.so.1", "-shared", "-Wl,-soname,libbar.so.1", "-Wl,--no-as-needed", "-lfoo")
		if compileErr == nil {
			compileErr = os.Symlink("libbar.so.1", filepath.Join(dir, "libbar.so"))
		}
		e.ext = gcc("ext.so", "-shared", "-Wl,--no-as-needed", "-lbar", "-Wl,--enable-new-dtags,-rpath,$ORIGIN/../foo.libs")
		e.extBare = gcc("extbare.so", "-shared", "-Wl,--no-as-needed", "-lfoo")
		e.app = gcc("app", "-Wl,--no-as-needed", "-lbar", "-Wl,--disable-new-dtags,-rpath,/opt/app/lib", "-Wl,-e,main")
		e.nodef = gcc("nodef.so", "-shared", "-Wl,--no-as-needed", "-lfoo", "-Wl,-z,nodefaultlib")
		e.extBoth = gcc("extboth.so", "-shared", "-Wl,--no-as-needed", "-lfoo", "-lbar", "-Wl,--enable-new-dtags,-rpath,$ORIGIN/../foo.libs")
		compiled = e
	})
	if compileErr != nil {
		t.Fatalf("compiling test objects: %v", compileErr)
	}
	return compiled
}

type execError struct {
	args []string
	out  string
	err  error
}

func (e *execError) Error() string { return e.err.Error() + ": " + e.out }

// otherMachine returns a copy of an ELF file with e_machine changed to
// AArch64: a library ld.so would pass over on x86-64.
func otherMachine(b []byte) []byte {
	c := bytes.Clone(b)
	binary.LittleEndian.PutUint16(c[18:], uint16(elf.EM_AARCH64))
	return c
}

// elf32 is a minimal 32-bit x86 shared object: a header and nothing else.
func elf32(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	h := elf.Header32{
		Type: uint16(elf.ET_DYN), Machine: uint16(elf.EM_386), Version: uint32(elf.EV_CURRENT),
		Ehsize: 52, Phentsize: 32, Shentsize: 40,
	}
	copy(h.Ident[:], "\x7fELF")
	h.Ident[elf.EI_CLASS] = byte(elf.ELFCLASS32)
	h.Ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	h.Ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	if err := binary.Write(&buf, binary.LittleEndian, h); err != nil {
		t.Fatal(err)
	}
	buf.Write(make([]byte, 64))
	return buf.Bytes()
}
