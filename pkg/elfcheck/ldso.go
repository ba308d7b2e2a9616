package elfcheck

import (
	"bufio"
	"bytes"
	"context"
	"debug/elf"
	"errors"
	"io/fs"
	"path"
	"strings"
)

// triplets are the Debian multiarch directories of a machine
// (https://wiki.debian.org/Multiarch/Tuples), in the order ld.so tries them.
func triplets(class elf.Class, machine elf.Machine) []string {
	switch machine {
	case elf.EM_X86_64:
		if class == elf.ELFCLASS32 {
			return []string{"x86_64-linux-gnux32"}
		}
		return []string{"x86_64-linux-gnu"}
	case elf.EM_386:
		return []string{"i386-linux-gnu"}
	case elf.EM_AARCH64:
		return []string{"aarch64-linux-gnu"}
	case elf.EM_ARM:
		return []string{"arm-linux-gnueabihf", "arm-linux-gnueabi"}
	case elf.EM_PPC64:
		return []string{"powerpc64le-linux-gnu", "powerpc64-linux-gnu"}
	case elf.EM_S390:
		return []string{"s390x-linux-gnu"}
	case elf.EM_RISCV:
		return []string{"riscv64-linux-gnu"}
	case elf.EM_MIPS:
		if class == elf.ELFCLASS64 {
			return []string{"mips64el-linux-gnuabi64"}
		}
		return []string{"mipsel-linux-gnu"}
	case elf.EM_LOONGARCH:
		return []string{"loongarch64-linux-gnu"}
	}
	return nil
}

// platformName is what $PLATFORM expands to (the AT_PLATFORM string).
func platformName(class elf.Class, machine elf.Machine) string {
	switch machine {
	case elf.EM_X86_64:
		return "x86_64"
	case elf.EM_386:
		return "i686"
	case elf.EM_AARCH64:
		return "aarch64"
	case elf.EM_ARM:
		return "v7l"
	case elf.EM_PPC64:
		return "power8"
	case elf.EM_S390:
		return "z13"
	case elf.EM_RISCV:
		return "riscv64"
	}
	return ""
}

// muslArch is the ARCH of musl's /lib/ld-musl-ARCH.so.1 and
// /etc/ld-musl-ARCH.path.
func muslArch(machine elf.Machine) string {
	switch machine {
	case elf.EM_X86_64:
		return "x86_64"
	case elf.EM_386:
		return "i386"
	case elf.EM_AARCH64:
		return "aarch64"
	case elf.EM_ARM:
		return "armhf"
	case elf.EM_PPC64:
		return "powerpc64le"
	case elf.EM_S390:
		return "s390x"
	case elf.EM_RISCV:
		return "riscv64"
	}
	return ""
}

// defaultDirs are glibc's trusted system directories for a machine: the
// multiarch ones of Debian and Ubuntu, lib64 of Fedora and SUSE for 64-bit
// objects, then /lib and /usr/lib (glibc's SYSTEM_DIRS as each distribution
// configures it).
func defaultDirs(class elf.Class, machine elf.Machine) []string {
	var dirs []string
	for _, t := range triplets(class, machine) {
		dirs = append(dirs, "/lib/"+t, "/usr/lib/"+t)
	}
	if class == elf.ELFCLASS64 {
		dirs = append(dirs, "/lib64", "/usr/lib64")
	}
	return append(dirs, "/lib", "/usr/lib")
}

// muslDefaultDirs is musl's search path when /etc/ld-musl-ARCH.path is
// absent (ldso/dynlink.c, sys_path).
var muslDefaultDirs = []string{"/lib", "/usr/local/lib", "/usr/lib"}

// expandTokens expands the dynamic string tokens of ld.so(8) ("Dynamic
// string tokens": $ORIGIN, $LIB, $PLATFORM, also written ${NAME}) in one
// search path entry. $LIB has no single value across distributions, so it
// yields each of its usual values; a relative entry without $ORIGIN depends
// on the process's working directory and yields nothing.
func expandTokens(entry, origin string, class elf.Class, machine elf.Machine) []string {
	libs := []string{"lib"}
	for _, t := range triplets(class, machine) {
		libs = append([]string{"lib/" + t}, libs...)
	}
	if class == elf.ELFCLASS64 {
		libs = append(libs, "lib64")
	}
	values := []string{entry}
	expand := func(name string, with []string) {
		var out []string
		for _, v := range values {
			if !strings.Contains(v, "$"+name) && !strings.Contains(v, "${"+name+"}") {
				out = append(out, v)
				continue
			}
			for _, w := range with {
				r := strings.NewReplacer("${"+name+"}", w, "$"+name, w)
				out = append(out, r.Replace(v))
			}
		}
		values = out
	}
	expand("ORIGIN", []string{origin})
	expand("PLATFORM", []string{platformName(class, machine)})
	expand("LIB", libs)
	var dirs []string
	for _, v := range values {
		if path.IsAbs(v) {
			dirs = append(dirs, path.Clean(v))
		}
	}
	return dirs
}

// maxConfFiles bounds the files that ld.so.conf includes, against loops.
const maxConfFiles = 256

// readLdSoConf returns the directories /etc/ld.so.conf lists, following its
// "include" lines (globs allowed; relative ones are relative to the
// including file's directory, as ldconfig(8) reads them) and skipping
// "hwcap" lines and comments. This is what ldconfig puts in ld.so.cache.
func readLdSoConf(ctx context.Context, fsys FS) ([]string, error) {
	var dirs []string
	seen := map[string]bool{}
	files := 0
	var read func(name string) error
	read = func(name string) error {
		real, err := fsys.Resolve(name)
		if err != nil || seen[real] {
			return nil //nolint:nilerr // an absent file adds nothing, as for ldconfig
		}
		seen[real] = true
		if files++; files > maxConfFiles {
			return errors.New("reading /etc/ld.so.conf: too many included files")
		}
		b, err := fsys.ReadFile(ctx, real)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			line, _, _ := strings.Cut(sc.Text(), "#")
			line = strings.TrimSpace(line)
			switch {
			case line == "":
			case strings.HasPrefix(line, "include") && len(line) > 7 && (line[7] == ' ' || line[7] == '\t'):
				for _, pat := range strings.Fields(line[8:]) {
					if !path.IsAbs(pat) {
						pat = path.Join(path.Dir(name), pat)
					}
					matches, err := glob(fsys, pat)
					if err != nil {
						return err
					}
					for _, m := range matches {
						if err := read(m); err != nil {
							return err
						}
					}
				}
			case strings.HasPrefix(line, "hwcap") && len(line) > 5 && (line[5] == ' ' || line[5] == '\t'):
			default:
				for _, d := range strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' || r == ':' }) {
					d, _, _ = strings.Cut(d, "=") // libc5's "DIR=TYPE"
					if path.IsAbs(d) {
						dirs = append(dirs, path.Clean(d))
					}
				}
			}
		}
		return nil
	}
	if err := read("/etc/ld.so.conf"); err != nil {
		return nil, err
	}
	return dirs, nil
}

// glob matches pat (wildcards in its last element only, as in
// "/etc/ld.so.conf.d/*.conf") against fsys, in sorted order.
func glob(fsys FS, pat string) ([]string, error) {
	dir, base := path.Split(pat)
	if !strings.ContainsAny(base, "*?[") {
		return []string{pat}, nil
	}
	names, err := fsys.ReadDir(dir)
	if err != nil {
		return nil, nil //nolint:nilerr // no directory, no matches
	}
	var out []string
	for _, n := range names {
		ok, err := path.Match(base, n)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, path.Join(dir, n))
		}
	}
	return out, nil
}

// readMuslPath returns the directories of /etc/ld-musl-ARCH.path, or nil
// when the file is absent (musl then uses its defaults).
func readMuslPath(ctx context.Context, fsys FS, machine elf.Machine) []string {
	b, err := fsys.ReadFile(ctx, "/etc/ld-musl-"+muslArch(machine)+".path")
	if err != nil {
		return nil
	}
	var dirs []string
	for _, d := range strings.FieldsFunc(string(b), func(r rune) bool { return r == '\n' || r == ':' }) {
		if d = strings.TrimSpace(d); path.IsAbs(d) {
			dirs = append(dirs, path.Clean(d))
		}
	}
	return dirs
}
