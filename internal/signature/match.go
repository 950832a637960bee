package signature

import (
	"strings"

	"github.com/kabinet/kabinet/internal/esign"
)

// snilsMatches reports whether the certificate's SNILS (1.2.643.100.3,
// written with or without separators) is the verified one.
func snilsMatches(p Person, s *esign.Signer) bool {
	return p.SNILS != "" && digits(s.SNILS) == string(p.SNILS)
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// nameMatches reports whether the certificate names the verified person:
// its surname (SN) the surname, its given names (GN) the name and
// patronymic. The common name, "Surname Name Patronymic", is a fallback
// for a certificate without SN or GN only: a qualified certificate of a
// person carries both (FSB Order 795), and the CN of an employee's may
// name the organization. Compared by fold.
func nameMatches(p Person, s *esign.Signer) bool {
	if s.Surname != "" && s.GivenNames != "" {
		return fold(s.Surname) == fold(p.Surname) && fold(s.GivenNames) == fold(p.givenNames())
	}
	return s.CommonName != "" && fold(s.CommonName) == fold(p.FullName())
}

// yo folds ё (also as е with a combining diaeresis) to е: certificates
// and passports disagree on it as often as not.
var yo = strings.NewReplacer("е\u0308", "е", "ё", "е")

// fold is a name as compared: lower case, ё as е, spaces collapsed.
func fold(s string) string {
	return strings.Join(strings.Fields(yo.Replace(strings.ToLower(s))), " ")
}

// holder is the certificate's holder as shown: its common name, else its
// surname and given names.
func holder(s *esign.Signer) string {
	if s.CommonName != "" {
		return s.CommonName
	}
	return strings.TrimSpace(s.Surname + " " + s.GivenNames)
}
