package elfcheck

import (
	"bytes"
	"debug/elf"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseELF(t *testing.T) {
	e := compile(t)
	tests := []struct {
		name string
		data []byte
		want *Object
	}{
		{"library", e.libfoo, &Object{Class: elf.ELFCLASS64, Machine: elf.EM_X86_64, Type: elf.ET_DYN, Soname: "libfoo.so.1"}},
		{"library needing another", e.libbar, &Object{Class: elf.ELFCLASS64, Machine: elf.EM_X86_64, Type: elf.ET_DYN, Soname: "libbar.so.1", Needed: []string{"libfoo.so.1"}}},
		{"runpath", e.ext, &Object{Class: elf.ELFCLASS64, Machine: elf.EM_X86_64, Type: elf.ET_DYN, Needed: []string{"libbar.so.1"}, RunPath: []string{"$ORIGIN/../foo.libs"}, HasRunPath: true}},
		{"nodefaultlib", e.nodef, &Object{Class: elf.ELFCLASS64, Machine: elf.EM_X86_64, Type: elf.ET_DYN, Needed: []string{"libfoo.so.1"}, NoDefaultLib: true}},
		{"other machine", otherMachine(e.libfoo), &Object{Class: elf.ELFCLASS64, Machine: elf.EM_AARCH64, Type: elf.ET_DYN, Soname: "libfoo.so.1"}},
		{"32-bit, no program headers", elf32(t), &Object{Class: elf.ELFCLASS32, Machine: elf.EM_386, Type: elf.ET_DYN}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseELF(bytes.NewReader(tt.data))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseELF (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("executable", func(t *testing.T) {
		got, err := ParseELF(bytes.NewReader(e.app))
		if err != nil {
			t.Fatal(err)
		}
		if got.Interp == "" || got.Type != elf.ET_DYN && got.Type != elf.ET_EXEC {
			t.Errorf("executable: interp %q, type %v", got.Interp, got.Type)
		}
		if diff := cmp.Diff([]string{"/opt/app/lib"}, got.RPath); diff != "" || got.HasRunPath {
			t.Errorf("rpath (-want +got):\n%s (runpath %v)", diff, got.HasRunPath)
		}
	})
}

func TestParseELFErrors(t *testing.T) {
	e := compile(t)
	tests := []struct {
		name    string
		data    []byte
		wantErr string
	}{
		{"empty", nil, "not an ELF file"},
		{"text", []byte("#!/bin/sh\necho hi\n"), "not an ELF file"},
		{"truncated header", e.libfoo[:20], "parsing ELF: EOF"},
		{"bad class", append([]byte("\x7fELF\x09"), make([]byte, 60)...), "parsing ELF: unknown ELF class 'ELFCLASS64+7' in record at byte 0x0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseELF(bytes.NewReader(tt.data))
			if err == nil {
				t.Fatal("no error")
			}
			if err.Error() != tt.wantErr {
				t.Errorf("error %q, want %q", err, tt.wantErr)
			}
			if errors.Is(err, ErrNotELF) != (tt.wantErr == "not an ELF file") {
				t.Errorf("errors.Is(%q, ErrNotELF) is wrong", err)
			}
		})
	}
}

func FuzzParseELF(f *testing.F) {
	e := compile(f)
	for _, b := range [][]byte{e.libfoo, e.libbar, e.ext, e.app, e.nodef, elf32(f), []byte("\x7fELF")} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		obj, err := ParseELF(bytes.NewReader(b))
		if err == nil && obj == nil {
			t.Fatal("nil object without an error")
		}
	})
}
