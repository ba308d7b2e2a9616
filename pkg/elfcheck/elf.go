package elfcheck

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Object is what the dynamic loader needs to know about an ELF file: the
// System V gABI's "Dynamic Section" entries DT_NEEDED, DT_SONAME, DT_RPATH,
// DT_RUNPATH and DT_FLAGS_1, and the header's class and machine
// (https://refspecs.linuxfoundation.org/elf/gabi4+/ch5.dynamic.html).
type Object struct {
	Class   elf.Class
	Machine elf.Machine
	Type    elf.Type
	// Interp is the program interpreter (PT_INTERP) of an executable, such
	// as /lib64/ld-linux-x86-64.so.2.
	Interp string
	Soname string
	Needed []string
	// RPath and RunPath are the colon-separated lists of DT_RPATH and
	// DT_RUNPATH, unexpanded; HasRunPath tells an empty DT_RUNPATH from
	// none (either way it turns DT_RPATH off).
	RPath, RunPath []string
	HasRunPath     bool
	// NoDefaultLib is DF_1_NODEFLIB: the default directories and the
	// ld.so cache are not searched for this object's dependencies.
	NoDefaultLib bool
}

// elfMagic starts every ELF file.
var elfMagic = []byte("\x7fELF")

// ErrNotELF says a file is not an ELF object.
var ErrNotELF = errors.New("not an ELF file")

// ParseELF reads the dynamic-linking facts of the ELF file r. A file that
// does not start with the ELF magic gives ErrNotELF; a damaged one an
// error that says why.
func ParseELF(r io.ReaderAt) (obj *Object, err error) {
	var magic [4]byte
	if _, err := r.ReadAt(magic[:], 0); err != nil || !bytes.Equal(magic[:], elfMagic) {
		return nil, ErrNotELF
	}
	defer func() {
		// debug/elf has panicked on hostile input before; a damaged file
		// must not take the check down.
		if p := recover(); p != nil {
			obj, err = nil, fmt.Errorf("parsing ELF: %v", p)
		}
	}()
	f, err := elf.NewFile(r)
	if err != nil {
		return nil, fmt.Errorf("parsing ELF: %w", err)
	}
	defer func() { _ = f.Close() }()
	obj = &Object{Class: f.Class, Machine: f.Machine, Type: f.Type}
	var dynamic bool
	for _, p := range f.Progs {
		switch p.Type {
		case elf.PT_INTERP:
			b, err := io.ReadAll(io.LimitReader(p.Open(), 4096))
			if err != nil {
				return nil, fmt.Errorf("parsing ELF: reading PT_INTERP: %w", err)
			}
			obj.Interp = strings.TrimRight(string(b), "\x00")
		case elf.PT_DYNAMIC:
			dynamic = true
		}
	}
	if !dynamic {
		return obj, nil // static: it needs nothing
	}
	if obj.Needed, err = f.DynString(elf.DT_NEEDED); err != nil {
		return nil, fmt.Errorf("parsing ELF: reading DT_NEEDED: %w", err)
	}
	sonames, err := f.DynString(elf.DT_SONAME)
	if err != nil {
		return nil, fmt.Errorf("parsing ELF: reading DT_SONAME: %w", err)
	}
	if len(sonames) > 0 {
		obj.Soname = sonames[0]
	}
	rpath, err := f.DynString(elf.DT_RPATH)
	if err != nil {
		return nil, fmt.Errorf("parsing ELF: reading DT_RPATH: %w", err)
	}
	runpath, err := f.DynString(elf.DT_RUNPATH)
	if err != nil {
		return nil, fmt.Errorf("parsing ELF: reading DT_RUNPATH: %w", err)
	}
	obj.HasRunPath = len(runpath) > 0
	obj.RPath = splitPathList(rpath)
	obj.RunPath = splitPathList(runpath)
	flags, err := f.DynValue(elf.DT_FLAGS_1)
	if err != nil {
		return nil, fmt.Errorf("parsing ELF: reading DT_FLAGS_1: %w", err)
	}
	for _, v := range flags {
		if elf.DynFlag1(v)&elf.DF_1_NODEFLIB != 0 {
			obj.NoDefaultLib = true
		}
	}
	return obj, nil
}

func splitPathList(values []string) []string {
	var out []string
	for _, v := range values {
		for _, d := range strings.Split(v, ":") {
			if d != "" {
				out = append(out, d)
			}
		}
	}
	return out
}

// parseObject is ParseELF over bytes, with nil for a file that is not ELF.
func parseObject(b []byte) (*Object, error) {
	obj, err := ParseELF(bytes.NewReader(b))
	if errors.Is(err, ErrNotELF) {
		return nil, nil
	}
	return obj, err
}

// musl reports whether the object is loaded by musl's dynamic linker.
func (o *Object) musl() bool { return strings.Contains(o.Interp, "ld-musl-") }

// loadable reports whether ld.so would consider the object: an executable
// or shared object.
func (o *Object) loadable() bool { return o.Type == elf.ET_DYN || o.Type == elf.ET_EXEC }
