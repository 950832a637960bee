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

	"github.com/kabinet/kabinet/internal/smssim"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "sms-sim:", err)
		os.Exit(1)
	}
}

// options are the command-line settings.
type options struct {
	addr     string
	token    string
	failRate float64
	delay    time.Duration
	reply    time.Duration
}

// parseFlags reads the command line; getenv supplies SMSSIM_TOKEN.
func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	token := getenv("SMSSIM_TOKEN")
	if token == "" {
		token = "dev-token"
	}
	var o options
	fs := flag.NewFlagSet("sms-sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:9090", "address to listen on")
	fs.StringVar(&o.token, "token", token, "bearer token senders must present (default from $SMSSIM_TOKEN)")
	fs.Float64Var(&o.failRate, "fail-rate", 0, "share of sends, 0 to 1, answered with 503")
	fs.DurationVar(&o.delay, "delay", 0, "delay before answering each send")
	fs.DurationVar(&o.reply, "reply-delay", 0, "delay between recording a send and answering it")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	switch {
	case fs.NArg() > 0:
		return options{}, fmt.Errorf("unexpected arguments: %q", fs.Args())
	case o.failRate < 0 || o.failRate > 1:
		return options{}, fmt.Errorf("-fail-rate %v is outside 0..1", o.failRate)
	case o.delay < 0:
		return options{}, fmt.Errorf("-delay %v is negative", o.delay)
	case o.reply < 0:
		return options{}, fmt.Errorf("-reply-delay %v is negative", o.reply)
	case o.token == "":
		return options{}, errors.New("-token is empty")
	}
	return o, nil
}

// run serves until ctx ends. When ready is not nil it receives the address
// actually listened on (useful with port 0).
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer, ready chan<- string) error {
	o, err := parseFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	sim := smssim.New(smssim.Config{Token: o.token, Delay: o.delay, ReplyDelay: o.reply, FailRate: o.failRate, Log: stderr})

	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	log.Info("sms-sim listening", "addr", ln.Addr().String(), "send_url", "http://"+ln.Addr().String()+"/send",
		"fail_rate", o.failRate, "delay", o.delay)
	if ready != nil {
		ready <- ln.Addr().String()
	}

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("sms-sim shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("sms-sim stopped")
	return nil
}
