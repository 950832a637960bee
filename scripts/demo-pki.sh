#!/usr/bin/env bash
# Makes the demo's qualified-signature PKI in internal/demo/qes (committed;
# run again only to renew it): a GOST R 34.10-2012 root «Демонстрационный
# УЦ kabinet», its CRL, and two certificates of the standard demo citizen
# Петрова Светлана Андреевна (SNILS 157-482-936 07) — one GOST-256, one
# ECDSA P-256 that a stock OpenSSL can sign with — with their private keys.
# The keys are public on purpose: demo data, trusted only by demo
# deployments (demo.SeedTrust). Needs Debian's libengine-gost-openssl.
set -euo pipefail
out="$(cd "$(dirname "$0")/.." && pwd)/internal/demo/qes"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
E=(-engine gost)
mkdir ca && : > ca/index.txt && echo 01 > ca/serial && echo 01 > ca/crlnumber
cat > ca.cnf <<CNF
[ca]
default_ca = CA
[CA]
dir = $work/ca
database = $work/ca/index.txt
new_certs_dir = $work/ca
serial = $work/ca/serial
crlnumber = $work/ca/crlnumber
default_md = md_gost12_256
policy = anything
unique_subject = no
copy_extensions = none
preserve = yes
default_crl_days = 3650
[anything]
countryName = optional
organizationName = optional
commonName = optional
surname = optional
givenName = optional
SNILS = optional
emailAddress = optional
[req]
distinguished_name = dn
string_mask = utf8only
utf8 = yes
[dn]
[root]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[signer]
basicConstraints = CA:false
keyUsage = critical,digitalSignature,nonRepudiation
extendedKeyUsage = emailProtection,clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
crlDistributionPoints = URI:http://ca.kabinet.invalid/demo.crl
CNF
subj="/C=RU/SN=Петрова/GN=Светлана Андреевна/CN=Петрова Светлана Андреевна/SNILS=15748293607/emailAddress=petrova@example.ru"
openssl genpkey "${E[@]}" -algorithm gost2012_256 -pkeyopt paramset:A -out ca.key
# Self-signed through openssl ca, which sets the dates: from 2025, so that
# the demo works whatever day a test's clock starts on.
openssl req "${E[@]}" -config ca.cnf -new -key ca.key -md_gost12_256 -utf8 -subj "/C=RU/O=kabinet/CN=Демонстрационный УЦ kabinet" -out ca.csr
openssl ca "${E[@]}" -config ca.cnf -batch -selfsign -in ca.csr -keyfile ca.key -extensions root \
  -startdate 20250101000000Z -enddate 20360101000000Z -utf8 -out ca-full.pem
sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' ca-full.pem > ca.pem
openssl genpkey "${E[@]}" -algorithm gost2012_256 -pkeyopt paramset:A -out petrova-gost.key
openssl req "${E[@]}" -config ca.cnf -new -key petrova-gost.key -md_gost12_256 -utf8 -subj "$subj" -out petrova-gost.csr
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out petrova-ecdsa.key
openssl req -config ca.cnf -new -key petrova-ecdsa.key -sha256 -utf8 -subj "$subj" -out petrova-ecdsa.csr
for k in gost ecdsa; do
  openssl ca "${E[@]}" -config ca.cnf -batch -in "petrova-$k.csr" -cert ca.pem -keyfile ca.key -extensions signer \
    -startdate 20250101000000Z -enddate 20351231000000Z -utf8 -out "petrova-$k.pem"
done
openssl ca "${E[@]}" -config ca.cnf -gencrl -cert ca.pem -keyfile ca.key -crl_lastupdate 20250101000000Z -crl_nextupdate 20351231000000Z -out ca.crl
mkdir -p "$out"
for f in ca.pem ca.crl petrova-gost.pem petrova-gost.key petrova-ecdsa.pem petrova-ecdsa.key; do
  cp "$f" "$out/$f"
done
# openssl ca prints the certificate's text before the PEM: keep the PEM.
for f in petrova-gost.pem petrova-ecdsa.pem; do
  sed -n '/-----BEGIN CERTIFICATE-----/,/-----END CERTIFICATE-----/p' "$work/$f" > "$out/$f"
done
echo "demo PKI written to $out"
