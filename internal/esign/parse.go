package esign

import (
	"bytes"
	"encoding/asn1"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// MaxUpload is the largest upload Parse reads. A signature with a full chain
// is a few kilobytes.
const MaxUpload = 1 << 20

var (
	oidData          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidSigningTime   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
)

// Signature is a parsed CMS SignedData with one signer. It holds the
// signature's certificates undecoded; Verify decodes them.
type Signature struct {
	contentType asn1.ObjectIdentifier
	content     []byte // encapsulated content, when the signature is not detached
	attached    bool
	certs       [][]byte // DER certificates carried in the signature
	signer      signerInfo
}

// signerInfo is the one SignerInfo.
type signerInfo struct {
	issuer []byte   // issuerAndSerialNumber: raw issuer Name
	serial *big.Int // and serial; nil when the signer is named by ski
	ski    []byte

	digest digest
	scheme scheme

	signedAttrs   []byte // DER of the signed attributes re-tagged as SET OF, nil if absent
	messageDigest []byte
	attrType      asn1.ObjectIdentifier // the contentType attribute
	signingTime   time.Time

	signature []byte
}

// Parse reads an uploaded signature: DER, PEM (a "PKCS7", "CMS" or "SIGNED
// DATA" block, in any letter case) or Base64 of the DER, with line breaks and
// spaces allowed. It returns *Error with Reason Malformed, or
// UnsupportedAlgorithm for a digest or signature algorithm it does not know.
func Parse(upload []byte) (*Signature, error) {
	if len(upload) > MaxUpload {
		return nil, fail(Malformed, "upload of %d bytes is larger than %d", len(upload), MaxUpload)
	}
	der, err := decodeUpload(upload)
	if err != nil {
		return nil, err
	}
	return parseContentInfo(der)
}

// decodeUpload returns the DER inside an upload.
func decodeUpload(upload []byte) ([]byte, error) {
	b := bytes.TrimPrefix(upload, []byte("\xef\xbb\xbf")) // a BOM from a Windows editor
	if len(b) > 0 && b[0] == 0x30 {
		return b, nil
	}
	b = bytes.TrimSpace(b)
	if bytes.HasPrefix(b, []byte("-----BEGIN")) {
		block, _ := pem.Decode(b)
		if block == nil {
			return nil, fail(Malformed, "unreadable PEM")
		}
		switch string(bytes.ToUpper([]byte(block.Type))) {
		case "PKCS7", "CMS", "SIGNED DATA", "PKCS #7 SIGNED DATA":
			return block.Bytes, nil
		}
		return nil, fail(Malformed, "PEM block %q is not a signature", block.Type)
	}
	clean := make([]byte, 0, len(b))
	for _, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
		default:
			clean = append(clean, c)
		}
	}
	der, err := base64.StdEncoding.DecodeString(string(clean))
	if err != nil {
		der, err = base64.RawStdEncoding.DecodeString(string(clean))
	}
	if err != nil || len(der) == 0 || der[0] != 0x30 {
		return nil, fail(Malformed, "neither DER, PEM nor Base64")
	}
	return der, nil
}

func parseContentInfo(der []byte) (*Signature, error) {
	bad := func(what string) error { return fail(Malformed, "CMS: %s", what) }
	s := cryptobyte.String(der)
	var ci, sd cryptobyte.String
	var ctype asn1.ObjectIdentifier
	if !s.ReadASN1(&ci, cbasn1.SEQUENCE) {
		return nil, bad("not a DER SEQUENCE (BER is not read)")
	}
	if !s.Empty() {
		return nil, bad("trailing data")
	}
	if !ci.ReadASN1ObjectIdentifier(&ctype) {
		return nil, bad("content type")
	}
	if !ctype.Equal(oidSignedData) {
		return nil, bad("not SignedData")
	}
	var explicit cryptobyte.String
	if !ci.ReadASN1(&explicit, cbasn1.Tag(0).Constructed().ContextSpecific()) || !ci.Empty() ||
		!explicit.ReadASN1(&sd, cbasn1.SEQUENCE) || !explicit.Empty() {
		return nil, bad("SignedData")
	}

	var version int
	var digestAlgs, encap, signerInfos cryptobyte.String
	if !sd.ReadASN1Integer(&version) || !sd.ReadASN1(&digestAlgs, cbasn1.SET) ||
		!sd.ReadASN1(&encap, cbasn1.SEQUENCE) {
		return nil, bad("SignedData header")
	}
	sig := &Signature{}
	if !encap.ReadASN1ObjectIdentifier(&sig.contentType) {
		return nil, bad("encapsulated content type")
	}
	if !encap.Empty() {
		var eContent, octets cryptobyte.String
		if !encap.ReadASN1(&eContent, cbasn1.Tag(0).Constructed().ContextSpecific()) || !encap.Empty() ||
			!eContent.ReadASN1(&octets, cbasn1.OCTET_STRING) || !eContent.Empty() {
			return nil, bad("encapsulated content")
		}
		sig.content, sig.attached = octets, true
	}
	var certSet cryptobyte.String
	var hasCerts bool
	if !sd.ReadOptionalASN1(&certSet, &hasCerts, cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return nil, bad("certificates")
	}
	for !certSet.Empty() {
		var elem cryptobyte.String
		var tag cbasn1.Tag
		if !certSet.ReadAnyASN1Element(&elem, &tag) {
			return nil, bad("certificates")
		}
		if tag == cbasn1.SEQUENCE { // other choices (attribute certificates) are not for us
			sig.certs = append(sig.certs, elem)
		}
	}
	if !sd.SkipOptionalASN1(cbasn1.Tag(1).Constructed().ContextSpecific()) || // crls: not used
		!sd.ReadASN1(&signerInfos, cbasn1.SET) || !sd.Empty() {
		return nil, bad("signer infos")
	}
	var si cryptobyte.String
	if !signerInfos.ReadASN1(&si, cbasn1.SEQUENCE) {
		return nil, bad("no signer")
	}
	if !signerInfos.Empty() {
		return nil, bad("more than one signer")
	}
	if err := parseSignerInfo(si, &sig.signer); err != nil {
		return nil, err
	}
	return sig, nil
}

func parseSignerInfo(si cryptobyte.String, out *signerInfo) error {
	bad := func(what string) error { return fail(Malformed, "CMS signer: %s", what) }
	var version int
	if !si.ReadASN1Integer(&version) {
		return bad("version")
	}
	switch {
	case si.PeekASN1Tag(cbasn1.SEQUENCE):
		var ias, issuer cryptobyte.String
		var tag cbasn1.Tag
		out.serial = new(big.Int)
		if !si.ReadASN1(&ias, cbasn1.SEQUENCE) || !ias.ReadAnyASN1Element(&issuer, &tag) ||
			tag != cbasn1.SEQUENCE || !ias.ReadASN1Integer(out.serial) || !ias.Empty() {
			return bad("issuer and serial number")
		}
		out.issuer = issuer
	case si.PeekASN1Tag(cbasn1.Tag(0).ContextSpecific()):
		var ski cryptobyte.String
		if !si.ReadASN1(&ski, cbasn1.Tag(0).ContextSpecific()) || len(ski) == 0 {
			return bad("subject key identifier")
		}
		out.ski = ski
	default:
		return bad("signer identifier")
	}
	var digestAlg, sigAlg algorithmID
	if !readAlgorithmID(&si, &digestAlg) {
		return bad("digest algorithm")
	}
	if out.digest = digestFromOID(digestAlg.oid); out.digest == noDigest {
		return fail(UnsupportedAlgorithm, "digest algorithm %s", digestAlg.oid)
	}
	if si.PeekASN1Tag(cbasn1.Tag(0).Constructed().ContextSpecific()) {
		var elem cryptobyte.String
		if !si.ReadASN1Element(&elem, cbasn1.Tag(0).Constructed().ContextSpecific()) {
			return bad("signed attributes")
		}
		// The signature covers the attributes' DER with the SET OF tag, not
		// the [0] IMPLICIT tag they are stored under (RFC 5652 §5.4).
		out.signedAttrs = append([]byte{0x31}, elem[1:]...)
		if err := parseAttributes(out.signedAttrs, out); err != nil {
			return err
		}
	}
	if !readAlgorithmID(&si, &sigAlg) {
		return bad("signature algorithm")
	}
	sc, err := schemeOf(sigAlg)
	if err != nil {
		return err
	}
	if sc.digest != noDigest && sc.digest != out.digest {
		return fail(UnsupportedAlgorithm, "signature algorithm %s with digest %s", sigAlg.oid, digestAlg.oid)
	}
	sc.digest = out.digest
	out.scheme = sc
	var sigValue cryptobyte.String
	if !si.ReadASN1(&sigValue, cbasn1.OCTET_STRING) || len(sigValue) == 0 {
		return bad("signature value")
	}
	out.signature = sigValue
	if !si.SkipOptionalASN1(cbasn1.Tag(1).Constructed().ContextSpecific()) || !si.Empty() {
		return bad("unsigned attributes")
	}
	return nil
}

// parseAttributes reads the signed attributes this package uses; each may
// appear once, with one value. Others (signingCertificateV2, S/MIME
// capabilities, …) are covered by the signature but not interpreted.
func parseAttributes(set []byte, out *signerInfo) error {
	bad := func(what string) error { return fail(Malformed, "CMS signed attributes: %s", what) }
	s := cryptobyte.String(set)
	var attrs cryptobyte.String
	if !s.ReadASN1(&attrs, cbasn1.SET) || !s.Empty() {
		return bad("SET")
	}
	seen := map[string]bool{}
	var hasDigest, hasType bool
	for !attrs.Empty() {
		var attr, values, value cryptobyte.String
		var oid asn1.ObjectIdentifier
		if !attrs.ReadASN1(&attr, cbasn1.SEQUENCE) || !attr.ReadASN1ObjectIdentifier(&oid) ||
			!attr.ReadASN1(&values, cbasn1.SET) || !attr.Empty() {
			return bad("attribute")
		}
		if seen[oid.String()] {
			return bad("repeated attribute " + oid.String())
		}
		seen[oid.String()] = true
		switch {
		case oid.Equal(oidMessageDigest):
			if !values.ReadASN1(&value, cbasn1.OCTET_STRING) || !values.Empty() {
				return bad("messageDigest")
			}
			out.messageDigest, hasDigest = value, true
		case oid.Equal(oidContentType):
			if !values.ReadASN1ObjectIdentifier(&out.attrType) || !values.Empty() {
				return bad("contentType")
			}
			hasType = true
		case oid.Equal(oidSigningTime):
			var t time.Time
			var ok bool
			if values.PeekASN1Tag(cbasn1.UTCTime) {
				ok = values.ReadASN1UTCTime(&t)
			} else {
				ok = values.ReadASN1GeneralizedTime(&t)
			}
			if !ok || !values.Empty() {
				return bad("signingTime")
			}
			out.signingTime = t.UTC()
		}
	}
	if !hasDigest || !hasType {
		return bad("messageDigest and contentType are required")
	}
	return nil
}
