#!/usr/bin/env bash
# Private Postfix instance acting as an authenticating smarthost on loopback,
# for Mailferry integration tests. Never touches /etc/postfix or the system
# Postfix: everything lives under WORKDIR and is run with `postfix -c WORKDIR/etc`.
#
#   postfix-smarthost.sh start WORKDIR STARTTLS_PORT TLS_PORT PLAIN_PORT
#   postfix-smarthost.sh stop  WORKDIR
#
# Ports (all on 127.0.0.1, AUTH always required to relay, no trusted networks):
#   STARTTLS_PORT  STARTTLS mandatory, AUTH only after STARTTLS
#   TLS_PORT       implicit TLS ("smtps"/wrapper mode)
#   PLAIN_PORT     no TLS at all, AUTH offered in the clear
# SASL user: relayuser / $SMARTHOST_PASSWORD (default s3cret-Pass); PLAIN LOGIN CRAM-MD5.
#
# Delivery: every accepted message (any recipient domain) goes to a `pipe`
# transport that writes it to WORKDIR/sink/<epoch-ns>-<queueid>.eml, ONE file
# per message (all recipients together). Files are written to WORKDIR/sink.tmp
# and then renamed, so a file in sink/ is always complete. File format:
#   X-Sink-Queue-Id: <postfix queue id>
#   X-Sink-Envelope-From: <sender>            (<> for the null sender)
#   X-Sink-Envelope-To: <rcpt>                (one line per envelope recipient)
#   <message exactly as queued: Postfix's Received: header, then the client's
#    headers and body; LF line endings, dot-stuffing removed>
# start prints "ready" on stdout when all ports accept connections (exit 0);
# on failure it prints the reason plus the tail of WORKDIR/maillog on stderr.
set -euo pipefail

SASL_USER=relayuser
SASL_PASSWORD=${SMARTHOST_PASSWORD:-s3cret-Pass}
SASL_REALM=localhost          # == myhostname; saslpasswd2 and smtpd must agree
SINK_USER=nobody              # pipe(8) refuses to run as root or as mail_owner

usage() { echo "usage: $0 start WORKDIR STARTTLS_PORT TLS_PORT PLAIN_PORT | stop WORKDIR" >&2; exit 2; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
master_pid() {  # prints the master pid of the instance in $W if it is running
  local f="$W/queue/pid/master.pid" p
  [[ -r $f ]] && p=$(tr -dc 0-9 <"$f") && [[ -n $p ]] && kill -0 "$p" 2>/dev/null && echo "$p"
}

do_stop() {
  local pid i
  pid=$(master_pid) || return 0
  postfix -c "$W/etc" stop >/dev/null 2>&1 || true
  for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && { postfix -c "$W/etc" abort >/dev/null 2>&1 || kill -9 "$pid" 2>/dev/null || true; }
  # Wait (max 5 s) until the children have released the listening ports.
  if [[ -r $W/ports ]]; then
    for p in $(cat "$W/ports"); do
      for ((i = 0; i < 50; i++)); do port_open "$p" || break; sleep 0.1; done
    done
  fi
  return 0
}

fail() {
  echo "postfix-smarthost: ERROR: $*" >&2
  [[ -f $W/postfix-start.out ]] && { echo "--- postfix start output:" >&2; cat "$W/postfix-start.out" >&2; }
  [[ -f $W/maillog ]] && { echo "--- tail of $W/maillog:" >&2; tail -n 30 "$W/maillog" >&2; }
  do_stop
  exit 1
}

[[ $# -ge 2 ]] || usage
if [[ $(id -u) -ne 0 ]]; then
  echo "postfix-smarthost: ERROR: must run as root (Postfix master needs root)" >&2; exit 3
fi
CMD=$1
W=$(realpath -m -- "$2")
[[ $W =~ [[:space:]] ]] && { echo "postfix-smarthost: ERROR: WORKDIR must not contain whitespace" >&2; exit 2; }

case $CMD in
  stop) [[ $# -eq 2 ]] || usage; do_stop; exit 0 ;;
  start) [[ $# -eq 5 ]] || usage ;;
  *) usage ;;
esac

STARTTLS_PORT=$3 TLS_PORT=$4 PLAIN_PORT=$5
for p in "$STARTTLS_PORT" "$TLS_PORT" "$PLAIN_PORT"; do
  [[ $p =~ ^[0-9]+$ && $p -ge 1 && $p -le 65535 ]] || { echo "postfix-smarthost: ERROR: bad port '$p'" >&2; exit 2; }
done
command -v postfix >/dev/null && command -v saslpasswd2 >/dev/null && command -v openssl >/dev/null ||
  { echo "postfix-smarthost: ERROR: need postfix, sasl2-bin (saslpasswd2), openssl" >&2; exit 2; }

# A previous instance in the same WORKDIR is stopped and its state wiped.
mkdir -p "$W"; chmod 755 "$W"
do_stop
for p in "$STARTTLS_PORT" "$TLS_PORT" "$PLAIN_PORT"; do
  port_open "$p" && { echo "postfix-smarthost: ERROR: 127.0.0.1:$p is already in use" >&2; exit 1; }
done
rm -rf "$W"/{etc,queue,data,sink,sink.tmp} "$W"/{maillog,postfix-start.out,ports,ca.pem,ca.key,server.pem,server.key}
mkdir -p "$W"/{etc/sasl,queue,data,sink,sink.tmp}
chown postfix:postfix "$W/data"; chmod 700 "$W/data"   # holds master.lock
echo "$STARTTLS_PORT $TLS_PORT $PLAIN_PORT" >"$W/ports"

# --- TLS: throw-away CA + server cert for localhost / 127.0.0.1 --------------
(
  cd "$W"; umask 077
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -keyout ca.key -out ca.pem \
    -subj "/CN=Mailferry Test CA $(date +%s%N)" -addext keyUsage=critical,keyCertSign,cRLSign
  openssl req -new -newkey rsa:2048 -nodes -keyout server.key -out etc/server.csr -subj /CN=localhost
  printf '%s\n' 'basicConstraints=critical,CA:FALSE' 'keyUsage=critical,digitalSignature,keyEncipherment' \
    'extendedKeyUsage=serverAuth' 'subjectAltName=DNS:localhost,IP:127.0.0.1' >etc/server.ext
  openssl x509 -req -in etc/server.csr -CA ca.pem -CAkey ca.key -set_serial "0x$(openssl rand -hex 12)" \
    -days 825 -extfile etc/server.ext -out server.pem
  chmod 644 ca.pem server.pem   # server.key / ca.key stay 0600 root (smtpd reads keys as root)
) >"$W/etc/openssl.log" 2>&1 || { cat "$W/etc/openssl.log" >&2; fail "certificate generation failed"; }

# --- SASL: Cyrus sasldb with one user, read by smtpd running as 'postfix' ----
printf '%s' "$SASL_PASSWORD" | saslpasswd2 -p -c -f "$W/etc/sasldb2" -u "$SASL_REALM" "$SASL_USER"
chown root:postfix "$W/etc/sasldb2"; chmod 640 "$W/etc/sasldb2"
# Debian's smtpd reads $config_directory/sasl/smtpd.conf whatever cyrus_sasl_config_path
# says; upstream Postfix uses cyrus_sasl_config_path. Same dir for both.
cat >"$W/etc/sasl/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $W/etc/sasldb2
mech_list: PLAIN LOGIN CRAM-MD5
EOF

# --- Sink: pipe(8) helper, runs as $SINK_USER: sink-deliver QID SENDER RCPT... ----
cat >"$W/etc/sink-deliver" <<EOF
#!/bin/sh
# Exit 75 (EX_TEMPFAIL) on any failure so Postfix defers instead of bouncing.
umask 022
q=\$1; s=\$2; shift 2
t=\$(mktemp "$W/sink.tmp/\$q.XXXXXX") || exit 75
{ printf 'X-Sink-Queue-Id: %s\nX-Sink-Envelope-From: <%s>\n' "\$q" "\$s"
  for r in "\$@"; do printf 'X-Sink-Envelope-To: <%s>\n' "\$r"; done
  cat; } >"\$t" && chmod 644 "\$t" && mv "\$t" "$W/sink/\$(date +%s%N)-\$q.eml" || { rm -f "\$t"; exit 75; }
EOF
chmod 755 "$W/etc/sink-deliver"
chown "$SINK_USER" "$W/sink" "$W/sink.tmp"; chmod 755 "$W/sink" "$W/sink.tmp"

# Unprivileged daemons open these by absolute path: every parent of WORKDIR
# must be searchable by 'postfix' and '$SINK_USER' (e.g. not a 0700 temp dir).
runuser -u postfix -- test -r "$W/etc/sasldb2" ||
  fail "user 'postfix' cannot read $W/etc/sasldb2 (a parent directory of WORKDIR is not world-searchable?)"
runuser -u "$SINK_USER" -- test -w "$W/sink.tmp" -a -x "$W/etc/sink-deliver" ||
  fail "user '$SINK_USER' cannot write $W/sink.tmp (a parent directory of WORKDIR is not world-searchable?)"

# --- main.cf ------------------------------------------------------------------
cat >"$W/etc/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $W/queue
data_directory = $W/data
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
syslog_name = smarthost-$PLAIN_PORT
maillog_file = $W/maillog
maillog_file_prefixes = $W
myhostname = localhost
myorigin = \$myhostname
mydestination =
relay_domains =
relayhost =
mynetworks = 127.0.0.2/32
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
alias_maps =
alias_database =
biff = no
smtpd_banner = \$myhostname ESMTP Mailferry test smarthost
smtpd_peername_lookup = no
smtpd_error_sleep_time = 0s
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination, reject
smtpd_recipient_restrictions = permit_sasl_authenticated, reject
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
cyrus_sasl_config_path = $W/etc/sasl
smtpd_sasl_local_domain = $SASL_REALM
smtpd_sasl_security_options = noanonymous
smtpd_sasl_tls_security_options = noanonymous
smtpd_tls_cert_file = $W/server.pem
smtpd_tls_key_file = $W/server.key
smtpd_tls_security_level = may
smtpd_tls_loglevel = 1
smtpd_tls_received_header = yes
# Everything goes to the sink, one delivery per message (fixed nexthop).
default_transport = sink:mailferry-sink
sink_destination_recipient_limit = 1000
EOF

# --- master.cf: no chroot anywhere; only the services we need -----------------
cat >"$W/etc/master.cf" <<EOF
127.0.0.1:$STARTTLS_PORT inet n - n - - smtpd -o syslog_name=smarthost-$PLAIN_PORT/starttls
  -o smtpd_tls_security_level=encrypt -o smtpd_tls_auth_only=yes
127.0.0.1:$TLS_PORT inet n - n - - smtpd -o syslog_name=smarthost-$PLAIN_PORT/tls
  -o smtpd_tls_wrappermode=yes -o smtpd_tls_security_level=encrypt -o smtpd_tls_auth_only=yes
127.0.0.1:$PLAIN_PORT inet n - n - - smtpd -o syslog_name=smarthost-$PLAIN_PORT/plain
  -o smtpd_tls_security_level=none -o smtpd_tls_auth_only=no
pickup    unix       n - n 60 1 pickup
cleanup   unix       n - n -  0 cleanup
qmgr      unix       n - n 300 1 qmgr
tlsmgr    unix       - - n 1000? 1 tlsmgr
rewrite   unix       - - n -  - trivial-rewrite
bounce    unix       - - n -  0 bounce
defer     unix       - - n -  0 bounce
trace     unix       - - n -  0 bounce
verify    unix       - - n -  1 verify
flush     unix       n - n 1000? 0 flush
proxymap  unix       - - n -  - proxymap
proxywrite unix      - - n -  1 proxymap
showq     unix       n - n -  - showq
error     unix       - - n -  - error
retry     unix       - - n -  - error
discard   unix       - - n -  - discard
anvil     unix       - - n -  1 anvil
scache    unix       - - n -  1 scache
postlog   unix-dgram n - n -  1 postlogd
sink      unix       - n n -  - pipe flags=q null_sender= user=$SINK_USER
  argv=$W/etc/sink-deliver \${queue_id} \${sender} \${recipient}
EOF

# --- start and wait for the ports (max 20 s) --------------------------------
start_ts=$(date +%s%N)
postfix -c "$W/etc" start >"$W/postfix-start.out" 2>&1 || fail "postfix -c $W/etc start failed"
for ((i = 0; i < 200; i++)); do
  missing=""
  for p in "$STARTTLS_PORT" "$TLS_PORT" "$PLAIN_PORT"; do port_open "$p" || missing+=" $p"; done
  [[ -z $missing ]] && break
  master_pid >/dev/null || fail "Postfix master exited during startup"
  sleep 0.1
done
[[ -z $missing ]] || fail "ports not accepting connections after 20 s:$missing"
echo "postfix-smarthost: up in $(( ($(date +%s%N) - start_ts) / 1000000 )) ms, messages -> $W/sink/" >&2
echo ready
