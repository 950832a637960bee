package document

import (
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/kabinet/kabinet/internal/problem"
)

// message returns err's problem.Message, failing the test for any other error.
func message(t *testing.T, call string, err error) problem.Message {
	t.Helper()
	var m problem.Message
	if err != nil && !errors.As(err, &m) {
		t.Fatalf("%s: %v is not a problem.Message", call, err)
	}
	return m
}

// withSNILSChecksum completes nine digits into a SNILS by the Pension Fund's
// rule, written out here apart from the code under test.
func withSNILSChecksum(nine string) string {
	sum := 0
	for i, w := range []int{9, 8, 7, 6, 5, 4, 3, 2, 1} {
		sum += int(nine[i]-'0') * w
	}
	var c int
	switch {
	case sum < 100:
		c = sum
	case sum == 100 || sum == 101:
		c = 0
	default:
		c = sum % 101
		if c == 100 {
			c = 0
		}
	}
	return fmt.Sprintf("%s%02d", nine, c)
}

func TestParseSNILS(t *testing.T) {
	valid := withSNILSChecksum("087654303")
	plain := withSNILSChecksum("123456789")
	bumped := valid[:10] + string('0'+(valid[10]-'0'+1)%10)
	tests := []struct {
		in   string
		want SNILS
		err  problem.Message
	}{
		{"112-233-445 95", "11223344595", problem.Message{}}, // the Pension Fund's own example
		{"11223344595", "11223344595", problem.Message{}},
		{" 112 233 445 95 ", "11223344595", problem.Message{}},
		{"112-233-445-95", "11223344595", problem.Message{}},
		{"112‑233‑445\u00a095", "11223344595", problem.Message{}}, // non-breaking hyphens and space, as pasted
		{SNILS(valid).String(), SNILS(valid), problem.Message{}},
		{withSNILSChecksum("999999999"), SNILS(withSNILSChecksum("999999999")), problem.Message{}},
		{plain, SNILS(plain), problem.Message{}},
		{"001-001-998 00", "00100199800", problem.Message{}}, // not checked at or below 001-001-998
		{"001-001-998 77", "00100199877", problem.Message{}},

		{"", "", problem.M("snils.required")},
		{"  ", "", problem.M("snils.required")},
		{"112-233-445 9", "", problem.M("snils.length")},
		{"112-233-445 955", "", problem.M("snils.length")},
		{"---", "", problem.M("snils.length")},
		{"112/233/445 95", "", problem.M("snils.symbols", "Char", "/")},
		{"112-233-445 9S", "", problem.M("snils.symbols", "Char", "S")},
		{"١١٢٢٣٣٤٤٥٩٥", "", problem.M("snils.symbols", "Char", "١")},
		{"000-000-000 00", "", problem.M("snils.not_issued")},
		{"112-233-445 59", "", problem.M("snils.checksum")},
		{bumped, "", problem.M("snils.checksum")},
		{"001-001-999 00", "", problem.M("snils.checksum")}, // the first number checked
	}
	for _, tt := range tests {
		got, err := ParseSNILS(tt.in)
		m := message(t, "ParseSNILS", err)
		if got != tt.want || !reflect.DeepEqual(m, tt.err) {
			t.Errorf("ParseSNILS(%q) = %q, %+v; want %q, %+v", tt.in, got, m, tt.want, tt.err)
		}
	}
	if s := SNILS("11223344595"); s.String() != "112-233-445 95" || s.Masked() != "***-***-445 95" {
		t.Errorf("String, Masked = %q, %q", s.String(), s.Masked())
	}
	// Each branch of the rule, with the sums worked out by hand.
	for _, tc := range []struct{ nine, check string }{
		{"900000090", "99"}, // 81+18 = 99: under 100, the sum itself
		{"900000091", "00"}, // 100 → 00
		{"900000092", "00"}, // 101 → 00
		{"999999999", "01"}, // 405 mod 101 = 1
		{"990800000", "00"}, // 201 mod 101 = 100 → 00
		{"112233445", "95"}, // 95
	} {
		if got := snilsChecksum(tc.nine); got != tc.check {
			t.Errorf("snilsChecksum(%s) = %s, want %s", tc.nine, got, tc.check)
		}
		if got := withSNILSChecksum(tc.nine)[9:]; got != tc.check {
			t.Errorf("the test's own rule gives %s for %s, want %s", got, tc.nine, tc.check)
		}
	}
}

// personINN completes ten digits into a person's INN with the Federal Tax
// Service's weights.
func personINN(ten string) string {
	digit := func(s string, w []int) string {
		sum := 0
		for i := range w {
			sum += int(s[i]-'0') * w[i]
		}
		return strconv.Itoa(sum % 11 % 10)
	}
	eleven := ten + digit(ten, []int{7, 2, 4, 10, 3, 5, 9, 4, 6, 8})
	return eleven + digit(eleven, []int{3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8})
}

func TestParseINN(t *testing.T) {
	computed := personINN("7707123456")
	tests := []struct {
		in   string
		want INN
		err  problem.Message
	}{
		{"500100732259", "500100732259", problem.Message{}}, // a published example of a person's INN
		{"5001 0073 2259", "500100732259", problem.Message{}},
		{computed, INN(computed), problem.Message{}},
		{personINN("0000000000"), "000000000000", problem.Message{}},

		{"", "", problem.M("inn.required")},
		{"7707083893", "", problem.M("inn.organisation")}, // Sberbank's, an organisation's INN
		{"77 0708 3893", "", problem.M("inn.organisation")},
		{"50010073225", "", problem.M("inn.length")},
		{"5001007322590", "", problem.M("inn.length")},
		{"50010073225O", "", problem.M("inn.symbols", "Char", "O")},
		{"500100732258", "", problem.M("inn.checksum")}, // last digit wrong
		{"500100732269", "", problem.M("inn.checksum")}, // eleventh wrong
		{"600100732259", "", problem.M("inn.checksum")}, // a first digit mistyped
	}
	for _, tt := range tests {
		got, err := ParseINN(tt.in)
		m := message(t, "ParseINN", err)
		if got != tt.want || !reflect.DeepEqual(m, tt.err) {
			t.Errorf("ParseINN(%q) = %q, %+v; want %q, %+v", tt.in, got, m, tt.want, tt.err)
		}
	}
}

// ffomsDigit computes the ЕНП's control digit as FFOMS words it: the digits
// in odd places from the right read as one number and doubled, the digits
// in even places written in front, the digits of the result summed, and
// that subtracted from the next multiple of ten.
func ffomsDigit(fifteen string) byte {
	var odd, even []byte
	for i := len(fifteen) - 1; i >= 0; i-- {
		if (len(fifteen)-1-i)%2 == 0 {
			odd = append([]byte{fifteen[i]}, odd...)
		} else {
			even = append([]byte{fifteen[i]}, even...)
		}
	}
	n, _ := new(big.Int).SetString(string(odd), 10)
	n.Mul(n, big.NewInt(2))
	sum := 0
	for _, c := range string(even) + n.String() {
		sum += int(c - '0')
	}
	return '0' + byte((10-sum%10)%10)
}

// TestOMSDigitIsFFOMSs: the Luhn digit the code computes is the one of
// FFOMS's wording, on many numbers.
func TestOMSDigitIsFFOMSs(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		s := fmt.Sprintf("%015d", r.Int64N(1e15))
		if a, b := luhnDigit(s), ffomsDigit(s); a != b {
			t.Fatalf("%s: Luhn %c, FFOMS %c", s, a, b)
		}
	}
}

func TestParseOMS(t *testing.T) {
	valid := "770000000000000" + string(ffomsDigit("770000000000000"))
	other := "500123456789012" + string(ffomsDigit("500123456789012"))
	wrong := other[:15] + string('0'+(other[15]-'0'+1)%10)
	swapped := other[:3] + other[4:5] + other[3:4] + other[5:] // two neighbours swapped
	tests := []struct {
		in   string
		want OMS
		err  problem.Message
	}{
		{valid, OMS(valid), problem.Message{}},
		{other, OMS(other), problem.Message{}},
		{other[:4] + " " + other[4:8] + " " + other[8:12] + " " + other[12:], OMS(other), problem.Message{}},
		{other[:6] + "-" + other[6:10] + "-" + other[10:], OMS(other), problem.Message{}},

		{"", "", problem.M("oms.required")},
		{other[:15], "", problem.M("oms.length")},
		{"1234 567890", "", problem.M("oms.length")}, // an old policy's series and number
		{"ЕП " + other, "", problem.M("oms.symbols", "Char", "Е")},
		{wrong, "", problem.M("oms.checksum")},
		{swapped, "", problem.M("oms.checksum")},
	}
	for _, tt := range tests {
		got, err := ParseOMS(tt.in)
		m := message(t, "ParseOMS", err)
		if got != tt.want || !reflect.DeepEqual(m, tt.err) {
			t.Errorf("ParseOMS(%q) = %q, %+v; want %q, %+v", tt.in, got, m, tt.want, tt.err)
		}
	}
}

// fuzzNumber is the shared body of the number parsers' fuzz targets: no
// panic; a refusal is a problem.Message; an accepted value has want digits,
// reads back the same from its canonical and written forms, and passes
// check (the rule restated apart from the code).
func fuzzNumber[T ~string](t *testing.T, s string, parse func(string) (T, error), want int, written func(T) string, check func(string) bool) {
	out, err := parse(s)
	if err != nil {
		message(t, "parse", err)
		if out != "" {
			t.Fatalf("parse(%q) = %q with %v", s, out, err)
		}
		return
	}
	if len(out) != want || strings.Trim(string(out), "0123456789") != "" || !check(string(out)) {
		t.Fatalf("parse(%q) accepted %q", s, out)
	}
	for _, form := range []string{string(out), written(out)} {
		if again, err := parse(form); err != nil || again != out {
			t.Fatalf("parse(%q) = %q, %v; want %q (from %q)", form, again, err, out, s)
		}
	}
}

func FuzzParseSNILS(f *testing.F) {
	for _, s := range []string{"112-233-445 95", "11223344595", "001-001-998 00", "000-000-000 00", "112-233-445 59", "1", "\xff", "—"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fuzzNumber(t, s, ParseSNILS, 11, SNILS.String, func(d string) bool {
			n, _ := strconv.Atoi(d[:9])
			return n > 0 && (n <= snilsChecked || withSNILSChecksum(d[:9]) == d)
		})
	})
}

func FuzzParseINN(f *testing.F) {
	for _, s := range []string{"500100732259", "5001 0073 2259", "7707083893", "500100732258", "", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fuzzNumber(t, s, ParseINN, 12, func(i INN) string { return " " + string(i[:4]) + " " + string(i[4:]) },
			func(d string) bool { return personINN(d[:10]) == d })
	})
}

func FuzzParseOMS(f *testing.F) {
	for _, s := range []string{"7700000000000008", "5001 2345 6789 0120", "1234 567890", "", "ЕП"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		fuzzNumber(t, s, ParseOMS, 16, func(o OMS) string { return string(o[:6]) + "-" + string(o[6:10]) + "-" + string(o[10:]) },
			func(d string) bool { return ffomsDigit(d[:15]) == d[15] })
	})
}

func FuzzParseDivisionCode(f *testing.F) {
	for _, s := range []string{"770-001", "770001", " 770 001 ", "77-0001", "7700", "abc"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out, err := ParseDivisionCode(s)
		if err != nil {
			message(t, "ParseDivisionCode", err)
			return
		}
		if len(out) != 7 || out[3] != '-' || strings.Trim(out[:3]+out[4:], "0123456789") != "" {
			t.Fatalf("ParseDivisionCode(%q) = %q", s, out)
		}
		for _, form := range []string{out, out[:3] + out[4:]} {
			if again, err := ParseDivisionCode(form); err != nil || again != out {
				t.Fatalf("ParseDivisionCode(%q) = %q, %v; want %q", form, again, err, out)
			}
		}
	})
}
