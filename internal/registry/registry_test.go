package registry_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/kabinet/kabinet/internal/registry"
)

func TestErrorKinds(t *testing.T) {
	tests := []struct {
		name                 string
		err                  error
		temporary, permanent bool
		cause                error
	}{
		{"timeout", &registry.Error{Registry: registry.MVD, Temporary: true, Err: context.DeadlineExceeded}, true, false, context.DeadlineExceeded},
		{"503 wrapped", fmt.Errorf("check: %w", &registry.Error{Registry: registry.SFR, Temporary: true, Detail: "503"}), true, false, nil},
		{"malformed", &registry.Error{Registry: registry.FNS, Detail: "422 snils: 11 digits"}, false, true, nil},
		{"other error", errors.New("boom"), false, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errors.Is(tt.err, registry.ErrTemporary); got != tt.temporary {
				t.Errorf("Is(ErrTemporary) = %v, want %v", got, tt.temporary)
			}
			if got := errors.Is(tt.err, registry.ErrPermanent); got != tt.permanent {
				t.Errorf("Is(ErrPermanent) = %v, want %v", got, tt.permanent)
			}
			if tt.cause != nil && !errors.Is(tt.err, tt.cause) {
				t.Errorf("%v does not wrap %v", tt.err, tt.cause)
			}
		})
	}
	var e *registry.Error
	if err := fmt.Errorf("x: %w", &registry.Error{Registry: registry.MVD, Temporary: true, Detail: "503 outage"}); !errors.As(err, &e) || e.Registry != registry.MVD ||
		err.Error() != "x: registry mvd: temporary error: 503 outage" {
		t.Errorf("message: %v", err)
	}
}
