// Command canto-testindex serves a directory of wheels and sdists as a
// Simple Repository API (PEP 503 HTML and PEP 691 JSON) for canto's offline
// test world. It listens on a loopback address only.
//
//	canto-testindex --dir DIR --addr 127.0.0.1:3141 [--user U --password P | --htpasswd FILE]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/canto-build/canto/internal/testworld/pyindex"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "canto-testindex: "+err.Error())
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stderr io.Writer) error {
	fl := flag.NewFlagSet("canto-testindex", flag.ContinueOnError)
	fl.SetOutput(stderr)
	dir := fl.String("dir", "", "directory of wheels and sdists to serve (required)")
	addr := fl.String("addr", "127.0.0.1:3141", "listen address; must be 127.0.0.1:PORT")
	user := fl.String("user", "", "require HTTP basic auth with this user (with --password)")
	password := fl.String("password", "", "password for --user")
	htpasswd := fl.String("htpasswd", "", "require HTTP basic auth against this htpasswd-style file (plain or {SHA} passwords)")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if fl.NArg() != 0 {
		return fmt.Errorf("unexpected arguments %q", fl.Args())
	}
	if *dir == "" {
		return errors.New("--dir is required")
	}
	host, _, err := net.SplitHostPort(*addr)
	if err != nil {
		return fmt.Errorf("parsing --addr %q: %w", *addr, err)
	}
	if host != "127.0.0.1" {
		return fmt.Errorf("--addr %q: only 127.0.0.1:PORT is allowed\nhint: the test index must not be reachable from other hosts", *addr)
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	opts := []pyindex.Option{pyindex.WithLogger(logger)}
	switch {
	case *htpasswd != "" && (*user != "" || *password != ""):
		return errors.New("--htpasswd and --user/--password cannot be used together")
	case *user != "" && *password == "", *user == "" && *password != "":
		return errors.New("--user and --password go together")
	case *user != "":
		opts = append(opts, pyindex.WithBasicAuth(*user, *password))
	case *htpasswd != "":
		data, err := os.ReadFile(*htpasswd)
		if err != nil {
			return fmt.Errorf("reading --htpasswd: %w", err)
		}
		creds, err := pyindex.ParseHtpasswd(data)
		if err != nil {
			return fmt.Errorf("reading %q: %w", *htpasswd, err)
		}
		opts = append(opts, pyindex.WithCredentials(creds))
	}
	srv, err := pyindex.New(*dir, opts...)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listening on %q: %w", *addr, err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	logger.Info("serving", "dir", *dir, "url", "http://"+ln.Addr().String()+"/simple/", "auth", *user != "" || *htpasswd != "")
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return hs.Shutdown(shutdownCtx)
	}
}
