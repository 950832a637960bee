package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/internal/app"
	"github.com/kabinet/kabinet/internal/config"
)

// TestRPCommand: `kabinet rp add` registers a site and prints its secret
// once, which then checks; a wrong flag is named with what is wrong; the
// same ID twice is refused; `rp list` shows the site.
func TestRPCommand(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	add := []string{"rp", "add", "-data", data, "-id", "school-kaluga", "-name", "Электронная школа", "-purpose", "Запись в школу",
		"-privacy", "https://school.kaluga.ru/privacy", "-redirect", "https://school.kaluga.ru/cb", "-scope", "fullname", "-max-level", "standard"}
	var out, errs bytes.Buffer
	err := run(ctx, append(add[:len(add):len(add)], "-redirect", "http://school.kaluga.ru/cb", "-scope", "passwords"), env(nil), &out, &errs)
	if err == nil || !strings.Contains(err.Error(), "-redirect #1: An address must be https") || !strings.Contains(err.Error(), "-scope: No such scope: passwords") {
		t.Fatalf("a bad registration: %v", err)
	}
	out.Reset()
	if err := run(ctx, add, env(nil), &out, &errs); err != nil {
		t.Fatal(err)
	}
	secret := regexp.MustCompile(`client secret \(client_secret_basic; shown once, keep it\): (\S+)`).FindStringSubmatch(out.String())
	if secret == nil || !strings.Contains(out.String(), "registered school-kaluga: scopes openid fullname, at most standard, pairwise subjects in sector school.kaluga.ru") {
		t.Fatalf("output: %s", out.String())
	}
	if err := run(ctx, add, env(nil), &out, &errs); err == nil || !strings.Contains(err.Error(), "already registered") {
		t.Fatalf("the same ID twice: %v", err)
	}
	out.Reset()
	if err := run(ctx, []string{"rp", "list", "-data", data}, env(nil), &out, &errs); err != nil || !strings.Contains(out.String(), "school-kaluga") {
		t.Fatalf("list: %s %v", out.String(), err)
	}
	cfg, err := config.Load(env(map[string]string{"KABINET_DATA_DIR": data}))
	if err != nil {
		t.Fatal(err)
	}
	a, err := app.OpenRelyingParties(ctx, cfg, &errs)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	list, err := a.List(ctx)
	if err != nil || len(list) != 1 || !list[0].CheckSecret(secret[1]) {
		t.Fatalf("the printed secret does not check: %+v %v", list, err)
	}
}
