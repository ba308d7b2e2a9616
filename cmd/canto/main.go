// Command canto turns a Poetry project into a small, reproducible OCI image.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/canto-build/canto/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
