package app_test

import (
	"context"
	"net/http/httptest"
	"reflect"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/config"
	"github.com/kabinet/kabinet/internal/registry"
	"github.com/kabinet/kabinet/internal/registrysim"
)

// TestDemoRegistries: demo mode reaches its in-process registry simulator
// over HTTP, knows the demo people and takes a newcomer as matching; a
// configured KABINET_REGISTRY_URL is used instead, and there an unknown
// SNILS is unknown.
func TestDemoRegistries(t *testing.T) {
	sim, err := registrysim.New(registrysim.Config{Citizens: registrysim.DemoCitizens(), Token: "ext"})
	if err != nil {
		t.Fatal(err)
	}
	external := httptest.NewServer(sim)
	t.Cleanup(external.Close)

	born := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	maria := registry.SNILSQuery{SNILS: "234-567-890 99", Person: registry.Person{Surname: "Волкова", Name: "Мария", Patronymic: "Игоревна", BirthDate: born("1991-02-10"), Gender: registry.Female}}
	newcomer := registry.SNILSQuery{SNILS: "100-200-300 11", Person: registry.Person{Surname: "Новенький", Name: "Олег", BirthDate: born("2001-05-05"), Gender: registry.Male}}
	tests := []struct {
		name          string
		mutate        func(*config.Config)
		maria, newbie registry.SNILSResult
	}{
		{"in-process simulator", nil, registry.SNILSMismatch, registry.SNILSMatches},
		{"configured registries", func(c *config.Config) { c.Registry.URL, c.Registry.Token = external.URL, "ext" }, registry.SNILSMismatch, registry.SNILSUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.mutate)
			if h.app.Registries == nil {
				t.Fatal("no registries in demo mode")
			}
			if tt.mutate != nil && h.app.Config.Registry.URL != external.URL {
				t.Errorf("registry URL %q, want the configured %q", h.app.Config.Registry.URL, external.URL)
			}
			ctx := context.Background()
			got, err := h.app.Registries.CheckSNILS(ctx, maria)
			if want := (registry.SNILSAnswer{Result: tt.maria, Mismatch: []registry.Field{registry.FieldSurname}}); err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("Волкова: %+v, %v; want %+v", got, err, want)
			}
			if got, err := h.app.Registries.CheckSNILS(ctx, newcomer); err != nil || got.Result != tt.newbie {
				t.Errorf("a newcomer: %+v, %v; want %s", got, err, tt.newbie)
			}
		})
	}
}
