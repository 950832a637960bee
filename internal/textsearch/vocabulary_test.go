package textsearch

import (
	"fmt"
	"slices"
	"sync"
	"testing"
)

// TestCorrect: typos people make in Russian and English, and words that
// must not be corrected, against the catalog's vocabulary of stems.
func TestCorrect(t *testing.T) {
	v := NewVocabulary(catalogTerms())
	tests := []struct {
		word string
		want []string
		why  string
	}{
		{"паспрот", []string{"паспорт"}, "transposition"},
		{"ПАСПРОТ", []string{"паспорт"}, "folded first"},
		{"пасорт", []string{"паспорт"}, "a letter left out"},
		{"пасспорт", []string{"паспорт"}, "a letter doubled"},
		{"пaспорт", []string{"паспорт"}, "a Latin «a»: one substitution"},
		{"вврач", []string{"врач"}, "a letter doubled"},
		{"вврачу", []string{"врач"}, "inflected: only its stem «вврач» is one edit away"},
		{"вачи", []string{"врач"}, "inflected: stem «вач», three runes, is tried"},
		{"штарф", []string{"штраф"}, "transposition"},
		{"шртафов", []string{"штраф"}, "transposition in an inflected word"},
		{"жительсво", []string{"жительств"}, "a letter left out of an inflected word"},
		{"ждительства", []string{"жительств"}, "a letter added to an inflected word"},
		{"регистация", []string{"регистрац"}, "a letter left out"},
		{"очердь", []string{"очеред"}, "a letter left out"},
		{"гражданиа", []string{"гражданин"}, "the word is one edit from the stem; its own stem is not"},
		{"liсence", []string{"licenc"}, "a Cyrillic «с»: the English stemmer still strips the ending"},
		{"lisence", []string{"licenc"}, "substitution"},
		{"kindergarden", []string{"kindergarten"}, "substitution"},
		{"apointment", []string{"appoint"}, "a letter left out"},
		{"pasport", []string{"passport"}, "a letter left out"},
		{"dcotor", []string{"doctor"}, "transposition"},
		{"statment", []string{"statement"}, "a letter left out"},
		{"foreing", []string{"foreign"}, "the word is one edit away; its stem «fore» is not"},

		{"загарнпаспорт", nil, "no stored word is one edit away: a compound is not its parts"},
		{"пспрт", nil, "two edits"},
		{"судимсоти", nil, "the typo hides the ending from the stemmer: «судимсот» is far from «судим»"},
		{"licnese", nil, "two edits from «licenc»"},
		{"врч", nil, "three runes: too short to guess"},
		{"врачю", nil, "its stem «врач» is stored: it matches without a correction"},
		{"паспорт", nil, "stored"},
		{"паспорта", nil, "its stem is stored"},
		{"телевизор", nil, "nothing near"},
		{"12345", nil, "numbers are not corrected"},
		{"для", nil, "a stop word"},
		{"паспрот паспорт", nil, "two words"},
		{"", nil, "no word"},
	}
	for _, tt := range tests {
		if got := v.Correct(tt.word); !slices.Equal(got, tt.want) {
			t.Errorf("Correct(%q) = %q, want %q (%s)", tt.word, got, tt.want, tt.why)
		}
	}
}

// TestCorrectNotShorter: a correction is one edit from what was typed,
// never a much shorter word the stem of a misspelt word happens to be near
// (the stemmer reads «вычит» as a verb, «выч» + «ит», and «выч» is one
// edit from the pronoun «вы» of every description).
func TestCorrectNotShorter(t *testing.T) {
	v := NewVocabulary(append(catalogTerms(), Terms(`Налоговый вычет. Вы можете вызвать врача на дом.
		Выше обычного. Вышестоящий орган. ИП и самозанятые.`)...))
	tests := []struct {
		word string
		want []string
		why  string
	}{
		{"вычит", []string{"вычет"}, "the word is one edit from «вычет»; its stem «выч» is one from «вы», «выз», «выш»"},
		{"вычета", nil, "its stem is stored"},
		{"вичет", []string{"вычет"}, "a substitution"},
		{"вврачу", []string{"врач"}, "no term is one edit from the word: its stem «вврач» is tried"},
		{"ипп", nil, "three runes: too short to guess"},
		{"ипов", nil, "its stem «ип» is stored"},
		{"иппы", nil, "the stem «ипп» is one edit from «ип», two runes: too short to be a correction"},
		{"прием", nil, "its stem «при» is stored: the stem of «приём», not the stop word"},
		{"приме", []string{"при"}, "a transposition, through the stem «прим»"},
	}
	for _, tt := range tests {
		if got := v.Correct(tt.word); !slices.Equal(got, tt.want) {
			t.Errorf("Correct(%q) = %q, want %q (%s)", tt.word, got, tt.want, tt.why)
		}
	}
}

// TestCorrectCompound: a compound one edit from a stored compound is found
// like any word; the catalog stores «загранпаспорт» only if a text (or an
// editor's synonym) has it.
func TestCorrectCompound(t *testing.T) {
	v := NewVocabulary(append(catalogTerms(), Terms("Загранпаспорт нового образца")...))
	if got := v.Correct("загарнпаспорт"); !slices.Equal(got, []string{"загранпаспорт"}) {
		t.Errorf("Correct(загарнпаспорт) = %q", got)
	}
}

// TestCorrectOrder: the most common term first, then alphabetically, at
// most five.
func TestCorrectOrder(t *testing.T) {
	v := NewVocabulary([]string{
		"полка", "палка", "палка", "палка", "пилка", "пулка", "пелка", "пялка", "пялка",
		"балка", "галка", "талка", "кулак",
	})
	got := v.Correct("пмлка")
	want := []string{"палка", "пялка", "пелка", "пилка", "полка"}
	if !slices.Equal(got, want) {
		t.Errorf("Correct(пмлка) = %q, want %q", got, want)
	}
	if v.Len() != 10 || v.Count("палка") != 3 || v.Count("нет") != 0 {
		t.Errorf("Len %d, Count(палка) %d, Count(нет) %d", v.Len(), v.Count("палка"), v.Count("нет"))
	}
}

// TestCorrectEveryOneEditTypo makes every one-edit typo of every catalog
// word of five runes or more (each deletion, transposition, and
// substitution within the word's alphabet) and logs how many Correct
// brings back to the word's stem. None may bring back another stem alone.
func TestCorrectEveryOneEditTypo(t *testing.T) {
	v := NewVocabulary(catalogTerms())
	var words []string
	for _, title := range catalogTitles {
		for _, w := range Tokens(title) {
			if !isStop(w) && len([]rune(w)) >= 5 && correctable(w) {
				words = append(words, w)
			}
		}
	}
	slices.Sort(words)
	words = slices.Compact(words)
	var total, stored, right, none int
	for _, w := range words {
		want := stem(w)
		for _, typo := range oneEditTypos(w) {
			total++
			switch got := v.Correct(typo); {
			case got == nil && v.Count(stem(typo)) > 0:
				stored++ // its stem is stored: found without a correction
			case slices.Contains(got, want):
				right++
			case got == nil:
				none++
			default:
				t.Errorf("Correct(%q) = %q, not %q", typo, got, want)
			}
		}
	}
	t.Logf("%d one-edit typos of %d words: %d already match (their stem is stored), %d corrected (%.0f%%), %d not",
		total, len(words), stored, right, 100*float64(right)/float64(total), none)
	if right < total*3/4 {
		t.Errorf("only %d of %d typos corrected", right, total)
	}
}

func oneEditTypos(w string) []string {
	const ru, en = "абвгдежзийклмнопрстуфхцчшщъыьэюя", "abcdefghijklmnopqrstuvwxyz"
	r := []rune(w)
	alphabet := []rune(en)
	if r[0] >= 0x400 {
		alphabet = []rune(ru)
	}
	var typos []string
	for i := range r {
		typos = append(typos, string(slices.Delete(slices.Clone(r), i, i+1)))
		if i+1 < len(r) && r[i] != r[i+1] {
			c := slices.Clone(r)
			c[i], c[i+1] = c[i+1], c[i]
			typos = append(typos, string(c))
		}
		for _, a := range alphabet {
			if a != r[i] {
				c := slices.Clone(r)
				c[i] = a
				typos = append(typos, string(c))
			}
		}
	}
	return typos
}

func TestOneEdit(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"паспорт", "паспрот", true}, // transposition
		{"паспорт", "пасорт", true},  // deletion
		{"пасорт", "паспорт", true},  // insertion
		{"паспорт", "паспарт", true}, // substitution
		{"паспорт", "паспорт", false},
		{"паспорт", "пспрт", false},
		{"паспорт", "паспорта1", false},
		{"ab", "ba", true},
		{"abc", "cba", false},
		{"", "a", true},
		{"", "", false},
		{"licenc", "liсenc", true}, // Cyrillic с
		{"\xff", "\xfe", false},    // invalid UTF-8: both are U+FFFD
	}
	for _, tt := range tests {
		if got := oneEdit(tt.a, tt.b); got != tt.want {
			t.Errorf("oneEdit(%q, %q) = %v", tt.a, tt.b, got)
		}
	}
}

func TestVocabularyEdges(t *testing.T) {
	for _, terms := range [][]string{nil, {}, {""}, {"a"}, {"врач", "врач"}} {
		v := NewVocabulary(terms)
		want := []string(nil)
		if v.Count("врач") > 0 {
			want = []string{"врач"}
		}
		if got := v.Correct("вврач"); !slices.Equal(got, want) {
			t.Errorf("NewVocabulary(%q).Correct(вврач) = %q, want %q", terms, got, want)
		}
	}
}

// TestVocabularyConcurrent: many goroutines correct at once (run with
// -race to check it).
func TestVocabularyConcurrent(t *testing.T) {
	v := NewVocabulary(catalogTerms())
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				word := []string{"паспрот", "вврачу", "liсence", "kindergarden"}[(g+i)%4]
				if len(v.Correct(word)) != 1 {
					t.Errorf("Correct(%q) in goroutine %d: %q", word, g, v.Correct(word))
					return
				}
			}
		})
	}
	wg.Wait()
}

func ExampleVocabulary_Correct() {
	v := NewVocabulary(Terms("Оформление заграничного паспорта. Запись к врачу. Driving licence."))
	for _, word := range []string{"паспрот", "вврачу", "liсence", "паспорта"} {
		fmt.Println(word, v.Correct(word))
	}
	// Output:
	// паспрот [паспорт]
	// вврачу [врач]
	// liсence [licenc]
	// паспорта []
}
