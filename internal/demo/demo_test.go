package demo_test

import (
	"testing"

	. "github.com/kabinet/kabinet/internal/demo"
	"github.com/kabinet/kabinet/internal/password"
)

// The demo password must pass the rules it shows to newcomers.
func TestDemoPasswordPassesTheRules(t *testing.T) {
	if err := password.Validate(Password, Password, "Анна", "Демонстрационная", Phone); err != nil {
		t.Fatalf("demo password refused by the password rules: %v", err)
	}
}
