package signature

// FoldForTest reports whether two names are the same as names compare.
func FoldForTest(a, b string) bool { return fold(a) == fold(b) }
