// Package textsearch turns Russian and English text into the terms kabinet
// searches by (issue 14 §3).
//
// Go computes every term, so search behaves the same on SQLite and
// PostgreSQL: the catalog stores, per service, the Terms of its fields
// (each node matches them in memory, decision 19), and a query goes
// through the same Terms. What matches is decided here, not by either
// engine's dictionaries.
//
// The pipeline:
//
//	Fold    lower-case, ё→е (NFC first, so a decomposed ё folds too)
//	Tokens  words of letters or of digits, folded; everything else separates
//	Terms   Tokens minus a short stop-word list, each word through Stem
//	Stem    Russian snowball for Cyrillic words, English (Porter2) for Latin
//
// Two more things the catalog keeps and asks for:
//
//   - Suggestions as the user types match the last, unfinished word as a
//     prefix of stored words, not stems («паспо» is not a prefix of any
//     inflection's stem in a useful way, and a stem is not what the user
//     sees). So the catalog also stores each service's Tokens (the folded
//     words, stop words included: «в» may be the start of «врач») and
//     matches Prefix of the unfinished word against them; Typed splits a
//     search box's content into the finished words' Terms and that Prefix.
//   - Typo tolerance: a Vocabulary of every stored term (stems, with their
//     counts) answers Correct with the stems one edit away from a query
//     word: the catalog asks it for each of the query's Tokens when the
//     query's Terms find nothing (or too little) and searches for the
//     corrections, any of them, in that word's place. See Vocabulary.Correct
//     for why it looks at both the folded word and its stem.
//
// The package does no I/O and holds no mutable global state; a Vocabulary is
// immutable once built and safe for concurrent use.
package textsearch
