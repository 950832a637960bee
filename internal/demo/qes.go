package demo

import _ "embed"

// The demo's qualified-signature PKI (internal/demo/qes, made by
// scripts/demo-pki.sh): a GOST R 34.10-2012 root, «Демонстрационный УЦ
// kabinet», trusted by demo deployments with its CRL uploaded (its
// distribution point, ca.kabinet.invalid, never answers: the uploaded copy
// is what revocation is checked against). Петрова Светлана Андреевна, the
// standard demo citizen, holds two certificates of it, GOST-256 and ECDSA
// P-256, whose private keys lie beside them for a newcomer to sign the
// statement with (README).
var (
	//go:embed qes/ca.pem
	SignatureCA []byte
	//go:embed qes/ca.crl
	SignatureCRL []byte
)

// Catalog is the demo's service catalog (catalog.json: written for the
// demo, not copied from any site), imported into a new demo deployment.
//
//go:embed catalog.json
var Catalog []byte
