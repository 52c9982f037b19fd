#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make-certs.sh DIR - a throw-away test PKI for the lab Postfix.
#
#   ca.crt / ca.key            "smtpdiag Test CA", self-signed root, 10 years
#   int-ca.crt / int-ca.key    "smtpdiag Test Intermediate CA", signed by the root
#   leaf.key                   the one key every leaf below uses (RSA 2048)
#   good.crt                   mail.lab.test + lab.test, signed by the root, valid now
#   int-leaf.crt               mail.lab.test, signed by the intermediate, valid now
#   expired.crt                mail.lab.test, signed by the root, 2020-01-01..2021-01-01
#   wronghost.crt              wrong.example.invalid, signed by the root, valid now
#   selfsigned.crt             mail.lab.test, signing itself
#   mta-sts.crt                mta-sts.<d>.lab.test for every MTA-STS test domain (HTTPS lab)
#   mta-sts-expired.crt        mta-sts.expired.lab.test, expired
#   chain-*.pem                key + certificate(s) in smtpd_tls_chain_files order:
#                              good, expired, wronghost, selfsigned,
#                              int-full (leaf + intermediate), int-noint (leaf alone)
# Idempotent: does nothing when every file exists. Nothing here is committed;
# the files live in the lab's state directory.
set -euo pipefail
dir="${1:?usage: make-certs.sh DIR}"
mkdir -p "$dir"; cd "$dir"
all=(ca.crt int-ca.crt leaf.key good.crt int-leaf.crt expired.crt wronghost.crt selfsigned.crt mta-sts.crt mta-sts-expired.crt
     chain-good.pem chain-expired.pem chain-wronghost.pem chain-selfsigned.pem chain-int-full.pem chain-int-noint.pem)
ok=1; for f in "${all[@]}"; do [[ -s $f ]] || ok=0; done
[[ $ok -eq 1 ]] && exit 0
rm -f ./*.crt ./*.key ./*.pem
q() { "$@" >/dev/null 2>&1 || { echo "make-certs.sh: failed: $*" >&2; "$@"; exit 1; }; }
w=$(mktemp -d); trap 'rm -rf "$w"' EXIT
touch "$w/index.txt"; echo "1000$(openssl rand -hex 6)" > "$w/serial"
cat > "$w/ca.cnf" <<EOT
[ ca ]
default_ca = testca
[ testca ]
database = $w/index.txt
serial = $w/serial
new_certs_dir = $w
default_md = sha256
policy = any
unique_subject = no
copy_extensions = copy
[ any ]
commonName = supplied
organizationName = optional
[ leaf ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ root ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[ intermediate ]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOT
now=$(date -u -d '-1 day' +%Y%m%d%H%M%SZ); later=$(date -u -d '+825 days' +%Y%m%d%H%M%SZ)
q openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 \
  -subj "/O=smtpdiag tests/CN=smtpdiag Test CA" -config "$w/ca.cnf" -extensions root
q openssl genrsa -out int-ca.key 2048
q openssl req -new -key int-ca.key -out "$w/int.csr" -subj "/O=smtpdiag tests/CN=smtpdiag Test Intermediate CA"
q openssl ca -batch -notext -config "$w/ca.cnf" -cert ca.crt -keyfile ca.key -extensions intermediate \
  -in "$w/int.csr" -out int-ca.crt -startdate "$now" -enddate "$(date -u -d '+1825 days' +%Y%m%d%H%M%SZ)"
q openssl genrsa -out leaf.key 2048
csr() { q openssl req -new -key leaf.key -out "$w/$1.csr" -subj "/O=smtpdiag tests/CN=$2" -addext "subjectAltName=$3"; }
sign() { q openssl ca -batch -notext -config "$w/ca.cnf" -extensions leaf -in "$w/$1.csr" -out "$2" -startdate "$3" -enddate "$4" "${@:5}"; }
csr good mail.lab.test "DNS:mail.lab.test,DNS:lab.test"
csr wrong wrong.example.invalid "DNS:wrong.example.invalid"
sans=""; for d in lab.test wild.lab.test badmx.lab.test redirect.lab.test big.lab.test ctype.lab.test \
  syntax.lab.test nopolicy.lab.test twotxt.lab.test badtxt.lab.test multi.lab.test; do sans="$sans,DNS:mta-sts.$d"; done
csr mtasts mta-sts.lab.test "${sans#,}"
csr mtastsexp mta-sts.expired.lab.test "DNS:mta-sts.expired.lab.test"
sign mtasts mta-sts.crt "$now" "$later" -cert ca.crt -keyfile ca.key
sign mtastsexp mta-sts-expired.crt 20200101000000Z 20210101000000Z -cert ca.crt -keyfile ca.key
sign good good.crt "$now" "$later" -cert ca.crt -keyfile ca.key
sign good expired.crt 20200101000000Z 20210101000000Z -cert ca.crt -keyfile ca.key
sign wrong wronghost.crt "$now" "$later" -cert ca.crt -keyfile ca.key
sign good int-leaf.crt "$now" "$later" -cert int-ca.crt -keyfile int-ca.key
q openssl req -x509 -key leaf.key -out selfsigned.crt -days 825 -subj "/O=smtpdiag tests/CN=mail.lab.test" \
  -addext "subjectAltName=DNS:mail.lab.test,DNS:lab.test" -addext "basicConstraints=critical,CA:FALSE"
for v in good expired wronghost selfsigned; do cat leaf.key "$v.crt" > "chain-$v.pem"; done
cat leaf.key int-leaf.crt int-ca.crt > chain-int-full.pem
cat leaf.key int-leaf.crt > chain-int-noint.pem
chmod 0600 ./*.key chain-*.pem
