#!/bin/bash
# Makes the certificates the authentication tests use, with nothing but openssl (Debian 12's
# 3.0), into the directory given:
#
#   ca.pem ca.key               the test CA: signs the server's and the clients' certificates
#   other-ca.pem other-ca.key   a CA nobody trusts
#   server.pem server.key       the server: DNS:localhost, IP:127.0.0.1 (serverAuth)
#   renewed.pem renewed.key     another certificate for the same names (a rotation)
#   elsewhere.pem elsewhere.key a server certificate of the test CA for another name only
#   owner-a.*    URI spiffe://infip.test/owner-a           identity: its SPIFFE ID
#   owner-b.*    DNS owner-b.clients.infip.test             identity: its SAN
#   verifier.*   CN verifier, no SAN                       identity: its CN
#   admin.*      URI spiffe://infip.test/admin + DNS admin.clients.infip.test: the SPIFFE ID wins
#   expired.*    owner-a's identity, valid 2020-01-01..02 only
#   stranger.*   owner-a's identity, signed by other-ca
#   two-spiffe.* two spiffe:// URIs: no identity
#
#   tests/server/make_test_pki.sh /tmp/pki
set -euo pipefail
out=${1:?usage: make_test_pki.sh OUTDIR}
mkdir -p "$out"
cd "$out"

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null; }

make_ca() {  # name cn
  key "$1"
  openssl req -x509 -new -key "$1.key" -out "$1.pem" -subj "/CN=$2" -days 30 \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
  mkdir -p "$1.db"
  : > "$1.db/index.txt"
  echo 1000 > "$1.db/serial"
}

# sign CA NAME CN EKU SAN [START END]: a certificate for NAME issued by CA (openssl ca, so
# that the validity period can be set exactly).
sign() {
  local ca=$1 name=$2 cn=$3 eku=$4 san=$5
  key "$name"
  openssl req -new -key "$name.key" -out "$name.csr" -subj "/CN=$cn"
  {
    echo "[ca]"; echo "default_ca = c"
    echo "[c]"; echo "database = $ca.db/index.txt"; echo "new_certs_dir = $ca.db"
    echo "serial = $ca.db/serial"; echo "default_md = sha256"; echo "policy = p"
    echo "unique_subject = no"; echo "x509_extensions = e"; echo "default_days = 30"
    echo "[p]"; echo "commonName = supplied"
    echo "[e]"; echo "basicConstraints = critical,CA:FALSE"
    echo "keyUsage = critical,digitalSignature"; echo "extendedKeyUsage = $eku"
    if [ -n "$san" ]; then echo "subjectAltName = $san"; fi
  } > "$name.cnf"
  local dates=()
  if [ $# -ge 7 ]; then dates=(-startdate "$6" -enddate "$7"); fi
  openssl ca -batch -notext -config "$name.cnf" -cert "$ca.pem" -keyfile "$ca.key" \
    -in "$name.csr" -out "$name.pem" "${dates[@]}" 2>/dev/null
  rm -f "$name.csr" "$name.cnf"
}

make_ca ca "infip test CA"
make_ca other-ca "someone else's CA"
sign ca server localhost serverAuth "DNS:localhost,IP:127.0.0.1"
sign ca renewed localhost serverAuth "DNS:localhost,IP:127.0.0.1"
sign ca elsewhere elsewhere.test serverAuth "DNS:elsewhere.test"
sign ca owner-a owner-a clientAuth "URI:spiffe://infip.test/owner-a"
sign ca owner-b owner-b clientAuth "DNS:owner-b.clients.infip.test"
sign ca verifier verifier clientAuth ""
sign ca admin admin clientAuth "URI:spiffe://infip.test/admin,DNS:admin.clients.infip.test"
sign ca expired owner-a clientAuth "URI:spiffe://infip.test/owner-a" 20200101000000Z 20200102000000Z
sign other-ca stranger owner-a clientAuth "URI:spiffe://infip.test/owner-a"
sign ca two-spiffe two-spiffe clientAuth "URI:spiffe://infip.test/x,URI:spiffe://infip.test/y"
chmod 600 ./*.key
