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
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/registry"
	"github.com/kabinet/kabinet/internal/registrysim"
)

// simOptions are `kabinet registry-sim`'s settings.
type simOptions struct {
	addr      string
	token     string
	data      string // empty: the embedded demo citizens
	demo      bool
	seed      uint64
	behaviour map[registry.ID]registrysim.Behaviour
	// asyncAfter: delays longer than this are answered 202 and collected
	// later, when the caller accepts it.
	asyncAfter time.Duration
}

// outages collects repeated -outage flags.
type outages []string

func (o *outages) String() string     { return strings.Join(*o, " ") }
func (o *outages) Set(v string) error { *o = append(*o, v); return nil }

const simUsage = `usage: kabinet registry-sim [-addr 127.0.0.1:9091] [-data citizens.json] [-demo] [-token T]
       [-delay 2s | -delay sfr=2s,mvd=3d] [-fail-rate 0.1 | sfr=0.5] [-hang-rate 0.1 | fns=1]
       [-outage [mvd=]2026-05-01T10:00:00Z/2026-05-01T12:00:00Z]… [-seed N]
The simulated Social Fund, Ministry of Internal Affairs and Tax Service; see docs/registry-sim.md.
`

// parseSimFlags reads the command line; getenv supplies REGISTRYSIM_TOKEN.
func parseSimFlags(args []string, getenv func(string) string, stderr io.Writer) (simOptions, error) {
	o := simOptions{behaviour: map[registry.ID]registrysim.Behaviour{}}
	token := getenv("REGISTRYSIM_TOKEN")
	if token == "" {
		token = "dev-token"
	}
	var delay, failRate, hangRate string
	var outs outages
	fs := flag.NewFlagSet("registry-sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, simUsage); fs.PrintDefaults() }
	fs.StringVar(&o.addr, "addr", "127.0.0.1:9091", "address to listen on")
	fs.StringVar(&o.token, "token", token, "bearer token callers must present (default from $REGISTRYSIM_TOKEN)")
	fs.StringVar(&o.data, "data", "", "citizens data file (JSON, docs/registry-sim.md); default: the demo citizens")
	fs.BoolVar(&o.demo, "demo", false, "take a citizen who is not in the data file as matching")
	fs.Uint64Var(&o.seed, "seed", 1, "seed of the random source deciding which calls fail or hang")
	fs.StringVar(&delay, "delay", "", "delay before each answer: 250ms, 90s, 48h, 3d; for all registries or per registry: sfr=2s,mvd=3d")
	fs.StringVar(&failRate, "fail-rate", "", "share of calls, 0 to 1, answered 503: 0.1, or sfr=0.5,fns=1")
	fs.StringVar(&hangRate, "hang-rate", "", "share of calls, 0 to 1, never answered until the caller gives up: 0.1, or mvd=1")
	fs.DurationVar(&o.asyncAfter, "async-after", 10*time.Second, "a caller that accepts an answer later (Prefer: respond-async) gets 202 and collects the answer at /requests/{ref} when the delay is longer than this")
	fs.Var(&outs, "outage", "an outage window, FROM/TO in RFC 3339, for all registries or one (mvd=FROM/TO); repeatable")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if o.token == "" {
		return o, errors.New("-token is empty")
	}
	set := func(flagName, v string, apply func(*registrysim.Behaviour, string) error) error {
		if v == "" {
			return nil
		}
		for _, part := range strings.Split(v, ",") {
			ids := registry.IDs
			if id, value, ok := strings.Cut(part, "="); ok {
				if !slices.Contains(registry.IDs, registry.ID(id)) {
					return fmt.Errorf("-%s %s: no registry %q (sfr, mvd or fns)", flagName, v, id)
				}
				ids, part = []registry.ID{registry.ID(id)}, value
			}
			for _, id := range ids {
				b := o.behaviour[id]
				if err := apply(&b, part); err != nil {
					return fmt.Errorf("-%s %s: %w", flagName, v, err)
				}
				o.behaviour[id] = b
			}
		}
		return nil
	}
	rate := func(field func(*registrysim.Behaviour) *float64) func(*registrysim.Behaviour, string) error {
		return func(b *registrysim.Behaviour, v string) error {
			r, err := strconv.ParseFloat(v, 64)
			if err != nil || r < 0 || r > 1 {
				return fmt.Errorf("%q is not a share from 0 to 1", v)
			}
			*field(b) = r
			return nil
		}
	}
	err := errors.Join(
		set("delay", delay, func(b *registrysim.Behaviour, v string) (err error) {
			b.Delay, err = registrysim.ParseDelay(v)
			return err
		}),
		set("fail-rate", failRate, rate(func(b *registrysim.Behaviour) *float64 { return &b.FailRate })),
		set("hang-rate", hangRate, rate(func(b *registrysim.Behaviour) *float64 { return &b.HangRate })),
	)
	for _, out := range outs {
		err = errors.Join(err, set("outage", out, func(b *registrysim.Behaviour, v string) error {
			from, to, ok := strings.Cut(v, "/")
			f, err1 := time.Parse(time.RFC3339, from)
			t, err2 := time.Parse(time.RFC3339, to)
			if !ok || err1 != nil || err2 != nil || !t.After(f) {
				return fmt.Errorf("%q is not FROM/TO, two RFC 3339 times, the second later", v)
			}
			b.Outages = append(b.Outages, registrysim.Window{From: f, To: t})
			return nil
		}))
	}
	return o, err
}

// registrySim serves the registry simulator until ctx ends. When ready is
// not nil it receives the address listened on (useful with port 0).
func registrySim(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer, ready chan<- string) error {
	o, err := parseSimFlags(args, getenv, stderr)
	if err != nil {
		return err
	}
	citizens := registrysim.DemoCitizens()
	if o.data != "" {
		f, err := os.Open(o.data)
		if err != nil {
			return err
		}
		citizens, err = registrysim.ParseCitizens(f)
		f.Close()
		if err != nil {
			return err
		}
	}
	sim, err := registrysim.New(registrysim.Config{Citizens: citizens, Demo: o.demo, Token: o.token, Behaviour: o.behaviour, Seed: o.seed, Log: stderr, AsyncAfter: o.asyncAfter})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	log.Info("registry-sim listening", "url", "http://"+ln.Addr().String(), "citizens", len(citizens), "demo", o.demo)
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
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		// Calls told to hang wait for their callers; do not wait for them.
		_ = srv.Close()
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("registry-sim stopped")
	return nil
}
