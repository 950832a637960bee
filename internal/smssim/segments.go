package smssim

import (
	"strings"
	"unicode/utf16"
)

// Encoding is the alphabet an SMS text is sent in.
type Encoding string

const (
	// GSM7 is the GSM 03.38 default alphabet: 160 characters in one segment,
	// 153 per segment in a concatenated message.
	GSM7 Encoding = "GSM-7"
	// UCS2 is used as soon as one character is outside GSM-7 (Cyrillic, for
	// example): 70 UTF-16 code units in one segment, 67 per segment otherwise.
	UCS2 Encoding = "UCS-2"
)

// gsm7Basic is the GSM 03.38 basic character set, one septet each (the
// escape character 0x1B is left out: it cannot appear in text by itself).
const gsm7Basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
	"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// gsm7Extension holds the characters sent as escape + septet (two septets).
const gsm7Extension = "\f^{}\\[~]|€"

// Segments reports the encoding a gateway would choose for text and the
// number of SMS segments it takes. An empty text is one segment.
//
// A concatenated message carries a 6-byte header in each segment, which is why
// the per-segment capacity drops (160 → 153 septets, 70 → 67 code units). An
// escaped GSM-7 character or a UTF-16 surrogate pair is never split between
// two segments, as real gateways do not split them either.
func Segments(text string) (Encoding, int) {
	units, ok := gsm7Units(text)
	if ok {
		return GSM7, split(units, 160, 153)
	}
	var u []int
	for _, r := range text {
		u = append(u, len(utf16.Encode([]rune{r})))
	}
	return UCS2, split(u, 70, 67)
}

// gsm7Units returns the septet count of each character of text, or false
// when text has a character outside GSM-7.
func gsm7Units(text string) ([]int, bool) {
	var u []int
	for _, r := range text {
		switch {
		case strings.ContainsRune(gsm7Basic, r):
			u = append(u, 1)
		case strings.ContainsRune(gsm7Extension, r):
			u = append(u, 2)
		default:
			return nil, false
		}
	}
	return u, true
}

// split counts segments for characters of the given widths: one segment when
// the total fits single, otherwise segments of at most multi, never splitting
// a character.
func split(widths []int, single, multi int) int {
	total := 0
	for _, w := range widths {
		total += w
	}
	if total <= single {
		return 1
	}
	segments, used := 1, 0
	for _, w := range widths {
		if used+w > multi {
			segments++
			used = 0
		}
		used += w
	}
	return segments
}
