package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/kabinet/kabinet/internal/app"
	"github.com/kabinet/kabinet/internal/config"
	"github.com/kabinet/kabinet/internal/i18n"
	"github.com/kabinet/kabinet/internal/problem"
	"github.com/kabinet/kabinet/internal/staff"
)

const staffUsage = `usage: kabinet staff add -login LOGIN -name "NAME" [-role administrator] [-center ID]… [-password-stdin] [-data dir]
       kabinet staff list [-data dir]
add creates a staff member — the first administrator of a new deployment, or anyone when the console
is out of reach. Without -password-stdin a temporary password is printed once; at the first sign-in at
/staff the member sets up an authenticator app (a QR code) and, for a temporary password, chooses a new
one. list shows every member's login, roles, centers and state.
`

// staffFlags are what `kabinet staff` was asked.
type staffFlags struct {
	sub, login, name, role string
	centers                []string
	passwordStdin          bool
}

func parseStaff(args []string, stderr io.Writer) (f staffFlags, dataDir string, err error) {
	if len(args) == 0 || (args[0] != "add" && args[0] != "list") {
		fmt.Fprint(stderr, staffUsage)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			return f, "", flag.ErrHelp
		}
		return f, "", errors.New("staff: add or list (kabinet staff -h)")
	}
	f.sub = args[0]
	fs := flag.NewFlagSet("staff "+f.sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, staffUsage) }
	data := fs.String("data", "", "data directory (KABINET_DATA_DIR)")
	if f.sub == "add" {
		fs.StringVar(&f.login, "login", "", "the member's login")
		fs.StringVar(&f.name, "name", "", "the member's name, shown to colleagues")
		fs.StringVar(&f.role, "role", staff.RoleAdministrator, "the role")
		fs.Func("center", "a service center the member works at (repeat for several)", func(v string) error {
			f.centers = append(f.centers, v)
			return nil
		})
		fs.BoolVar(&f.passwordStdin, "password-stdin", false, "read the member's own password from the first line of standard input")
	}
	if err := fs.Parse(args[1:]); err != nil {
		return f, "", err
	}
	if fs.NArg() > 0 {
		return f, "", fmt.Errorf("staff: unexpected arguments %q (kabinet staff -h)", fs.Args())
	}
	return f, *data, nil
}

func staffCommand(ctx context.Context, cfg config.Config, f staffFlags, stdin io.Reader, stdout, stderr io.Writer) (err error) {
	s, err := app.OpenStaff(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, s.Close()) }()
	if f.sub == "list" {
		list, err := s.List(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(w, "LOGIN\tROLES\tCENTERS\tSTATE")
		for _, m := range list {
			state := "active"
			switch {
			case m.Disabled():
				state = "disabled"
			case !m.Enrolled():
				state = "awaiting first sign-in"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", m.Login, strings.Join(m.Roles, ","), strings.Join(m.Centers, ","), state)
		}
		return w.Flush()
	}
	pw := ""
	if f.passwordStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		if pw = strings.TrimRight(line, "\r\n"); pw == "" {
			return errors.New("staff add: -password-stdin read an empty line")
		}
	}
	m, temp, err := s.Bootstrap(ctx, staff.NewMember{Login: f.login, Name: f.name, Roles: []string{f.role}, Centers: f.centers}, pw, "", s.Exists)
	if err != nil {
		return explain(err)
	}
	fmt.Fprintf(stdout, "created %s (%s)\n", m.Login, strings.Join(m.Roles, ","))
	if temp != "" {
		fmt.Fprintf(stdout, "temporary password: %s\n", temp)
	}
	fmt.Fprintf(stdout, "sign in at %s/staff to set up the authenticator app\n", cfg.Server.BaseURL)
	return nil
}

// explain writes a refusal's field messages in English for the terminal.
func explain(err error) error {
	return explainFor("staff add", err, map[string]string{"roles": "role", "centers": "center"})
}

// explainFor writes a refusal's field messages in English for the
// terminal, each after its flag (flags names the flags of fields named
// otherwise; a list's item, "field[2]", is its field's).
func explainFor(cmd string, err error, flags map[string]string) error {
	pe, ok := problem.As(err)
	if !ok {
		return err
	}
	cat, cerr := i18n.Load()
	if cerr != nil {
		return err
	}
	t := cat.For(i18n.EN)
	var lines []string
	for _, f := range pe.Fields {
		field, item, _ := strings.Cut(f.Field, "[")
		flagName := field
		if n, ok := flags[field]; ok {
			flagName = n
		}
		if item != "" {
			flagName += " #" + strings.TrimSuffix(item, "]")
		}
		lines = append(lines, "-"+flagName+": "+t.Msg(f.Message))
	}
	if len(lines) == 0 {
		lines = append(lines, t.Msg(pe.Message))
	}
	return errors.New(cmd + ": " + strings.Join(lines, "; "))
}
