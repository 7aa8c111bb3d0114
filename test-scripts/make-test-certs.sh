#!/usr/bin/env bash
# Regenerates the TLS fixtures under src/test/resources/tls/ with the JDK's keytool:
#   ca.pem            test CA (trust it with relay.ca_file)
#   localhost.p12     server key + chain for localhost / 127.0.0.1, valid for 100 years
#   expired.p12       server key + chain for localhost / 127.0.0.1, expired long ago
#   other-host.p12    server key + chain for other.example only (hostname mismatch)
# Keystores use the password "changeit" (test fixtures, no secret).
set -euo pipefail
out=$(cd "$(dirname "$0")/.." && pwd)/src/test/resources/tls
kt() { "${JAVA_HOME:+$JAVA_HOME/bin/}keytool" "$@" -storepass changeit -keypass changeit -noprompt >/dev/null 2>&1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
kt -genkeypair -alias ca -keyalg EC -groupname secp256r1 -dname "CN=Mailferry Test CA" -ext bc:c \
   -validity 36500 -keystore "$tmp/ca.p12" -storetype PKCS12
kt -exportcert -rfc -alias ca -keystore "$tmp/ca.p12" -file "$tmp/ca.pem"
server() { # name dname san extra-gencert-args...
  local name=$1 dname=$2 san=$3; shift 3
  kt -genkeypair -alias server -keyalg EC -groupname secp256r1 -dname "$dname" -keystore "$tmp/$name.p12" -storetype PKCS12
  kt -certreq -alias server -keystore "$tmp/$name.p12" -file "$tmp/$name.csr"
  kt -gencert -alias ca -keystore "$tmp/ca.p12" -infile "$tmp/$name.csr" -outfile "$tmp/$name.pem" -rfc \
     -ext "san=$san" -ext eku=serverAuth "$@"
  kt -importcert -alias ca -keystore "$tmp/$name.p12" -file "$tmp/ca.pem" -trustcacerts
  kt -importcert -alias server -keystore "$tmp/$name.p12" -file "$tmp/$name.pem"
  kt -delete -alias ca -keystore "$tmp/$name.p12"
  cp "$tmp/$name.p12" "$out/"
}
server localhost "CN=localhost" "dns:localhost,ip:127.0.0.1" -validity 36500
server expired "CN=localhost" "dns:localhost,ip:127.0.0.1" -startdate 2020/01/01 -validity 30
server other-host "CN=other.example" "dns:other.example" -validity 36500
cp "$tmp/ca.pem" "$out/"
echo "wrote $out"
