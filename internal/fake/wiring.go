package fake

import (
	"crypto/rand"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/kabinet/kabinet/internal/flow"
	"github.com/kabinet/kabinet/internal/otp"
	"github.com/kabinet/kabinet/internal/throttle"
)

// CodePolicy is the default deployment's code policy (see config): 300 s
// SMS codes, a 60 s cooldown and interval, 5 attempts, 5 codes an hour.
var CodePolicy = flow.CodePolicy{SMSTTL: 300 * time.Second, EmailTTL: 30 * time.Minute, Cooldown: time.Minute, MaxAttempts: 5,
	Interval: time.Minute, PerHour: 5, PerIP5Min: 25, PerIPDay: 100}

// Codes returns the code mechanics over st, with their limiter.
func Codes(st *Store, now func() time.Time, p flow.CodePolicy) (*flow.Codes, *throttle.Limiter) {
	l := throttle.New(st, now, []byte("fake throttle key"))
	return flow.NewCodes(p, otp.NewHasher([]byte("fake otp key")), st, l, rand.Reader), l
}

// IDs returns a source of IDs prefixed with p: p1, p2…
func IDs(p string) func() (string, error) {
	var n atomic.Int64
	return func() (string, error) { return fmt.Sprintf("%s%d", p, n.Add(1)), nil }
}

// Links builds recognisable URLs for every service's Links interface.
type Links struct{}

func (Links) RegistrationLink(flowID, token string) string {
	return "https://k.test/register/" + flowID + "/link/" + token
}
func (Links) RecoveryLink(flowID, token string) string {
	return "https://k.test/recover/" + flowID + "/link/" + token
}
func (Links) ContactLink(flowID, token string) string {
	return "https://k.test/account/contacts/" + flowID + "/link/" + token
}
func (Links) ContactUndoLink(id, token string) string {
	return "https://k.test/account/undo/" + id + "?token=" + token
}
func (Links) SignIn() string       { return "https://k.test/signin" }
func (Links) Recovery() string     { return "https://k.test/recover" }
func (Links) Register() string     { return "https://k.test/register" }
func (Links) PersonalData() string { return "https://k.test/account/personal-data" }
