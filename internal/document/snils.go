package document

import (
	"strconv"

	"github.com/kabinet/kabinet/internal/problem"
)

// SNILS is an individual insurance account number in canonical form: 11
// digits, no separators. String gives the written form "123-456-789 01".
type SNILS string

// snilsChecked is the last number without a checksum: the Pension Fund
// checks the control number only for numbers above 001-001-998.
const snilsChecked = 1001998

// ParseSNILS reads a SNILS in any written form ("123-456-789 01",
// "12345678901", "123 456 789 01") and checks its control number: the sum
// of the first nine digits weighted 9 down to 1, as is when under 100, 00
// when 100 or 101, otherwise taken mod 101 (and 100 again written 00).
//
// Errors, problem.Message: "snils.required"; "snils.symbols" (Char) for
// anything but digits, spaces and dashes; "snils.length" unless there are 11
// digits; "snils.not_issued" for 000-000-000; "snils.checksum" when the
// last two digits do not match the first nine.
func ParseSNILS(s string) (SNILS, error) {
	d, err := number(s, 11, "snils")
	if err != nil {
		return "", err
	}
	n, _ := strconv.Atoi(d[:9])
	if n == 0 {
		return "", problem.M("snils.not_issued")
	}
	if n > snilsChecked && d[9:] != snilsChecksum(d[:9]) {
		return "", problem.M("snils.checksum")
	}
	return SNILS(d), nil
}

// snilsChecksum returns the two control digits of a SNILS's first nine.
func snilsChecksum(nine string) string {
	sum := 0
	for i := 0; i < 9; i++ {
		sum += int(nine[i]-'0') * (9 - i)
	}
	if sum > 101 {
		sum %= 101
	}
	if sum == 100 || sum == 101 {
		sum = 0
	}
	return string([]byte{'0' + byte(sum/10), '0' + byte(sum%10)})
}

// String returns the SNILS as it is written on the card: "123-456-789 01".
func (s SNILS) String() string {
	if len(s) != 11 {
		return string(s)
	}
	return string(s[0:3] + "-" + s[3:6] + "-" + s[6:9] + " " + s[9:])
}

// Masked returns the SNILS for logs and notices: "***-***-789 01".
func (s SNILS) Masked() string {
	if len(s) != 11 {
		return "***"
	}
	return "***-***-" + string(s[6:9]+" "+s[9:])
}
