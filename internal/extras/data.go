// Package extras owns the citizen's additional data («Дополнительные
// данные»): the registration address, the residence address (or «совпадает
// с адресом регистрации»), the home phone, the INN — typed by the citizen
// or found by the Tax Service with their personal data — and the OMS
// policy's number. Every item is optional; each is checked by its own rule
// (address, contact, document) with a message on its field. Saving is one
// transaction with an audit event naming the fields that changed, never
// their values.
//
// «Найти мой ИНН» asks the Tax Service (registry.Tax) with the personal
// data of «Мои данные» — verified, else the latest submission — for a
// bounded wait: a found INN is saved with its source, a person the Tax
// Service does not know is told so, and a Tax Service that does not answer
// is never papered over with a made-up number.
//
// extras imports address, contact, document, profile, registry, audit,
// export, session, throttle and problem; it knows nothing of HTTP or SQL.
package extras

import (
	"slices"
	"strings"
	"time"

	"github.com/kabinet/kabinet/internal/address"
	"github.com/kabinet/kabinet/internal/contact"
	"github.com/kabinet/kabinet/internal/document"
	"github.com/kabinet/kabinet/internal/problem"
)

// INNSource says where the INN came from.
type INNSource string

const (
	Typed   INNSource = "typed" // typed by the citizen
	FromFNS INNSource = "fns"   // found by the Tax Service («Найти мой ИНН»)
)

// The items' names, as in the API; an address's parts are under its own
// name ("registration_address.house").
const (
	FieldRegistration  = "registration_address"
	FieldResidence     = "residence_address"
	FieldResidenceSame = "residence_same"
	FieldHomePhone     = "home_phone"
	FieldINN           = "inn"
	FieldOMS           = "oms"
)

// Fields lists the items in the order of the form.
var Fields = []string{FieldRegistration, FieldResidence, FieldResidenceSame, FieldHomePhone, FieldINN, FieldOMS}

// Data is an account's additional data in canonical form. The zero value is
// none at all.
type Data struct {
	Registration *address.Address // nil: not given
	// Residence is the residence address as given: nil when not given, and
	// when ResidenceSame.
	Residence     *address.Address
	ResidenceSame bool // «совпадает с адресом регистрации»
	HomePhone     contact.Phone
	INN           document.INN
	INNSource     INNSource // "" when there is no INN
	OMS           document.OMS
	UpdatedAt     time.Time // zero before the first save
}

// ResidenceAddress is where the citizen lives: the registration address
// when they said it is the same, else the residence address (nil when
// unknown).
func (d Data) ResidenceAddress() *address.Address {
	if d.ResidenceSame {
		return d.Registration
	}
	return d.Residence
}

// Input is the form as typed, named as in the API. An address with every
// part empty is not given.
type Input struct {
	Registration, Residence address.Address
	ResidenceSame           bool
	HomePhone, INN, OMS     string
}

// Normalize checks every item of in and returns the canonical Data (its
// INNSource is Typed when there is an INN: Service.Save keeps the Tax
// Service's when the number did not change). Errors: a problem.Invalid
// error with one message per wrong field, named as in the API —
// registration_address.<part> and residence_address.<part> (address.Normalize),
// residence_same ("additional_data.same_without_registration" when ticked
// without a registration address), home_phone (contact.ParseHomePhone),
// inn (document.ParseINN), oms (document.ParseOMS). With residence_same the
// residence address typed is ignored.
func Normalize(in Input, regions address.Regions) (Data, error) {
	var f problem.Fields
	var d Data
	var err error
	d.Registration, err = optionalAddress(FieldRegistration, in.Registration, regions)
	f.Merge(err)
	if in.ResidenceSame {
		d.ResidenceSame = true
		if d.Registration == nil && err == nil {
			f.Add(FieldResidenceSame, problem.M("additional_data.same_without_registration"))
		}
	} else {
		d.Residence, err = optionalAddress(FieldResidence, in.Residence, regions)
		f.Merge(err)
	}
	d.HomePhone, err = contact.ParseHomePhone(in.HomePhone)
	f.Add(FieldHomePhone, err)
	if strings.TrimSpace(in.INN) != "" {
		d.INN, err = document.ParseINN(in.INN)
		f.Add(FieldINN, err)
		d.INNSource = Typed
	}
	if strings.TrimSpace(in.OMS) != "" {
		d.OMS, err = document.ParseOMS(in.OMS)
		f.Add(FieldOMS, err)
	}
	if err := f.Err(); err != nil {
		return Data{}, err
	}
	return d, nil
}

func optionalAddress(prefix string, a address.Address, regions address.Regions) (*address.Address, error) {
	if blank(a) {
		return nil, nil
	}
	n, err := address.Normalize(prefix, a, regions)
	if err != nil {
		return nil, err
	}
	return &n, nil
}

// blank reports whether no part of an address was typed.
func blank(a address.Address) bool {
	for _, s := range []string{a.Region, a.Locality, a.Street, a.House, a.Building, a.Flat, a.Postcode} {
		if strings.TrimSpace(s) != "" {
			return false
		}
	}
	return true
}

// Changed names the items that differ between two versions of the data, in
// the order of Fields: what an audit event may say about a save.
func Changed(old, next Data) []string {
	var out []string
	if !sameAddress(old.Registration, next.Registration) {
		out = append(out, FieldRegistration)
	}
	if !sameAddress(old.Residence, next.Residence) {
		out = append(out, FieldResidence)
	}
	if old.ResidenceSame != next.ResidenceSame {
		out = append(out, FieldResidenceSame)
	}
	if old.HomePhone != next.HomePhone {
		out = append(out, FieldHomePhone)
	}
	if old.INN != next.INN || old.INNSource != next.INNSource {
		out = append(out, FieldINN)
	}
	if old.OMS != next.OMS {
		out = append(out, FieldOMS)
	}
	return out
}

// sameAddress compares two stored addresses exactly: a change of case is a
// change the citizen made.
func sameAddress(a, b *address.Address) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// Line writes an address on one line as Russian post does, postcode first:
// "392000, Тамбовская обл, Тамбов, ул. Советская, д. 5, корп. 1, кв. 12".
// region is the region's name (its code when the caller has none).
func Line(a address.Address, region string) string {
	parts := []string{a.Postcode, region, a.Locality, a.Street}
	for _, p := range [][2]string{{"д. ", a.House}, {"корп. ", a.Building}, {"кв. ", a.Flat}} {
		if p[1] != "" {
			parts = append(parts, p[0]+p[1])
		}
	}
	parts = slices.DeleteFunc(parts, func(s string) bool { return s == "" })
	return strings.Join(parts, ", ")
}
