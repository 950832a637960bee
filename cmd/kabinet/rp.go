package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/kabinet/kabinet/internal/account"
	"github.com/kabinet/kabinet/internal/app"
	"github.com/kabinet/kabinet/internal/config"
	"github.com/kabinet/kabinet/internal/relyingparty"
)

const rpUsage = `usage: kabinet rp add -id ID -name "NAME" -purpose "WHY" -privacy URL -redirect URI… [options] [-data dir]
       kabinet rp list [-data dir]
add registers a site that signs citizens in through kabinet (an OpenID Connect relying party). For a
site that authenticates with a secret (client_secret_basic, the default, or client_secret_post) the
secret is printed once. Options:
  -name-en, -purpose-en     the English name and purpose (default: the Russian)
  -logo URL                 the logo the consent screen shows
  -post-logout URI          where the site may send a citizen after signing out (repeat for several)
  -backchannel URI          where kabinet posts a logout token when a citizen's session there ends
  -scope SCOPE              a scope the site may ask for (repeat): ` + "%s" + `
  -max-level LEVEL          the highest level it may demand: simplified, standard, confirmed (default)
  -sector HOST              its sector for pairwise subjects (default: the first redirect URI's host)
  -subject pairwise|public  the subject identifier it sees (default pairwise)
  -auth-method METHOD       client_secret_basic, client_secret_post or private_key_jwt
  -jwks-uri URI | -jwks FILE  its public keys, for private_key_jwt
list shows every registered site.
`

// rpFlags are what `kabinet rp` was asked.
type rpFlags struct {
	sub      string
	client   relyingparty.Client
	jwksFile string
}

func parseRP(args []string, stderr io.Writer) (f rpFlags, dataDir string, err error) {
	usage := fmt.Sprintf(rpUsage, strings.Join(relyingparty.Scopes, ", "))
	if len(args) == 0 || (args[0] != "add" && args[0] != "list") {
		fmt.Fprint(stderr, usage)
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			return f, "", flag.ErrHelp
		}
		return f, "", errors.New("rp: add or list (kabinet rp -h)")
	}
	f.sub = args[0]
	fs := flag.NewFlagSet("rp "+f.sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	data := fs.String("data", "", "data directory (KABINET_DATA_DIR)")
	c := &f.client
	if f.sub == "add" {
		list := func(to *[]string) func(string) error {
			return func(v string) error { *to = append(*to, v); return nil }
		}
		fs.StringVar(&c.ID, "id", "", "the client ID")
		fs.StringVar(&c.Name.RU, "name", "", "the site's name, in Russian")
		fs.StringVar(&c.Name.EN, "name-en", "", "the site's name, in English")
		fs.StringVar(&c.Purpose.RU, "purpose", "", "why the site asks for data, in Russian")
		fs.StringVar(&c.Purpose.EN, "purpose-en", "", "why the site asks for data, in English")
		fs.StringVar(&c.LogoURL, "logo", "", "the site's logo")
		fs.StringVar(&c.PrivacyURL, "privacy", "", "the site's privacy policy")
		fs.Func("redirect", "a redirect URI (repeat for several)", list(&c.RedirectURIs))
		fs.Func("post-logout", "a post-logout redirect URI (repeat)", list(&c.PostLogoutURIs))
		fs.StringVar(&c.BackchannelLogoutURI, "backchannel", "", "the back-channel logout URI")
		fs.Func("scope", "a scope the site may ask for (repeat)", list(&c.Scopes))
		fs.Func("max-level", "the highest level it may demand", func(v string) error { c.MaxLevel = account.Level(v); return nil })
		fs.StringVar(&c.Sector, "sector", "", "the sector for pairwise subjects")
		fs.Func("subject", "pairwise or public", func(v string) error { c.SubjectType = relyingparty.SubjectType(v); return nil })
		fs.Func("auth-method", "how the site authenticates", func(v string) error { c.AuthMethod = relyingparty.AuthMethod(v); return nil })
		fs.StringVar(&c.JWKSURI, "jwks-uri", "", "the address of the site's public keys")
		fs.StringVar(&f.jwksFile, "jwks", "", "a file of the site's public keys (a JWK Set)")
	}
	if err := fs.Parse(args[1:]); err != nil {
		return f, "", err
	}
	if fs.NArg() > 0 {
		return f, "", fmt.Errorf("rp: unexpected arguments %q (kabinet rp -h)", fs.Args())
	}
	return f, *data, nil
}

func rpCommand(ctx context.Context, cfg config.Config, f rpFlags, stdout, stderr io.Writer) (err error) {
	if f.jwksFile != "" {
		b, err := os.ReadFile(f.jwksFile)
		if err != nil {
			return fmt.Errorf("rp add: -jwks: %w", err)
		}
		f.client.JWKS = string(b)
	}
	a, err := app.OpenRelyingParties(ctx, cfg, stderr)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, a.Close()) }()
	if f.sub == "list" {
		list, err := a.List(ctx)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(w, "CLIENT ID\tNAME\tSCOPES\tMAX LEVEL\tSUBJECT\tSTATE")
		for _, c := range list {
			state := "active"
			if c.Disabled {
				state = "disabled"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Name.RU, strings.Join(c.Scopes, " "), c.MaxLevel, c.SubjectType, state)
		}
		return w.Flush()
	}
	c, secret, err := a.Bootstrap(ctx, f.client)
	if err != nil {
		return explainFor("rp add", err, map[string]string{"name.ru": "name", "name.en": "name-en", "purpose.ru": "purpose",
			"purpose.en": "purpose-en", "logo_url": "logo", "privacy_url": "privacy", "redirect_uris": "redirect",
			"post_logout_redirect_uris": "post-logout", "backchannel_logout_uri": "backchannel", "scopes": "scope", "max_level": "max-level",
			"subject_type": "subject", "auth_method": "auth-method", "jwks_uri": "jwks-uri"})
	}
	fmt.Fprintf(stdout, "registered %s: scopes %s, at most %s, %s subjects in sector %s\n", c.ID, strings.Join(c.Scopes, " "), c.MaxLevel, c.SubjectType, c.Sector)
	fmt.Fprintf(stdout, "issuer: %s/oidc\n", strings.TrimSuffix(cfg.Server.BaseURL, "/"))
	if secret != "" {
		fmt.Fprintf(stdout, "client secret (%s; shown once, keep it): %s\n", c.AuthMethod, secret)
	}
	return nil
}
