// Command canto turns a Poetry project into a small, reproducible OCI image.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/canto-build/canto/internal/cli"
	"github.com/canto-build/canto/pkg/sandbox"
)

func main() {
	// When canto re-runs itself as the init of a build sandbox, Init takes
	// over and never returns; otherwise it returns at once.
	sandbox.Init()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
