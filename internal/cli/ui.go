package cli

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
)

func osGetenv(k string) string { return os.Getenv(k) }

// ui renders messages for people on stderr. Data never goes through it.
type ui struct {
	w       io.Writer
	color   bool
	quiet   bool
	verbose int
}

func (e *env) ui() *ui {
	return &ui{w: e.stderr, color: e.colorEnabled(), quiet: e.opts.quiet, verbose: e.opts.verbose}
}

// colorEnabled follows https://no-color.org: any non-empty NO_COLOR disables
// color, as do --no-color, TERM=dumb and a stderr that is not a terminal.
func (e *env) colorEnabled() bool {
	if e.opts.noColor || e.getenv("NO_COLOR") != "" || e.getenv("TERM") == "dumb" {
		return false
	}
	f, ok := e.stderr.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	if err != nil {
		return false
	}
	return st.Mode()&os.ModeCharDevice != 0
}

func (u *ui) paint(code, s string) string {
	if !u.color {
		return s
	}
	return "\x1b[" + code + "m" + s + "\x1b[0m"
}

// errorf prints an error. A line of the message that starts with "hint: " is
// shown as a hint.
func (u *ui) errorf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	lines := strings.Split(msg, "\n")
	fmt.Fprintf(u.w, "%s %s\n", u.paint("1;31", "error:"), lines[0])
	for _, l := range lines[1:] {
		if rest, ok := strings.CutPrefix(l, "hint: "); ok {
			fmt.Fprintf(u.w, "%s %s\n", u.paint("1;36", "hint:"), rest)
			continue
		}
		fmt.Fprintln(u.w, l)
	}
}

// infof prints progress and status unless --quiet.
func (u *ui) infof(format string, args ...any) {
	if u.quiet {
		return
	}
	fmt.Fprintf(u.w, format+"\n", args...)
}

// logger returns a slog.Logger for library packages: silent at the default
// level, info with -v and debug with -vv.
func (u *ui) logger() *slog.Logger {
	level := slog.LevelWarn
	switch {
	case u.quiet:
		level = slog.LevelError
	case u.verbose == 1:
		level = slog.LevelInfo
	case u.verbose >= 2:
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(u.w, &slog.HandlerOptions{Level: level}))
}
