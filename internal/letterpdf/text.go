package letterpdf

import (
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomonobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"golang.org/x/text/unicode/norm"
)

// face is one of the embedded fonts: its TTF bytes for the PDF and its
// parsed form for measuring text before it is drawn.
type face struct {
	ttf  []byte
	font *sfnt.Font
	upem float64
}

type faces struct{ regular, bold, monoBold *face }

var loadFaces = sync.OnceValues(func() (*faces, error) {
	var fs faces
	for _, f := range []struct {
		dst **face
		ttf []byte
	}{{&fs.regular, goregular.TTF}, {&fs.bold, gobold.TTF}, {&fs.monoBold, gomonobold.TTF}} {
		parsed, err := sfnt.Parse(f.ttf)
		if err != nil {
			return nil, err
		}
		*f.dst = &face{ttf: f.ttf, font: parsed, upem: float64(parsed.UnitsPerEm())}
	}
	return &fs, nil
})

// mmPerPt converts a font size in points to millimetres.
const mmPerPt = 25.4 / 72

// has reports whether the face has a glyph for r.
func (f *face) has(buf *sfnt.Buffer, r rune) bool {
	i, err := f.font.GlyphIndex(buf, r)
	return err == nil && i != 0
}

// width is s's width in millimetres at size points, summed from the glyphs'
// advances as the PDF engine does (no kerning).
func (f *face) width(buf *sfnt.Buffer, s string, size float64) float64 {
	var units float64
	for _, r := range s {
		i, err := f.font.GlyphIndex(buf, r)
		if err != nil {
			continue
		}
		// At ppem = units per em the advance comes back in font units.
		adv, err := f.font.GlyphAdvance(buf, i, fixed.Int26_6(f.upem*64), font.HintingNone)
		if err != nil {
			continue
		}
		units += float64(adv) / 64
	}
	return units / f.upem * size * mmPerPt
}

// wrap breaks s into lines no wider than width mm at size points: at spaces,
// and inside a word only when the word alone is too wide (a long URL).
func (f *face) wrap(buf *sfnt.Buffer, s string, size, width float64) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		try := word
		if line != "" {
			try = line + " " + word
		}
		if f.width(buf, try, size) <= width {
			line = try
			continue
		}
		if line != "" {
			lines = append(lines, line)
			line = ""
		}
		for f.width(buf, word, size) > width {
			n := f.fit(buf, word, size, width)
			lines = append(lines, word[:n])
			word = word[n:]
		}
		line = word
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// fit returns the length in bytes of the longest prefix of word (at least
// one rune) no wider than width.
func (f *face) fit(buf *sfnt.Buffer, word string, size, width float64) int {
	n := 0
	for i, r := range word {
		end := i + utf8.RuneLen(r)
		if n > 0 && f.width(buf, word[:end], size) > width {
			break
		}
		n = end
	}
	return n
}

// clean returns s as it is printed: NFC (so «Ё» typed as Е and a combining
// diaeresis is one glyph), every run of white space one space, trimmed. It
// refuses invalid UTF-8, control and invisible characters, text longer than
// max characters, and characters that one of the faces cannot print.
func clean(buf *sfnt.Buffer, field, s string, max int, fs ...*face) (string, error) {
	if !utf8.ValidString(s) {
		return "", fieldErr(field, ReasonBadChar, "invalid UTF-8")
	}
	s = strings.Join(strings.Fields(norm.NFC.String(s)), " ")
	if n := utf8.RuneCountInString(s); n > max {
		return "", fieldErr(field, ReasonTooLong, fmt.Sprint(max))
	}
	for _, r := range s {
		if r != ' ' && (unicode.IsControl(r) || unicode.In(r, unicode.Cf, unicode.Zs, unicode.Zl, unicode.Zp, unicode.Co, unicode.Cs) || r == utf8.RuneError) {
			return "", fieldErr(field, ReasonBadChar, fmt.Sprintf("U+%04X", r))
		}
		for _, f := range fs {
			if !f.has(buf, r) {
				return "", fieldErr(field, ReasonNoGlyph, string(r))
			}
		}
	}
	return s, nil
}

var monthsGenitive = [...]string{"января", "февраля", "марта", "апреля", "мая", "июня", "июля",
	"августа", "сентября", "октября", "ноября", "декабря"}

// longDate writes t's date, in t's own location, as «31 января 2027 г.».
func longDate(t time.Time) string {
	return fmt.Sprintf("%d %s %d г.", t.Day(), monthsGenitive[t.Month()-1], t.Year())
}

// shortDate writes t's date, in t's own location, as 31.01.2027.
func shortDate(t time.Time) string { return t.Format("02.01.2006") }
