package letterpdf_test

import (
	"fmt"
	"time"

	"github.com/kabinet/kabinet/internal/letterpdf"
)

var msk = time.FixedZone("MSK", 3*60*60)

func sender() letterpdf.Sender {
	return letterpdf.Sender{
		Name:    "Оператор ЕСИА «Кабинет»",
		Address: []string{"ул. Тверская, д. 7", "г. Москва", "125009"},
		Support: "8 800 100-70-10",
	}
}

func letter(id, recipient, code string, a letterpdf.Address) letterpdf.Letter {
	return letterpdf.Letter{
		ID: id, Recipient: recipient, Address: a, Code: code,
		ConfirmURL: "https://kabinet.example/account/confirm/letter?code=" + code,
		SiteURL:    "https://kabinet.example",
		ValidUntil: time.Date(2027, 1, 31, 23, 59, 0, 0, msk),
		OrderedAt:  time.Date(2026, 3, 12, 10, 30, 0, 0, msk),
	}
}

// longStreet wraps in the addressee block.
const longStreet = "ул. Героев Сталинградской битвы и тружеников тыла"

// batch3 has Ё, Щ, Ъ and «№» in names and addresses, and a long address.
func batch3() []letterpdf.Letter {
	return []letterpdf.Letter{
		letter("2026-03/0001", "Подъячевой Алёне Щедриновне", "7KC4-M9TX-3P",
			letterpdf.Address{Postcode: "125009", Region: "г. Москва", Locality: "г. Москва", Street: "ул. Тверская", House: "7", Flat: "12"}),
		letter("2026-03/0002", "Щёголеву Артёму Ильичу", "H3WA-W6RC-9N",
			letterpdf.Address{Postcode: "392000", Region: "Тамбовская обл.", Locality: "г. Тамбов", Street: "СНТ «Рассвет», линия № 3", House: "14"}),
		letter("2026-03/0003", "Объедкову Ефиму Петровичу", "4EFG-XY7K-9M",
			letterpdf.Address{Postcode: "431440", Region: "Республика Мордовия",
				Locality: "пос. городского типа Новоалександровка Краснослободского муниципального района",
				Street:   longStreet, House: "117", Building: "2", Flat: "305"}),
	}
}

// batchN is n letters with distinct IDs and codes.
func batchN(n int) []letterpdf.Letter {
	ls := make([]letterpdf.Letter, n)
	for i := range ls {
		b := batch3()[i%3]
		b.ID = fmt.Sprintf("B-%04d", i)
		ls[i] = b
	}
	return ls
}
