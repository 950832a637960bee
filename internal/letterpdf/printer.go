package letterpdf

import (
	"time"

	"github.com/kabinet/kabinet/internal/address"
	confirm "github.com/kabinet/kabinet/internal/letter"
)

// Printer prints what the letter service hands out: a batch's sheets as
// the PDF, a batch's letters as the register for the Post.
type Printer struct {
	Sender Sender
	// SiteURL is where a citizen signs in to type the code by hand
	// (the site's address, short).
	SiteURL string
	// RegionName writes a region's code as on an envelope («Калужская
	// обл.»); the code itself when it returns "".
	RegionName func(code string) string
	// Location is where the printed dates are read: the operator's time
	// zone (Moscow), not the server's.
	Location *time.Location
}

// Batch renders the sheets of a print run, one page each, in order.
func (p Printer) Batch(sheets []confirm.Sheet) ([]byte, error) {
	ls := make([]Letter, len(sheets))
	for i, sh := range sheets {
		ls[i] = p.letter(sh.Letter)
		ls[i].Code, ls[i].ConfirmURL = sh.Code, sh.Link
	}
	return Render(p.Sender, ls)
}

// Register returns a batch's register for the Post: CSV, or JSON with
// asJSON. Its date is the day the batch went to the post, or was printed
// when it has not yet.
func (p Printer) Register(b *confirm.Batch, letters []*confirm.Letter, asJSON bool) ([]byte, error) {
	day := b.SentAt
	if day.IsZero() {
		day = b.PrintedAt
	}
	info := BatchInfo{Number: b.ID, Date: day.In(p.location())}
	ls := make([]Letter, len(letters))
	for i, l := range letters {
		ls[i] = p.letter(l)
	}
	if asJSON {
		return RegisterJSON(info, ls)
	}
	return Register(info, ls)
}

func (p Printer) letter(l *confirm.Letter) Letter {
	loc := p.location()
	return Letter{ID: l.ID, Recipient: l.Recipient, Address: p.address(l.Address), SiteURL: p.SiteURL,
		OrderedAt: l.OrderedAt.In(loc), ValidUntil: l.ExpiresAt.In(loc)}
}

func (p Printer) address(a address.Address) Address {
	region := a.Region
	if p.RegionName != nil {
		if name := p.RegionName(a.Region); name != "" {
			region = name
		}
	}
	return Address{Postcode: a.Postcode, Region: region, Locality: a.Locality, Street: a.Street, House: a.House, Building: a.Building, Flat: a.Flat}
}

func (p Printer) location() *time.Location {
	if p.Location == nil {
		return time.UTC
	}
	return p.Location
}
