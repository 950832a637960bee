package document

import "github.com/kabinet/kabinet/internal/problem"

// OMS is the single number of a compulsory health insurance policy (единый
// номер полиса, ЕНП): 16 digits.
type OMS string

// ParseOMS reads a policy's single number: 16 digits, spaces and dashes
// allowed, the last one a control digit.
//
// The control digit is the one FFOMS specifies for the single number
// (order of FFOMS no. 79 of 7 April 2011, the algorithm for the control
// digit of the ЕНП): the digits of the first fifteen in odd places counted
// from the right, read as one number and doubled, followed by those in even
// places; the sum of all the digits of that is subtracted from the next
// multiple of ten. Doubling the number rather than each digit carries
// exactly where the doubled digit is 10 or more, so this is the Luhn check
// digit, which is how it is computed here (and as STYLE.md states).
//
// Errors, problem.Message: "oms.required"; "oms.symbols" (Char);
// "oms.length" unless there are 16 digits; "oms.checksum".
func ParseOMS(s string) (OMS, error) {
	d, err := number(s, 16, "oms")
	if err != nil {
		return "", err
	}
	if d[15] != luhnDigit(d[:15]) {
		return "", problem.M("oms.checksum")
	}
	return OMS(d), nil
}

// luhnDigit returns the Luhn check digit to append to digits.
func luhnDigit(digits string) byte {
	sum := 0
	for i := len(digits) - 1; i >= 0; i-- {
		v := int(digits[i] - '0')
		if (len(digits)-1-i)%2 == 0 { // the digit next to the check digit is doubled
			v *= 2
			if v > 9 {
				v -= 9
			}
		}
		sum += v
	}
	return '0' + byte((10-sum%10)%10)
}
