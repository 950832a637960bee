package document

import "github.com/kabinet/kabinet/internal/problem"

// INN is a person's taxpayer number in canonical form: 12 digits.
type INN string

// Weights of the INN's control digits (Federal Tax Service): the eleventh
// digit from the first ten, the twelfth from the first eleven, each the
// weighted sum mod 11, then mod 10.
var (
	innWeights11 = []int{7, 2, 4, 10, 3, 5, 9, 4, 6, 8}
	innWeights12 = []int{3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8}
)

// ParseINN reads the INN of a person: 12 digits, spaces allowed, the last
// two being control digits.
//
// Errors, problem.Message: "inn.required"; "inn.symbols" (Char);
// "inn.organisation" for 10 digits, the length of an organisation's INN;
// "inn.length" for any other length but 12; "inn.checksum" when the last
// two digits do not match the first ten.
func ParseINN(s string) (INN, error) {
	if d, bad := digitsOf(s); bad == 0 && len(d) == 10 {
		return "", problem.M("inn.organisation")
	}
	d, err := number(s, 12, "inn")
	if err != nil {
		return "", err
	}
	if d[10] != innDigit(d[:10], innWeights11) || d[11] != innDigit(d[:11], innWeights12) {
		return "", problem.M("inn.checksum")
	}
	return INN(d), nil
}

// innDigit returns the control digit of digits under weights.
func innDigit(digits string, weights []int) byte {
	sum := 0
	for i, w := range weights {
		sum += int(digits[i]-'0') * w
	}
	return '0' + byte(sum%11%10)
}
