// Package address owns the rules for a structured address as a citizen types
// it (registration and residence address): the region by its 2-digit code
// from the reference data (package places), locality, street, house,
// building, flat and postcode. Normalize returns the canonical address or a
// problem.Error with one message per field; Same compares two addresses for
// «совпадает с адресом регистрации». The IDs are translated from
// internal/i18n/locales/address.*.toml.
//
// address is a domain package: it imports person, problem and the standard
// library; the reference data reaches it through the Regions interface.
package address
