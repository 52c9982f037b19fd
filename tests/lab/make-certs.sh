#!/usr/bin/env bash
# make-certs.sh DIR - a throw-away test PKI for the lab Postfix.
#
#   ca.crt / ca.key              "smtpdiag Test CA", self-signed, 10 years
#   mail.lab.test.key / .crt     leaf for mail.lab.test (+ lab.test), signed by the CA
#   chain-mail.lab.test.pem      key + leaf, in the order smtpd_tls_chain_files wants
#
# Idempotent: does nothing when every file exists. Nothing here is committed;
# the files live in the lab's state directory.
set -euo pipefail
dir="${1:?usage: make-certs.sh DIR}"
mkdir -p "$dir"; cd "$dir"
all=(ca.crt ca.key mail.lab.test.key mail.lab.test.crt chain-mail.lab.test.pem)
ok=1; for f in "${all[@]}"; do [[ -s $f ]] || ok=0; done
[[ $ok -eq 1 ]] && exit 0
rm -f "${all[@]}"
q() { "$@" >/dev/null 2>&1 || { echo "make-certs.sh: failed: $*" >&2; "$@"; exit 1; }; }
q openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 \
  -subj "/O=smtpdiag tests/CN=smtpdiag Test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
q openssl req -new -newkey rsa:2048 -nodes -keyout mail.lab.test.key -out leaf.csr \
  -subj "/O=smtpdiag tests/CN=mail.lab.test"
cat > leaf.ext <<EOT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:mail.lab.test,DNS:lab.test
EOT
q openssl x509 -req -in leaf.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out mail.lab.test.crt \
  -days 825 -sha256 -extfile leaf.ext
cat mail.lab.test.key mail.lab.test.crt > chain-mail.lab.test.pem
rm -f leaf.csr leaf.ext ca.srl
chmod 0600 ./*.key chain-*.pem
