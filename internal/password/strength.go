package password

import (
	_ "embed"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"
	"github.com/trustelem/zxcvbn/frequency"

	"github.com/kabinet/kabinet/internal/problem"
)

// Levels of a Verdict, from Score 0–1 to 4.
const (
	LevelWeak   = "weak"
	LevelFair   = "fair"
	LevelGood   = "good"
	LevelStrong = "strong"
)

// RecommendedLen is the length from which a password no longer gets the
// "password.hint.length" recommendation.
const RecommendedLen = 12

// Strength limits. zxcvbn's matching grows quadratically with length and
// its l33t matcher multiplies that (a 64-character string of l33t symbols
// takes over 300 ms), so only the first maxScoredLen characters are scored:
// under 100 ms in the worst case. Scoring a prefix can only under-rate a
// password, and one longer than that is hard to guess by length alone. User
// inputs are capped in number and size for the same reason.
const (
	maxScoredLen    = 32
	maxUserInputs   = 16
	maxUserInputLen = 128
	minInputToken   = 3 // shorter pieces of user data would match almost any password
	minStrippedLen  = 4 // "qwe" + digits is not flagged as a listed password, only scored
)

// Verdict is how guessable a password is and what would make it better.
type Verdict struct {
	// Score is zxcvbn's 0..4: the lower of the scores of the password as
	// typed and of the password with a Russian layout mapped to QWERTY. It
	// is 0 when Common.
	Score int
	// Level names the score for the meter: "weak" (0–1), "fair" (2),
	// "good" (3), "strong" (4).
	Level string
	// Common is true when the password is a listed common password (also
	// case-insensitively, layout-mapped, or with trailing digits and
	// punctuation stripped), or is one dictionary word as a whole.
	Common bool
	// Missing lists the recommendations not yet met, in a fixed order:
	// "password.hint.case", "password.hint.digit", "password.hint.special",
	// "password.hint.repeat", "password.hint.length".
	Missing []problem.Message
}

//go:embed blocklist.txt
var blocklistFile string

// lists holds the blocked passwords, built on first use: zxcvbn's
// passwords.txt and blocklist.txt.
var lists = sync.OnceValue(func() (l struct{ common, extra map[string]bool }) {
	l.extra = map[string]bool{}
	for line := range strings.Lines(blocklistFile) {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		l.extra[strings.ToLower(line)] = true
	}
	pw := frequency.FrequencyLists["passwords"]
	l.common = make(map[string]bool, len(pw)+len(l.extra))
	for _, p := range pw {
		l.common[strings.ToLower(p)] = true
	}
	for p := range l.extra {
		l.common[p] = true
	}
	return l
})

// Strength estimates how guessable pw is with zxcvbn. Pass what the user
// has told us about themselves (name, phone, e-mail, SNILS) as userInputs:
// a password built from them is weak. Russian-layout variants and
// transliterations of the inputs are added automatically.
//
// Strength does not check the rule (see CheckRule); it scores whatever it
// is given, so a form can show a meter while the user types. Only the first
// 32 characters are scored (see maxScoredLen); the list checks and the
// recommendations see the whole password.
func Strength(pw string, userInputs ...string) Verdict {
	scored := pw
	if utf8.RuneCountInString(scored) > maxScoredLen {
		scored = string([]rune(scored)[:maxScoredLen])
	}
	inputs := expandInputs(userInputs)

	res := zxcvbn.PasswordStrength(scored, inputs)
	score := res.Score
	common := isListed(pw) || oneWord(scored, res)
	if mapped := toQWERTY(scored); mapped != scored {
		mres := zxcvbn.PasswordStrength(mapped, inputs)
		score = min(score, mres.Score)
		common = common || isListed(toQWERTY(pw)) || oneWord(mapped, mres)
	}
	if common {
		score = 0
	}
	return Verdict{Score: score, Level: level(score), Common: common, Missing: missing(pw)}
}

func level(score int) string {
	switch {
	case score >= 4:
		return LevelStrong
	case score == 3:
		return LevelGood
	case score == 2:
		return LevelFair
	}
	return LevelWeak
}

// isListed reports whether pw is a listed password, case-insensitively,
// also once trailing digits and punctuation are stripped.
func isListed(pw string) bool {
	l := lists()
	p := strings.ToLower(pw)
	if l.common[p] {
		return true
	}
	base := strings.TrimRightFunc(p, func(r rune) bool {
		return r < utf8.RuneSelf && (unicode.IsDigit(r) || unicode.IsPunct(r) || unicode.IsSymbol(r))
	})
	return base != p && utf8.RuneCountInString(base) >= minStrippedLen && l.common[base]
}

// oneWord reports whether zxcvbn explains the whole of pw as one
// dictionary word (possibly reversed or with l33t substitutions). A match
// against the user inputs counts only if the word is on blocklist.txt: the
// user's own name is weak (zxcvbn scores it 0) but not "common".
func oneWord(pw string, res zxcvbn.Result) bool {
	if len(res.Sequence) != 1 {
		return false
	}
	m := res.Sequence[0]
	if m.Pattern != "dictionary" || m.Token != pw {
		return false
	}
	return m.DictionaryName != "user_inputs" || lists().extra[m.MatchedWord]
}

// expandInputs turns what we know about the user into the words zxcvbn
// should treat as guessable: each input whole and lower-cased, its pieces
// (an e-mail's local part and domain, the words of a name), the Russian
// pieces on the QWERTY layout and transliterated, pairs of words run
// together ("ivanpetrov"), the digits of a phone number with and without
// the country code, and blocklist.txt.
func expandInputs(userInputs []string) []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if utf8.RuneCountInString(s) >= minInputToken && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	type word struct{ raw, qwerty, latin string }
	var words []word
	if len(userInputs) > maxUserInputs {
		userInputs = userInputs[:maxUserInputs]
	}
	for _, in := range userInputs {
		if utf8.RuneCountInString(in) > maxUserInputLen {
			in = string([]rune(in)[:maxUserInputLen])
		}
		in = strings.ToLower(strings.TrimSpace(in))
		add(in)
		if local, domain, ok := strings.Cut(in, "@"); ok {
			add(local)
			add(domain)
		}
		pieces := strings.FieldsFunc(in, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		add(strings.Join(pieces, ""))
		for _, p := range pieces {
			w := word{raw: p, qwerty: toQWERTY(p), latin: p}
			if t, ok := transliterate(p); ok {
				w.latin = t
			}
			add(w.raw)
			add(w.qwerty)
			add(w.latin)
			if len(words) < maxWords && utf8.RuneCountInString(p) >= minInputToken && strings.IndexFunc(p, unicode.IsDigit) < 0 {
				words = append(words, w)
			}
		}
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, in)
		add(digits)
		if len(digits) == 11 && (digits[0] == '7' || digits[0] == '8') {
			add(digits[1:])
			add("7" + digits[1:])
			add("8" + digits[1:])
		}
	}
	for i, a := range words {
		for j, b := range words {
			if i != j {
				add(a.raw + b.raw)
				add(a.qwerty + b.qwerty)
				add(a.latin + b.latin)
			}
		}
	}
	for w := range lists().extra {
		add(w)
	}
	return out
}

// maxWords bounds the words of user data combined in pairs.
const maxWords = 8

// missing returns the recommendations pw does not meet yet.
func missing(pw string) []problem.Message {
	var upper, lower, digit, special bool
	run, maxRun := 0, 0
	var prev rune = -1
	for _, r := range pw {
		switch {
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= '0' && r <= '9':
			digit = true
		case r >= 0x21 && r <= 0x7e:
			special = true
		}
		if r == prev {
			run++
		} else {
			run = 1
		}
		maxRun = max(maxRun, run)
		prev = r
	}
	var out []problem.Message
	if !upper || !lower {
		out = append(out, problem.M("password.hint.case"))
	}
	if !digit {
		out = append(out, problem.M("password.hint.digit"))
	}
	if !special {
		out = append(out, problem.M("password.hint.special"))
	}
	if maxRun >= repeatRun {
		out = append(out, problem.M("password.hint.repeat", "Max", repeatRun-1))
	}
	if utf8.RuneCountInString(pw) < RecommendedLen {
		out = append(out, problem.M("password.hint.length", "Min", RecommendedLen))
	}
	return out
}

// repeatRun is the length of a run of one character ("aaa", "111") that
// earns the "password.hint.repeat" recommendation. Doubled letters are
// ordinary ("password", "1122") and are not counted.
const repeatRun = 3
