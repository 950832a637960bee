// Command kabinet-bench is `kabinet bench` on its own:
//
//	go run ./cmd/kabinet-bench [-duration 10s] [-concurrency N] [-db postgres://…]
//
// See internal/bench for the phases and the flags.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/kabinet/kabinet/internal/bench"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := bench.Run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "kabinet:", err)
		os.Exit(1)
	}
}
