package letterpdf

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"golang.org/x/image/font/sfnt"

	confirm "github.com/kabinet/kabinet/internal/letter"
)

// Sender is who sends the letters: the operator's name and return address,
// printed in the top-left corner of every page. Support, when set, is how a
// citizen reaches the support service ("8 800 100-00-00"); the letter names
// it for «если вы не заказывали это письмо».
type Sender struct {
	Name    string
	Address []string
	Support string
}

// Address is the postal address a letter goes to. Region is its name as
// written on an envelope («Тамбовская обл.»), not a code. House, Building
// and Flat are written as the citizen gave them; a bare number gets «д.»,
// «корп.» or «кв.» in front of it.
type Address struct {
	Postcode, Region, Locality, Street, House, Building, Flat string
}

// Lines returns the address in the order of the Russian postal rules: the
// street with house, building and flat; the locality; the region (left out
// when it repeats the locality, as for Москва); the postcode last. Empty
// parts are skipped; the parts are trimmed, not otherwise checked.
func (a Address) Lines() []string {
	var street []string
	for _, p := range []struct{ text, prefix string }{
		{a.Street, ""}, {a.House, "д. "}, {a.Building, "корп. "}, {a.Flat, "кв. "},
	} {
		t := strings.TrimSpace(p.text)
		if t == "" {
			continue
		}
		if t[0] >= '0' && t[0] <= '9' {
			t = p.prefix + t
		}
		street = append(street, t)
	}
	var lines []string
	if len(street) > 0 {
		lines = append(lines, strings.Join(street, ", "))
	}
	loc, reg, pc := strings.TrimSpace(a.Locality), strings.TrimSpace(a.Region), strings.TrimSpace(a.Postcode)
	if strings.EqualFold(reg, loc) {
		reg = ""
	}
	for _, l := range []string{loc, reg, pc} {
		if l != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

// Letter is one letter with a confirmation code.
type Letter struct {
	ID         string    // the letter's number, printed small for the post operator's matching
	Recipient  string    // the addressee in the dative: «Иванову Ивану Ивановичу»
	Address    Address   // where it goes
	Code       string    // the confirmation code as the citizen types it: "7KC4-M9TX-3P"
	ConfirmURL string    // the QR code's content: the confirmation page with the code filled in
	SiteURL    string    // where to sign in and type the code by hand
	ValidUntil time.Time // printed as its date in its own location: «действителен до 31 января 2027 г.»
	OrderedAt  time.Time // printed as its date in its own location
}

// Limits on the inputs, in characters (bytes for URLs and the ID).
const (
	MaxBatch         = 1000 // letters in one Render or Register
	MaxNameLen       = 120  // Sender.Name, Letter.Recipient
	MaxPartLen       = 100  // Region, Locality, Street; each Sender.Address line
	MaxHouseLen      = 20   // House, Building, Flat
	MaxSenderLines   = 4    // Sender.Address lines
	MaxSupportLen    = 60
	MaxIDLen         = 40
	MinCodeLen       = 4
	MaxCodeLen       = 16
	MaxSiteURLLen    = 100
	MaxConfirmURLLen = 256 // keeps the QR code at version 12 or less: modules of 0.5 mm and more
)

// letter is a Letter checked, cleaned and wrapped for its page.
type letter struct {
	id, code, siteURL, confirmURL string
	name                          string   // the recipient, cleaned
	addr                          Address  // cleaned
	recipient, address            []string // wrapped lines of the address block
	validUntil, orderedAt         time.Time
}

// Validate checks a letter as Render would, alone: every field, and that its
// text fits its page. The error is an *Error.
func (l Letter) Validate() error {
	fs, err := loadFaces()
	if err != nil {
		return &Error{Letter: -1, Reason: ReasonRender, Err: err}
	}
	p, err := prepare(fs, l)
	if err != nil {
		return err
	}
	// The sender's support line is part of the text; take the longest.
	_, err = layout(fs, &sender{support: strings.Repeat("Ш", MaxSupportLen)}, p)
	return err
}

// Validate checks the sender as Render would. The error is an *Error.
func (s Sender) Validate() error {
	fs, err := loadFaces()
	if err != nil {
		return &Error{Letter: -1, Reason: ReasonRender, Err: err}
	}
	_, err = prepareSender(fs, s)
	return err
}

func prepare(fs *faces, l Letter) (*letter, error) {
	p, err := prepareEnvelope(fs, l)
	if err != nil {
		return nil, err
	}
	p.validUntil, p.orderedAt = l.ValidUntil, l.OrderedAt
	if p.code, err = checkCode(l.Code); err != nil {
		return nil, err
	}
	if p.siteURL, err = checkURL("site_url", l.SiteURL, MaxSiteURLLen); err != nil {
		return nil, err
	}
	if p.confirmURL, err = checkURL("confirm_url", l.ConfirmURL, MaxConfirmURLLen); err != nil {
		return nil, err
	}
	switch {
	case l.OrderedAt.IsZero():
		return nil, fieldErr("ordered_at", ReasonRequired, "")
	case l.ValidUntil.IsZero():
		return nil, fieldErr("valid_until", ReasonRequired, "")
	case !l.ValidUntil.After(l.OrderedAt):
		return nil, fieldErr("valid_until", ReasonDates, "")
	case l.OrderedAt.Year() < 2000 || l.ValidUntil.Year() > 9999:
		return nil, fieldErr("valid_until", ReasonDates, "")
	}
	return p, nil
}

// prepareEnvelope checks what the envelope and the register need: the
// letter's number, the addressee and the address (not the code, which the
// register never holds).
func prepareEnvelope(fs *faces, l Letter) (*letter, error) {
	var buf sfnt.Buffer
	p := &letter{}
	var err error
	if p.id, err = checkID("id", l.ID); err != nil {
		return nil, err
	}
	recipient, err := clean(&buf, "recipient", l.Recipient, MaxNameLen, fs.regular, fs.bold)
	if err != nil {
		return nil, err
	}
	if recipient == "" {
		return nil, fieldErr("recipient", ReasonRequired, "")
	}
	p.name = recipient
	p.recipient = fs.bold.wrap(&buf, recipient, sizeRecipient, blockWidth)
	if len(p.recipient) > maxRecipientLines {
		return nil, fieldErr("recipient", ReasonTooManyLines, fmt.Sprint(maxRecipientLines))
	}
	a, err := cleanAddress(&buf, fs, l.Address)
	if err != nil {
		return nil, err
	}
	p.addr = a
	for _, line := range a.Lines() {
		p.address = append(p.address, fs.regular.wrap(&buf, line, sizeAddress, blockWidth)...)
	}
	// The addressee's lines and the address share the window.
	room := int((recipientHeight - recipientGap - float64(len(p.recipient))*lineHeight(sizeRecipient)) / lineHeight(sizeAddress))
	if len(p.address) > room {
		return nil, fieldErr("address", ReasonTooManyLines, fmt.Sprint(room))
	}
	return p, nil
}

func cleanAddress(buf *sfnt.Buffer, fs *faces, a Address) (Address, error) {
	var out Address
	for _, f := range []struct {
		name     string
		in       string
		out      *string
		max      int
		required bool
	}{
		{"address.region", a.Region, &out.Region, MaxPartLen, false},
		{"address.locality", a.Locality, &out.Locality, MaxPartLen, true},
		{"address.street", a.Street, &out.Street, MaxPartLen, false},
		{"address.house", a.House, &out.House, MaxHouseLen, true},
		{"address.building", a.Building, &out.Building, MaxHouseLen, false},
		{"address.flat", a.Flat, &out.Flat, MaxHouseLen, false},
	} {
		s, err := clean(buf, f.name, f.in, f.max, fs.regular)
		if err != nil {
			return out, err
		}
		if s == "" && f.required {
			return out, fieldErr(f.name, ReasonRequired, "")
		}
		*f.out = s
	}
	pc := strings.Join(strings.Fields(a.Postcode), "")
	switch {
	case pc == "":
		return out, fieldErr("address.postcode", ReasonRequired, "")
	case len(pc) != 6 || strings.Trim(pc, "0123456789") != "":
		return out, fieldErr("address.postcode", ReasonPostcode, "")
	}
	out.Postcode = pc
	return out, nil
}

// checkID checks a letter's or a batch's number.
func checkID(field, id string) (string, error) {
	id = strings.TrimSpace(id)
	switch {
	case id == "":
		return "", fieldErr(field, ReasonRequired, "")
	case len(id) > MaxIDLen:
		return "", fieldErr(field, ReasonTooLong, fmt.Sprint(MaxIDLen))
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._/-", r)) {
			return "", fieldErr(field, ReasonID, fmt.Sprintf("U+%04X", r))
		}
	}
	return id, nil
}

func checkCode(code string) (string, error) {
	code = strings.TrimSpace(code)
	n := len(code)
	switch {
	case n == 0:
		return "", fieldErr("code", ReasonRequired, "")
	case n > MaxCodeLen:
		return "", fieldErr("code", ReasonTooLong, fmt.Sprint(MaxCodeLen))
	}
	for _, r := range code {
		if r != '-' && !strings.ContainsRune(confirm.CodeAlphabet, r) {
			return "", fieldErr("code", ReasonCodeChar, fmt.Sprintf("%q", r))
		}
	}
	if code[0] == '-' || code[n-1] == '-' || strings.Contains(code, "--") ||
		n-strings.Count(code, "-") < MinCodeLen {
		return "", fieldErr("code", ReasonCodeFormat, "")
	}
	return code, nil
}

// checkURL accepts an absolute http or https URL with a host, made of
// printable ASCII (a QR code reader and a citizen typing it both need that).
func checkURL(field, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", fieldErr(field, ReasonRequired, "")
	case len(s) > max:
		return "", fieldErr(field, ReasonTooLong, fmt.Sprint(max))
	}
	for _, r := range s {
		if r <= ' ' || r > '~' {
			return "", fieldErr(field, ReasonURL, "")
		}
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return "", fieldErr(field, ReasonURL, "")
	}
	return s, nil
}

// sender is a Sender checked and cleaned.
type sender struct {
	lines   []string // the block as printed: the name (bold) wrapped, then the address lines wrapped
	bold    int      // how many of lines are the name
	support string
}

func prepareSender(fs *faces, s Sender) (*sender, error) {
	var buf sfnt.Buffer
	out := &sender{}
	name, err := clean(&buf, "sender.name", s.Name, MaxNameLen, fs.regular, fs.bold)
	if err != nil {
		return nil, err
	}
	if name == "" {
		return nil, fieldErr("sender.name", ReasonRequired, "")
	}
	out.lines = fs.bold.wrap(&buf, name, sizeSender, senderWidth)
	out.bold = len(out.lines)
	if len(s.Address) > MaxSenderLines {
		return nil, fieldErr("sender.address", ReasonTooManyLines, fmt.Sprint(MaxSenderLines))
	}
	for _, l := range s.Address {
		c, err := clean(&buf, "sender.address", l, MaxPartLen, fs.regular)
		if err != nil {
			return nil, err
		}
		out.lines = append(out.lines, fs.regular.wrap(&buf, c, sizeSender, senderWidth)...)
	}
	if len(out.lines) == out.bold {
		return nil, fieldErr("sender.address", ReasonRequired, "")
	}
	if len(out.lines) > maxSenderLines {
		return nil, fieldErr("sender", ReasonTooManyLines, fmt.Sprint(maxSenderLines))
	}
	if out.support, err = clean(&buf, "sender.support", s.Support, MaxSupportLen, fs.regular); err != nil {
		return nil, err
	}
	return out, nil
}
