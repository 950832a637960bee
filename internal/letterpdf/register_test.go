package letterpdf_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kabinet/kabinet/internal/letterpdf"
)

var batchInfo = letterpdf.BatchInfo{Number: "B-0314", Date: time.Date(2026, 3, 14, 9, 0, 0, 0, msk)}

func TestRegister(t *testing.T) {
	letters := batch3()
	// A comma and quotes in the address, a formula-looking name.
	letters[1].Address.Street = `СНТ "Рассвет", линия № 3`
	letters[2].Recipient = "=Объедкову Ефиму"
	out, err := letterpdf.Register(batchInfo, letters)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.HasPrefix(out, []byte("\xef\xbb\xbf")) || !bytes.Contains(out, []byte("\r\n")) {
		t.Errorf("want UTF-8 without a BOM and CRLF line ends")
	}
	for _, l := range letters {
		if bytes.Contains(out, []byte(l.Code)) {
			t.Errorf("the register holds the code %s", l.Code)
		}
	}
	if !bytes.Contains(out, []byte(`,"СНТ ""Рассвет"", линия № 3, д. 14, г. Тамбов, Тамбовская обл.",`)) {
		t.Errorf("the address with a comma and quotes is not quoted as RFC 4180 says:\n%s", out)
	}
	records, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"№ п/п", "Номер партии", "Дата партии", "Номер письма", "Адресат", "Индекс", "Адрес", "Вид отправления", "Категория", "Масса, г", "ШПИ"},
		{"1", "B-0314", "14.03.2026", "2026-03/0001", "Подъячевой Алёне Щедриновне", "125009", "ул. Тверская, д. 7, кв. 12, г. Москва", "письмо", "заказное", "20", ""},
		{"2", "B-0314", "14.03.2026", "2026-03/0002", "Щёголеву Артёму Ильичу", "392000", `СНТ "Рассвет", линия № 3, д. 14, г. Тамбов, Тамбовская обл.`, "письмо", "заказное", "20", ""},
		{"3", "B-0314", "14.03.2026", "2026-03/0003", "'=Объедкову Ефиму", "431440",
			"ул. Героев Сталинградской битвы и тружеников тыла, д. 117, корп. 2, кв. 305, " +
				"пос. городского типа Новоалександровка Краснослободского муниципального района, Республика Мордовия",
			"письмо", "заказное", "20", ""},
	}
	if !reflect.DeepEqual(records, want) {
		t.Errorf("register:\n got %q\nwant %q", records, want)
	}
}

func TestRegisterJSON(t *testing.T) {
	out, err := letterpdf.RegisterJSON(batchInfo, batch3()[:2])
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Batch     string           `json:"batch"`
		BatchDate string           `json:"batch_date"`
		Letters   []map[string]any `json:"letters"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if got.Batch != "B-0314" || got.BatchDate != "14.03.2026" || len(got.Letters) != 2 {
		t.Fatalf("RegisterJSON = %s", out)
	}
	row := got.Letters[1]
	for k, v := range map[string]any{"n": 2.0, "batch": "B-0314", "letter_id": "2026-03/0002", "addressee": "Щёголеву Артёму Ильичу",
		"postcode": "392000", "address": "СНТ «Рассвет», линия № 3, д. 14, г. Тамбов, Тамбовская обл.",
		"category": "заказное", "kind": "письмо", "weight_g": 20.0, "tracking": ""} {
		if row[k] != v {
			t.Errorf("letter 2: %s = %v, want %v", k, row[k], v)
		}
	}
	if strings.Contains(string(out), batch3()[1].Code) {
		t.Error("the register holds a code")
	}
}

func TestRegisterRefused(t *testing.T) {
	bad := batch3()
	bad[1].Address.Postcode = "12345"
	tests := []struct {
		name    string
		batch   letterpdf.BatchInfo
		letters []letterpdf.Letter
		letter  int
		field   string
		reason  letterpdf.Reason
	}{
		{"no batch number", letterpdf.BatchInfo{Date: batchInfo.Date}, batch3(), -1, "batch.number", letterpdf.ReasonRequired},
		{"a batch number in Cyrillic", letterpdf.BatchInfo{Number: "П-1", Date: batchInfo.Date}, batch3(), -1, "batch.number", letterpdf.ReasonID},
		{"no batch date", letterpdf.BatchInfo{Number: "B-1"}, batch3(), -1, "batch.date", letterpdf.ReasonRequired},
		{"no letters", batchInfo, nil, -1, "", letterpdf.ReasonEmptyBatch},
		{"a bad postcode", batchInfo, bad, 1, "address.postcode", letterpdf.ReasonPostcode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := letterpdf.Register(tt.batch, tt.letters)
			var e *letterpdf.Error
			if out != nil || !errors.As(err, &e) || e.Letter != tt.letter || e.Field != tt.field || e.Reason != tt.reason {
				t.Fatalf("Register() = %d bytes, %v; want letter %d %s: %s", len(out), err, tt.letter, tt.field, tt.reason)
			}
		})
	}
}
