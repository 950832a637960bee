package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/demorp"
)

const demoRPUsage = `usage: kabinet demo-rp -issuer URL [-client-id demo-rp] [-addr 127.0.0.1:8090] [-url URL] < secret
runs the demo's relying party alone: a small site that signs in through a kabinet (its issuer, e.g.
http://127.0.0.1:8080/oidc) with go-oidc and x/oauth2 — code flow with PKCE, ID token, userinfo — and
shows what it received, with a button for each level. The client's secret is read from the first line of
standard input; its redirect URI, registered with kabinet, is the site's URL and /callback. kabinet in
demo mode starts this site itself (KABINET_DEMO_RP_ADDR).
`

// demoRP runs the demo relying party until ctx ends; ready, when given,
// receives its address once it listens.
func demoRP(ctx context.Context, args []string, stdin io.Reader, stderr io.Writer, ready chan<- string) error {
	fs := flag.NewFlagSet("demo-rp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, demoRPUsage) }
	issuer := fs.String("issuer", "", "kabinet's issuer URL")
	clientID := fs.String("client-id", demorp.ClientID, "the site's client ID")
	addr := fs.String("addr", "127.0.0.1:8090", "where the site listens")
	base := fs.String("url", "", "the site's own URL (default: http:// and -addr)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if *issuer == "" || fs.NArg() > 0 {
		fmt.Fprint(stderr, demoRPUsage)
		return errors.New("demo-rp: -issuer is required")
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	secret := strings.TrimSpace(line)
	if secret == "" {
		return errors.New("demo-rp: the client's secret is read from standard input, and it was empty")
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("demo-rp: %w", err)
	}
	if *base == "" {
		*base = "http://" + ln.Addr().String()
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	site := demorp.New(demorp.Config{Issuer: *issuer, ClientID: *clientID, Secret: secret, URL: strings.TrimSuffix(*base, "/"), Logger: log})
	srv := &http.Server{Handler: site.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("demo relying party", "url", *base+"/", "redirect_uri", *base+"/callback", "issuer", *issuer)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
