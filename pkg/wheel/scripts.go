package wheel

import (
	"bytes"
	"fmt"
	"strings"
)

// maxSimpleShebang is the longest "#!interpreter args\n" line written as a
// plain shebang; Linux truncates longer ones (BINPRM_BUF_SIZE was 128 before
// 5.1). Longer interpreters, or ones with spaces, use the /bin/sh trampoline
// pypa/installer and distlib write.
const maxSimpleShebang = 127

// shebang builds the first line(s) of a script run by interpreter, with
// optional interpreter arguments.
func shebang(interpreter, args string) string {
	line := "#!" + interpreter
	if args != "" {
		line += " " + args
	}
	if !strings.ContainsAny(interpreter, " \t") && len(line)+1 <= maxSimpleShebang {
		return line + "\n"
	}
	// /bin/sh runs the second line, which re-executes this file with the
	// interpreter; Python then sees "''' ... '''" as a harmless string.
	exec := shellQuote(interpreter)
	if args != "" {
		exec += " " + args
	}
	return "#!/bin/sh\n'''exec' " + exec + " \"$0\" \"$@\"\n' '''\n"
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'"
}

// rewriteShebang returns the replacement for a script's first line when it
// is "#!python" or "#!pythonw" (optionally followed by a version such as
// "3.11" and by interpreter arguments), as the binary distribution format
// asks ("Spread", step 2: "update scripts starting with #!python to point
// to the correct interpreter"). On POSIX "pythonw" is plain python, as pip
// and pypa/installer treat it. ok is false when the line is not such a
// shebang and the script must be left alone.
func rewriteShebang(line []byte, interpreter string) (out []byte, ok bool) {
	rest, found := bytes.CutPrefix(line, []byte("#!python"))
	if !found {
		return nil, false
	}
	rest = bytes.TrimSuffix(rest, []byte("\n"))
	rest = bytes.TrimSuffix(rest, []byte("\r"))
	rest = bytes.TrimPrefix(rest, []byte("w"))
	rest = bytes.TrimLeft(rest, "0123456789.")
	if len(rest) > 0 && rest[0] != ' ' && rest[0] != '\t' {
		return nil, false // e.g. "#!pythonista": not a python shebang
	}
	args := strings.Join(strings.Fields(string(rest)), " ")
	s := shebang(interpreter, args)
	if !bytes.HasSuffix(line, []byte("\n")) {
		s = strings.TrimSuffix(s, "\n")
	}
	return []byte(s), true
}

// launcher is the POSIX launcher script for a console or GUI entry point,
// the same program pip (through distlib) and pypa/installer write: it
// imports the object, strips a Windows launcher's suffix from argv[0] and
// exits with the callable's return value.
func launcher(interpreter string, ep EntryPoint) []byte {
	importName, _, _ := strings.Cut(ep.Attr, ".")
	return []byte(shebang(interpreter, "") + fmt.Sprintf(`# -*- coding: utf-8 -*-
import re
import sys
from %s import %s
if __name__ == '__main__':
    sys.argv[0] = re.sub(r'(-script\.pyw|\.exe)?$', '', sys.argv[0])
    sys.exit(%s())
`, ep.Module, importName, ep.Attr))
}

// validScriptName reports whether an entry point name can be a file in the
// scripts directory.
func validScriptName(name string) bool {
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, `/\`) {
		return false
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}
