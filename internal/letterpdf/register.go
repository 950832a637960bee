package letterpdf

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// BatchInfo is what the register says about the batch as a whole.
type BatchInfo struct {
	Number string    // the batch's number, as the ID of a letter: A-Z a-z 0-9 . _ / -
	Date   time.Time // the day it is handed to the Post, printed in its own location
}

// What every letter of a batch is for the Post.
const (
	Kind     = "письмо"   // вид отправления
	Category = "заказное" // категория отправления
	WeightG  = 20         // grams: one A4 sheet in a DL envelope is about 10 g; 20 leaves room
)

// RegisterHeader is the CSV register's header row. The stable English keys,
// used by RegisterJSON, in the same order: n, batch, batch_date, letter_id,
// addressee, postcode, address, kind, category, weight_g, tracking.
var RegisterHeader = []string{
	"№ п/п", "Номер партии", "Дата партии", "Номер письма", "Адресат", "Индекс", "Адрес",
	"Вид отправления", "Категория", "Масса, г", "ШПИ",
}

// RegisterRow is one letter of the register, with the JSON keys above.
// Tracking, the Post's tracking number (ШПИ), is always empty: the Post
// fills it in.
type RegisterRow struct {
	N         int    `json:"n"`
	Batch     string `json:"batch"`
	BatchDate string `json:"batch_date"` // DD.MM.YYYY
	LetterID  string `json:"letter_id"`
	Addressee string `json:"addressee"`
	Postcode  string `json:"postcode"`
	Address   string `json:"address"` // Address.Lines without the postcode, joined by ", "
	Kind      string `json:"kind"`
	Category  string `json:"category"`
	WeightG   int    `json:"weight_g"`
	Tracking  string `json:"tracking"`
}

// Rows checks the batch and its letters' numbers, addressees and addresses
// as Render does and returns the register's rows, in the letters' order.
// The code is never in them, nor needed: a register is made long after
// the codes were printed and forgotten.
func Rows(batch BatchInfo, letters []Letter) ([]RegisterRow, error) {
	fs, err := loadFaces()
	if err != nil {
		return nil, &Error{Letter: -1, Reason: ReasonRender, Err: err}
	}
	number, err := checkID("batch.number", batch.Number)
	if err != nil {
		return nil, err
	}
	if batch.Date.IsZero() {
		return nil, fieldErr("batch.date", ReasonRequired, "")
	}
	if err := checkBatch(letters); err != nil {
		return nil, err
	}
	rows := make([]RegisterRow, 0, len(letters))
	for i, l := range letters {
		p, err := prepareEnvelope(fs, l)
		if err != nil {
			return nil, inLetter(err, i, l.ID)
		}
		addr := p.addr.Lines()
		rows = append(rows, RegisterRow{
			N: i + 1, Batch: number, BatchDate: shortDate(batch.Date), LetterID: p.id,
			Addressee: p.name, Postcode: p.addr.Postcode, Address: strings.Join(addr[:len(addr)-1], ", "),
			Kind: Kind, Category: Category, WeightG: WeightG,
		})
	}
	return rows, nil
}

// Register returns the batch's register for the Post, a simplified list of
// registered mail (форма 103): CSV in UTF-8 without a byte order mark,
// comma-separated, CRLF line ends (RFC 4180), the header row RegisterHeader
// and a row per letter. A text field that begins with = + - or @ gets a
// leading apostrophe, so that a spreadsheet shows it rather than computing
// it.
func Register(batch BatchInfo, letters []Letter) ([]byte, error) {
	rows, err := Rows(batch, letters)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	records := make([][]string, 0, len(rows)+1)
	records = append(records, RegisterHeader)
	for _, r := range rows {
		records = append(records, []string{
			fmt.Sprint(r.N), inert(r.Batch), r.BatchDate, inert(r.LetterID), inert(r.Addressee), r.Postcode,
			inert(r.Address), r.Kind, r.Category, fmt.Sprint(r.WeightG), r.Tracking,
		})
	}
	if err := w.WriteAll(records); err != nil {
		return nil, &Error{Letter: -1, Reason: ReasonRender, Err: err}
	}
	return buf.Bytes(), nil
}

// RegisterJSON is Register as JSON: {"batch", "batch_date", "letters": [rows]}.
func RegisterJSON(batch BatchInfo, letters []Letter) ([]byte, error) {
	rows, err := Rows(batch, letters)
	if err != nil {
		return nil, err
	}
	return json.Marshal(struct {
		Batch     string        `json:"batch"`
		BatchDate string        `json:"batch_date"`
		Letters   []RegisterRow `json:"letters"`
	}{rows[0].Batch, rows[0].BatchDate, rows})
}

// inert keeps a spreadsheet from reading s as a formula.
func inert(s string) string {
	if s != "" && strings.ContainsRune("=+-@", rune(s[0])) {
		return "'" + s
	}
	return s
}
