package password

import "strings"

// qwertyUnder maps each letter of the Russian ЙЦУКЕН layout to the
// character of the US QWERTY layout on the same key, so that "пароль"
// becomes "gfhjkm" and "йцукен123" becomes "qwerty123": what the password
// lists know. Only letters and "№" are mapped; the punctuation keys of the
// two layouts disagree in ways a user cannot be assumed to have meant.
var qwertyUnder = map[rune]rune{
	'й': 'q', 'ц': 'w', 'у': 'e', 'к': 'r', 'е': 't', 'н': 'y', 'г': 'u', 'ш': 'i', 'щ': 'o', 'з': 'p', 'х': '[', 'ъ': ']',
	'ф': 'a', 'ы': 's', 'в': 'd', 'а': 'f', 'п': 'g', 'р': 'h', 'о': 'j', 'л': 'k', 'д': 'l', 'ж': ';', 'э': '\'',
	'я': 'z', 'ч': 'x', 'с': 'c', 'м': 'v', 'и': 'b', 'т': 'n', 'ь': 'm', 'б': ',', 'ю': '.', 'ё': '`',
	'Й': 'Q', 'Ц': 'W', 'У': 'E', 'К': 'R', 'Е': 'T', 'Н': 'Y', 'Г': 'U', 'Ш': 'I', 'Щ': 'O', 'З': 'P', 'Х': '{', 'Ъ': '}',
	'Ф': 'A', 'Ы': 'S', 'В': 'D', 'А': 'F', 'П': 'G', 'Р': 'H', 'О': 'J', 'Л': 'K', 'Д': 'L', 'Ж': ':', 'Э': '"',
	'Я': 'Z', 'Ч': 'X', 'С': 'C', 'М': 'V', 'И': 'B', 'Т': 'N', 'Ь': 'M', 'Б': '<', 'Ю': '>', 'Ё': '~',
	'№': '#',
}

// toQWERTY returns s as it would have come out had it been typed with the
// keyboard switched to the US layout: every Russian letter is replaced by
// the Latin character on the same key. Other characters are unchanged.
func toQWERTY(s string) string {
	if !hasMapped(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if q, ok := qwertyUnder[r]; ok {
			return q
		}
		return r
	}, s)
}

func hasMapped(s string) bool {
	for _, r := range s {
		if _, ok := qwertyUnder[r]; ok {
			return true
		}
	}
	return false
}

// translit is one informal Latin spelling of each Russian letter, the way
// people write Russian words in passwords ("parol", "privet", "ivanov").
var translit = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e", 'ж': "zh", 'з': "z", 'и': "i", 'й': "y",
	'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u", 'ф': "f",
	'х': "h", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "sch", 'ъ': "", 'ы': "y", 'ь': "", 'э': "e", 'ю': "yu", 'я': "ya",
}

// transliterate returns a lower-case Latin spelling of a Russian word, and
// false when s has no Russian letter.
func transliterate(s string) (string, bool) {
	var b strings.Builder
	found := false
	for _, r := range strings.ToLower(s) {
		if t, ok := translit[r]; ok {
			found = true
			b.WriteString(t)
			continue
		}
		b.WriteRune(r)
	}
	return b.String(), found
}
