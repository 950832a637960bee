package esign

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"

	"github.com/deatil/go-cryptobin/hash/gost/gost34112012256"
	"github.com/deatil/go-cryptobin/hash/gost/gost34112012512"
	"github.com/deatil/go-cryptobin/pubkey/gost"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

var (
	oidSHA256       = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384       = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512       = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	oidStreebog256  = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 2, 2}
	oidStreebog512  = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 2, 3}
	oidRSA          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidRSAPSS       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidSHA256RSA    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA384RSA    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSHA512RSA    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	oidMGF1         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
	oidECPublicKey  = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidECDSASHA256  = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSASHA384  = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSASHA512  = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	oidGOST256Key   = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 1, 1}
	oidGOST512Key   = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 1, 2}
	oidGOST256Sign  = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 3, 2}
	oidGOST512Sign  = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 3, 3}
	derNULL         = []byte{0x05, 0x00}
	errKeyMismatch  = errors.New("signature algorithm does not fit the key")
	errBadSignature = errors.New("signature does not verify")
)

// digest is a supported message digest.
type digest int

const (
	noDigest digest = iota
	sha256Digest
	sha384Digest
	sha512Digest
	streebog256Digest
	streebog512Digest
)

func (d digest) new() hash.Hash {
	switch d {
	case sha256Digest:
		return sha256.New()
	case sha384Digest:
		return sha512.New384()
	case sha512Digest:
		return sha512.New()
	case streebog256Digest:
		return gost34112012256.New()
	case streebog512Digest:
		return gost34112012512.New()
	}
	panic("esign: no digest") // unreachable: callers check d != noDigest
}

func (d digest) sum(data []byte) []byte {
	h := d.new()
	h.Write(data)
	return h.Sum(nil)
}

func (d digest) crypto() crypto.Hash {
	switch d {
	case sha256Digest:
		return crypto.SHA256
	case sha384Digest:
		return crypto.SHA384
	case sha512Digest:
		return crypto.SHA512
	}
	return 0
}

func digestFromOID(oid asn1.ObjectIdentifier) digest {
	switch {
	case oid.Equal(oidSHA256):
		return sha256Digest
	case oid.Equal(oidSHA384):
		return sha384Digest
	case oid.Equal(oidSHA512):
		return sha512Digest
	case oid.Equal(oidStreebog256):
		return streebog256Digest
	case oid.Equal(oidStreebog512):
		return streebog512Digest
	}
	return noDigest
}

// keyKind is a supported kind of public key.
type keyKind int

const (
	noKey keyKind = iota
	rsaKey
	ecdsaKey
	gost256Key
	gost512Key
)

// name is the Signer.Algorithm value for the kind.
func (k keyKind) name() string {
	return [...]string{"", "rsa", "ecdsa", "gost2012-256", "gost2012-512"}[k]
}

// algorithmID is an AlgorithmIdentifier: an OID and its raw parameters
// (nil when absent).
type algorithmID struct {
	oid    asn1.ObjectIdentifier
	params []byte
}

func readAlgorithmID(s *cryptobyte.String, out *algorithmID) bool {
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1ObjectIdentifier(&out.oid) {
		return false
	}
	out.params = nil
	if !seq.Empty() {
		var params cryptobyte.String
		var tag cbasn1.Tag
		if !seq.ReadAnyASN1Element(&params, &tag) || !seq.Empty() {
			return false
		}
		out.params = params
	}
	return true
}

// scheme is what a signature algorithm identifier says: the key kind, the
// digest (noDigest when the identifier names only the key, as CMS signer
// infos often do) and, for RSA, whether it is PSS.
type scheme struct {
	key    keyKind
	digest digest
	pss    bool
}

func schemeOf(a algorithmID) (scheme, error) {
	noParams := a.params == nil || bytes.Equal(a.params, derNULL)
	switch {
	case a.oid.Equal(oidRSA) && noParams:
		return scheme{key: rsaKey}, nil
	case a.oid.Equal(oidSHA256RSA) && noParams:
		return scheme{key: rsaKey, digest: sha256Digest}, nil
	case a.oid.Equal(oidSHA384RSA) && noParams:
		return scheme{key: rsaKey, digest: sha384Digest}, nil
	case a.oid.Equal(oidSHA512RSA) && noParams:
		return scheme{key: rsaKey, digest: sha512Digest}, nil
	case a.oid.Equal(oidRSAPSS):
		d, err := pssDigest(a.params)
		return scheme{key: rsaKey, digest: d, pss: true}, err
	case a.oid.Equal(oidECPublicKey):
		return scheme{key: ecdsaKey}, nil
	case a.oid.Equal(oidECDSASHA256) && a.params == nil:
		return scheme{key: ecdsaKey, digest: sha256Digest}, nil
	case a.oid.Equal(oidECDSASHA384) && a.params == nil:
		return scheme{key: ecdsaKey, digest: sha384Digest}, nil
	case a.oid.Equal(oidECDSASHA512) && a.params == nil:
		return scheme{key: ecdsaKey, digest: sha512Digest}, nil
	case a.oid.Equal(oidGOST256Key) && noParams:
		return scheme{key: gost256Key}, nil
	case a.oid.Equal(oidGOST512Key) && noParams:
		return scheme{key: gost512Key}, nil
	case a.oid.Equal(oidGOST256Sign) && noParams:
		return scheme{key: gost256Key, digest: streebog256Digest}, nil
	case a.oid.Equal(oidGOST512Sign) && noParams:
		return scheme{key: gost512Key, digest: streebog512Digest}, nil
	}
	return scheme{}, fail(UnsupportedAlgorithm, "signature algorithm %s", a.oid)
}

// pssDigest reads RSASSA-PSS-params and returns its digest, which must also
// be MGF1's. The salt length is not read: verification accepts any (Auto).
func pssDigest(params []byte) (digest, error) {
	bad := fail(UnsupportedAlgorithm, "RSA-PSS parameters")
	s := cryptobyte.String(params)
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !s.Empty() {
		return noDigest, bad
	}
	var hashField, mgfField cryptobyte.String
	var hasHash, hasMGF bool
	if !seq.ReadOptionalASN1(&hashField, &hasHash, cbasn1.Tag(0).Constructed().ContextSpecific()) ||
		!seq.ReadOptionalASN1(&mgfField, &hasMGF, cbasn1.Tag(1).Constructed().ContextSpecific()) {
		return noDigest, bad
	}
	if !hasHash || !hasMGF { // the defaults are SHA-1
		return noDigest, bad
	}
	var h, mgf, mgfHash algorithmID
	if !readAlgorithmID(&hashField, &h) || !readAlgorithmID(&mgfField, &mgf) || !mgf.oid.Equal(oidMGF1) {
		return noDigest, bad
	}
	mp := cryptobyte.String(mgf.params)
	if !readAlgorithmID(&mp, &mgfHash) || !mgfHash.oid.Equal(h.oid) {
		return noDigest, bad
	}
	d := digestFromOID(h.oid)
	if d.crypto() == 0 {
		return noDigest, bad
	}
	return d, nil
}

// publicKey is a parsed subject public key of a supported kind.
type publicKey struct {
	kind keyKind
	key  crypto.PublicKey // *rsa.PublicKey, *ecdsa.PublicKey or *gost.PublicKey
}

// check verifies sig over the digest sum (made with sc.digest) with k.
func (k publicKey) check(sc scheme, sum, sig []byte) error {
	if k.kind != sc.key || sc.digest == noDigest {
		return errKeyMismatch
	}
	switch pub := k.key.(type) {
	case *rsa.PublicKey:
		var err error
		if sc.pss {
			err = rsa.VerifyPSS(pub, sc.digest.crypto(), sum, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto})
		} else {
			err = rsa.VerifyPKCS1v15(pub, sc.digest.crypto(), sum, sig)
		}
		if err != nil {
			return errBadSignature
		}
		return nil
	case *ecdsa.PublicKey:
		if sc.digest.crypto() == 0 || !ecdsa.VerifyASN1(pub, sum, sig) {
			return errBadSignature
		}
		return nil
	case *gost.PublicKey:
		// GOST R 34.10-2012 is used with the Streebog of its own size only.
		if (k.kind == gost256Key) != (sc.digest == streebog256Digest) ||
			(k.kind == gost512Key) != (sc.digest == streebog512Digest) {
			return errKeyMismatch
		}
		if ok, err := gost.Verify(pub, sum, sig); err != nil || !ok {
			return errBadSignature
		}
		return nil
	}
	return errKeyMismatch
}

// parsePublicKey reads a SubjectPublicKeyInfo of a supported kind; stdKey is
// what crypto/x509 made of it (nil for GOST, which it does not know).
func parsePublicKey(spki []byte, stdKey any) (publicKey, error) {
	switch pub := stdKey.(type) {
	case *rsa.PublicKey:
		if pub.N.BitLen() < 2048 {
			return publicKey{}, fail(UnsupportedAlgorithm, "RSA key of %d bits", pub.N.BitLen())
		}
		return publicKey{rsaKey, pub}, nil
	case *ecdsa.PublicKey:
		if pub.Curve != elliptic.P256() && pub.Curve != elliptic.P384() && pub.Curve != elliptic.P521() {
			return publicKey{}, fail(UnsupportedAlgorithm, "ECDSA curve %s", pub.Curve.Params().Name)
		}
		return publicKey{ecdsaKey, pub}, nil
	}
	s := cryptobyte.String(spki)
	var seq cryptobyte.String
	var alg algorithmID
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !readAlgorithmID(&seq, &alg) {
		return publicKey{}, fail(Malformed, "subject public key")
	}
	var kind keyKind
	switch {
	case alg.oid.Equal(oidGOST256Key):
		kind = gost256Key
	case alg.oid.Equal(oidGOST512Key):
		kind = gost512Key
	default:
		return publicKey{}, fail(UnsupportedAlgorithm, "public key algorithm %s", alg.oid)
	}
	pub, err := parseGOSTKey(spki)
	if err != nil {
		return publicKey{}, wrap(UnsupportedAlgorithm, err, "GOST public key")
	}
	if want := map[keyKind]int{gost256Key: 32, gost512Key: 64}[kind]; pub.Curve.PointSize() != want {
		return publicKey{}, fail(Malformed, "GOST key size does not fit its algorithm")
	}
	return publicKey{kind, pub}, nil
}

// parseGOSTKey calls go-cryptobin, turning a panic on hostile input into an
// error: the key comes from an uploaded certificate.
func parseGOSTKey(spki []byte) (pub *gost.PublicKey, err error) {
	defer func() {
		if r := recover(); r != nil {
			pub, err = nil, fmt.Errorf("GOST key: %v", r)
		}
	}()
	return gost.ParsePublicKey(spki)
}

// readSigned splits a signed X.509 structure (certificate or CRL) into its
// to-be-signed bytes, signature algorithm and signature value.
func readSigned(der []byte) (tbs []byte, alg algorithmID, sig []byte, ok bool) {
	s := cryptobyte.String(der)
	var seq cryptobyte.String
	var tbsElem cryptobyte.String
	var tag cbasn1.Tag
	var bits asn1.BitString
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) ||
		!seq.ReadAnyASN1Element(&tbsElem, &tag) || tag != cbasn1.SEQUENCE ||
		!readAlgorithmID(&seq, &alg) ||
		!seq.ReadASN1BitString(&bits) || bits.BitLength%8 != 0 || !seq.Empty() {
		return nil, alg, nil, false
	}
	return tbsElem, alg, bits.Bytes, true
}
