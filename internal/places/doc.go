// Package places holds the reference data addresses are chosen from: Russia's
// federal subjects, keyed on the 2-digit subject code, and its towns, with
// their codes and coordinates. The data (hflabs/region and hflabs/city,
// DaData.ru, CC BY-SA 4.0; see data/README.md) is embedded; Load parses it
// into a Directory that the caller keeps, and what administrators add —
// regions, villages — joins it (Extend; internal/gazetteer keeps those).
//
// places is a library package: it imports only the standard library and
// does no I/O beyond its embedded files.
package places
