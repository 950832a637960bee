package letterpdf

import (
	"bytes"
	"fmt"

	"github.com/johnfercher/maroto/v2"
	"github.com/johnfercher/maroto/v2/pkg/components/code"
	"github.com/johnfercher/maroto/v2/pkg/components/col"
	"github.com/johnfercher/maroto/v2/pkg/components/page"
	"github.com/johnfercher/maroto/v2/pkg/components/row"
	"github.com/johnfercher/maroto/v2/pkg/components/text"
	"github.com/johnfercher/maroto/v2/pkg/config"
	"github.com/johnfercher/maroto/v2/pkg/consts/fontstyle"
	"github.com/johnfercher/maroto/v2/pkg/consts/pagesize"
	"github.com/johnfercher/maroto/v2/pkg/core"
	"github.com/johnfercher/maroto/v2/pkg/props"
	"github.com/johnfercher/maroto/v2/pkg/repository"
	"golang.org/x/image/font/sfnt"
)

// The page, in millimetres from the sheet's edges. A4 folded in three goes
// into a DL (E65, 110×220 mm) envelope whose window is on the right, about
// 90×45 mm, showing the sheet from x ≈ 105 mm and y ≈ 45 mm. The sender
// block is in the top-left corner, the addressee block in the right half
// from y = 45 mm to 85 mm: both in the top third, above the fold at 99 mm.
const (
	marginLeft, marginRight, marginTop, marginBottom = 20.0, 15.0, 12.0, 10.0

	pageHeight  = 297.0
	usable      = pageHeight - marginTop - marginBottom
	halfWidth   = (210.0 - marginLeft - marginRight) / 2 // six of maroto's twelve columns
	slack       = 2.0                                    // room for rounding between our measure and the engine's
	senderWidth = halfWidth - slack
	blockWidth  = halfWidth - slack // the addressee block
	bodyWidth   = 2*halfWidth - slack
	codeWidth   = 2*halfWidth*8/12 - slack // the code's column, beside the QR code's

	senderHeight    = 45.0 - marginTop - 3 // ends 3 mm above the addressee block
	recipientTop    = 45.0
	recipientHeight = 42.0
	recipientGap    = 1.0  // between the addressee's name and the address
	qrSize          = 38.0 // at least 30 mm, so a phone reads it from a hand's length
	codeBlockHeight = 44.0

	sizeSender, sizeRecipient, sizeAddress = 9.0, 12.0, 11.0
	sizeHeading, sizeBody, sizeNote        = 16.0, 11.0, 9.0
	sizeCode, sizeFooter                   = 28.0, 7.0

	maxSenderLines    = 6
	maxRecipientLines = 3
)

// lineHeight is the distance between two lines' baselines at size points.
func lineHeight(size float64) float64 { return size * mmPerPt * 1.25 }

// Font families as registered with the engine.
const (
	familySans = "go"
	familyMono = "gomono"
)

var grey = &props.Color{Red: 90, Green: 90, Blue: 90}

// Render returns one PDF with a page for each letter, in order. The sender
// and every letter are checked first (see Validate); the first that fails
// is returned as an *Error naming the letter's index and ID, and no PDF.
func Render(s Sender, letters []Letter) (pdf []byte, err error) {
	// The engine panics on some inputs it does not expect (gofpdf indexes
	// arrays by rune, for one); that would be a bug here, but it must not
	// take the post operator's server down.
	defer func() {
		if r := recover(); r != nil {
			pdf, err = nil, &Error{Letter: -1, Reason: ReasonRender, Err: fmt.Errorf("panic: %v", r)}
		}
	}()
	fs, err := loadFaces()
	if err != nil {
		return nil, &Error{Letter: -1, Reason: ReasonRender, Err: err}
	}
	if err := checkBatch(letters); err != nil {
		return nil, err
	}
	snd, err := prepareSender(fs, s)
	if err != nil {
		return nil, err
	}
	pages := make([]core.Page, 0, len(letters))
	for i, l := range letters {
		p, err := prepare(fs, l)
		if err == nil {
			var pg core.Page
			pg, err = layout(fs, snd, p)
			pages = append(pages, pg)
		}
		if err != nil {
			return nil, inLetter(err, i, l.ID)
		}
	}
	return generate(fs, pages)
}

func checkBatch(letters []Letter) error {
	switch {
	case len(letters) == 0:
		return &Error{Letter: -1, Reason: ReasonEmptyBatch}
	case len(letters) > MaxBatch:
		return &Error{Letter: -1, Reason: ReasonBatchSize, Detail: fmt.Sprint(MaxBatch)}
	}
	seen := make(map[string]int, len(letters))
	for i, l := range letters {
		id, err := checkID("id", l.ID)
		if err != nil {
			return inLetter(err, i, l.ID)
		}
		if j, ok := seen[id]; ok {
			return &Error{Letter: i, LetterID: id, Field: "id", Reason: ReasonDuplicateID, Detail: fmt.Sprint(j)}
		}
		seen[id] = i
	}
	return nil
}

func generate(fs *faces, pages []core.Page) ([]byte, error) {
	// Each render gets its own copy of the font files: gofpdf writes into
	// them when it subsets a font (utf8FontFile.generateChecksum), so two
	// renders sharing the embedded bytes race (seen under -race).
	fonts, err := repository.New().
		AddUTF8FontFromBytes(familySans, fontstyle.Normal, bytes.Clone(fs.regular.ttf)).
		AddUTF8FontFromBytes(familySans, fontstyle.Bold, bytes.Clone(fs.bold.ttf)).
		AddUTF8FontFromBytes(familyMono, fontstyle.Bold, bytes.Clone(fs.monoBold.ttf)).
		Load()
	if err != nil {
		return nil, &Error{Letter: -1, Reason: ReasonRender, Err: err}
	}
	cfg := config.NewBuilder().
		WithPageSize(pagesize.A4).
		WithLeftMargin(marginLeft).WithRightMargin(marginRight).
		WithTopMargin(marginTop).WithBottomMargin(marginBottom).
		WithCustomFonts(fonts).
		WithDefaultFont(&props.Font{Family: familySans, Size: sizeBody}).
		WithCompression(true).
		WithTitle("Письма с кодом подтверждения личности", true).
		Build()
	m := maroto.New(cfg)
	m.AddPages(pages...)
	doc, err := m.Generate()
	if err != nil {
		return nil, &Error{Letter: -1, Reason: ReasonRender, Err: err}
	}
	return doc.GetBytes(), nil
}

// block is a list of rows and their total height.
type block struct {
	rows   []core.Row
	height float64
}

func (b *block) add(h float64, cols ...core.Col) {
	b.rows = append(b.rows, row.New(h).Add(cols...))
	b.height += h
}

// lines adds text lines, one under another, to c from top, and returns the
// height they take.
func lines(c core.Col, top float64, ls []string, p props.Text) float64 {
	lh := lineHeight(p.Size)
	for i, l := range ls {
		p := p
		p.Top = top + float64(i)*lh
		c.Add(text.New(l, p))
	}
	return float64(len(ls)) * lh
}

func sans(size float64, style fontstyle.Type) props.Text {
	return props.Text{Family: familySans, Style: style, Size: size}
}

// layout builds the page of one letter and checks that it fits.
func layout(fs *faces, s *sender, l *letter) (core.Page, error) {
	var buf sfnt.Buffer
	var b block
	wrap := func(s string) []string { return fs.regular.wrap(&buf, s, sizeBody, bodyWidth) }

	// The sender, top left.
	sc := col.New(6)
	lines(sc, 0, s.lines[:s.bold], sans(sizeSender, fontstyle.Bold))
	lines(sc, float64(s.bold)*lineHeight(sizeSender), s.lines[s.bold:], sans(sizeSender, fontstyle.Normal))
	b.add(senderHeight, sc, col.New(6))
	b.add(recipientTop-marginTop-senderHeight, col.New(12))

	// The addressee, in the envelope's window.
	rc := col.New(6)
	h := lines(rc, 0, l.recipient, sans(sizeRecipient, fontstyle.Bold))
	lines(rc, h+recipientGap, l.address, sans(sizeAddress, fontstyle.Normal))
	b.add(recipientHeight, col.New(6), rc)
	b.add(100-recipientTop-recipientHeight, col.New(12)) // below the first fold

	paragraph := func(ls []string, after float64) {
		c := col.New(12)
		h := lines(c, 0, ls, sans(sizeBody, fontstyle.Normal))
		b.add(h+after, c)
	}
	hc := col.New(12)
	lines(hc, 0, []string{"Код подтверждения личности"}, sans(sizeHeading, fontstyle.Bold))
	b.add(lineHeight(sizeHeading)+3, hc)
	paragraph(wrap("Здравствуйте! "+longDate(l.orderedAt)+" вы заказали это письмо, чтобы подтвердить "+
		"свою личность. Когда вы введёте код из письма, ваша учётная запись станет подтверждённой "+
		"и вам будут доступны все услуги портала."), 2.5)
	paragraph(wrap("Как ввести код: войдите в личный кабинет на сайте "+l.siteURL+", откройте раздел "+
		"«Подтверждение личности» и введите код. Или наведите камеру телефона на QR-код: откроется "+
		"страница подтверждения, где код уже вписан, — останется войти и подтвердить."), 4)

	// The code, large, beside the QR code.
	if w := fs.monoBold.width(&buf, l.code, sizeCode); w > codeWidth {
		return nil, fieldErr("code", ReasonTooLong, fmt.Sprint(MaxCodeLen))
	}
	cc := col.New(8)
	top := lines(cc, 0, []string{"Ваш код:"}, sans(sizeBody, fontstyle.Normal)) + 1
	top += lines(cc, top, []string{l.code}, props.Text{Family: familyMono, Style: fontstyle.Bold, Size: sizeCode}) + 1
	note := fs.regular.wrap(&buf, "В коде только цифры и заглавные латинские буквы, которые не спутать: "+
		"в нём не бывает 0 и O, 1, I и L, 2 и Z, 5 и S, 8 и B, U и V.", sizeNote, codeWidth)
	top += lines(cc, top, note, sans(sizeNote, fontstyle.Normal)) + 2
	lines(cc, top, []string{"Код действителен до " + longDate(l.validUntil)}, sans(sizeBody, fontstyle.Bold))
	qc := col.New(4).Add(code.NewQr(l.confirmURL, props.Rect{Percent: qrSize / codeBlockHeight * 100, Center: true}))
	b.add(codeBlockHeight, cc, qc)
	b.add(4, col.New(12))

	help := "обратитесь в службу поддержки на сайте " + l.siteURL + "."
	if s.support != "" {
		help = "позвоните в службу поддержки: " + s.support + "."
	}
	paragraph(wrap("Если вы не заказывали это письмо, не вводите код: воспользоваться им можно только "+
		"из вашего личного кабинета. Если вы думаете, что кто-то вошёл в кабинет от вашего имени, "+
		"смените пароль и "+help), 2.5)
	paragraph(wrap("Код можно ввести один раз. Если письмо потерялось или срок кода истёк, закажите "+
		"новое письмо в личном кабинете: прежний код тогда перестанет действовать."), 0)

	// The letter's number at the foot of the page, for the post operator.
	footer := lineHeight(sizeFooter) + 1
	rest := usable - b.height - footer - 0.5
	if rest < 0 {
		return nil, &Error{Letter: -1, Reason: ReasonOverflow}
	}
	b.add(rest, col.New(12))
	fc := col.New(12)
	fp := sans(sizeFooter, fontstyle.Normal)
	fp.Color = grey
	lines(fc, 0, []string{"Письмо № " + l.id + " · заказано " + shortDate(l.orderedAt)}, fp)
	b.add(footer, fc)
	return page.New().Add(b.rows...), nil
}
