// Package registrysim is the simulated state registries: a real HTTP server
// playing the Social Fund (SNILS), the Ministry of Internal Affairs
// (passports) and the Tax Service (INN), for the demo, for tests and for
// `kabinet registry-sim`. kabinet reaches it only through
// internal/registry/httpclient, as it would reach a real connection.
//
// The API (JSON in and out; every POST and PUT needs "Authorization: Bearer
// <token>" when a token is set):
//
//	POST /sfr/snils/check     {"snils","surname","name","patronymic","birth_date","gender"}
//	     → {"result":"match"} | {"result":"mismatch","fields":["surname",…]} | {"result":"unknown"}
//	POST /mvd/passport/check  {"series","number","issue_date","holder":{…person, optional}}
//	     → {"result":"valid"} | {"result":"invalid","reason":"lost|expired|replaced|not_issued"}
//	       | {"result":"mismatch","fields":["issue_date",…]}
//	POST /fns/inn/search      {…person,"passport":{"series","number","issue_date"}}
//	     → {"result":"found","inn":"…"} | {"result":"not_found"}
//	GET  /control, PUT /control  each registry's delay, fail_rate, hang_rate and outages
//
// Malformed JSON answers 400, malformed fields 422 with {"error","fields"},
// an injected failure or an outage 503 (an outage with Retry-After). The
// citizens come from a data file (DemoCitizens is the shipped demo.json);
// the file format, the demo people and every setting are described in
// docs/registry-sim.md.
//
// Delays use timers and the random source is seeded, so tests reproduce
// every path exactly (testing/synctest for the delays); outage windows are
// read against Config.Now. Server.Stats counts the calls, by registry and
// by the subject of each answered question, for tests that must see every
// question asked once.
//
// registrysim is an adapter: it imports internal/registry (for the names of
// registries, fields and reasons) and the standard library.
package registrysim
