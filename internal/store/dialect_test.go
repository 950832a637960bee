package store

import "testing"

func TestRebindDollar(t *testing.T) {
	for in, want := range map[string]string{
		"SELECT 1":                                 "SELECT 1",
		"a = ? AND b = ?":                          "a = $1 AND b = $2",
		"x = '?' AND y = ?":                        "x = '?' AND y = $1",
		"INSERT INTO t VALUES (?,?,?)":             "INSERT INTO t VALUES ($1,$2,$3)",
		"a = 'it''s ?' AND b = ? AND c = 'q?' , ?": "a = 'it''s ?' AND b = $1 AND c = 'q?' , $2",
	} {
		if got := rebindDollar(in); got != want {
			t.Errorf("rebindDollar(%q) = %q, want %q", in, got, want)
		}
	}
}
