#!/usr/bin/env bash
# Private Postfix instance acting as an authenticating smarthost on loopback,
# for Mailferry integration tests. Never touches /etc/postfix or the system
# Postfix: everything lives under WORKDIR and runs via `postfix -c WORKDIR/etc`
# (as root, -c needs no alternate_config_directories in /etc/postfix/main.cf).
#
#   postfix-smarthost.sh start WORKDIR STARTTLS_PORT TLS_PORT PLAIN_PORT
#   postfix-smarthost.sh stop  WORKDIR
#
# Ports (127.0.0.1 only; AUTH is always required to relay, no trusted networks):
#   STARTTLS_PORT  STARTTLS mandatory, AUTH offered only after STARTTLS
#   TLS_PORT       implicit TLS (wrapper mode, "smtps")
#   PLAIN_PORT     no TLS at all, AUTH offered in the clear
# SASL user: relayuser / $SMARTHOST_PASSWORD (default s3cret-Pass); PLAIN LOGIN CRAM-MD5.
#
# Delivery: every accepted message, whatever the recipient domain, goes to a
# pipe(8) transport that writes WORKDIR/sink/<epoch-ns>-<queueid>.eml, ONE file
# per message (all envelope recipients together). Each file is written in
# WORKDIR/sink.tmp and then renamed, so a file in sink/ is always complete.
# File format (LF line endings, dot-stuffing removed):
#   X-Sink-Queue-Id: <postfix queue id>
#   X-Sink-Envelope-From: <sender>            ("<>" for the null sender)
#   X-Sink-Envelope-To: <rcpt>                (one line per envelope recipient)
#   Received: ... (Authenticated sender: relayuser) ... with ESMTPSA ...
#   <the message exactly as the client sent it: headers, blank line, body>
# SENDER_LOGIN=ADDRESS (sender rewriting tests): one more SASL user, ADDRESS itself (user@realm,
# same password), made the only owner of the sender ADDRESS (smtpd_sender_login_maps) and every
# other sender refused with reject_sender_login_mismatch, as Microsoft 365's SendAsDenied does.
# SMARTHOST_USER / SMARTHOST_PASSWORD: the SASL user (a second instance with another user).
# EXTRA_MAIN_CF: more main.cf lines, appended last (e.g. smtpd_client_message_rate_limit for the
# quota tests: Postfix's anvil then answers 450 4.7.1 "Error: too much mail from ...").
# PROXY_FILTER=HOST:PORT (bench/relay.sh): every transaction is passed on to that server while it
# happens (smtpd_proxy_filter), nothing is queued or written to sink/: a TLS + AUTH front for a sink.
# start prints "ready" on stdout once all ports accept connections (exit 0);
# on failure it prints the reason plus the tail of WORKDIR/maillog on stderr.
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib/postfix-instance.sh"

SASL_USER=${SMARTHOST_USER:-relayuser}
SASL_PASSWORD=${SMARTHOST_PASSWORD:-s3cret-Pass}
SASL_REALM=localhost   # sasldb realm; Cyrus defaults it to the server FQDN (= myhostname)
SINK_USER=nobody       # pipe(8) refuses to run commands as root or as mail_owner

usage() { echo "usage: $0 start WORKDIR STARTTLS_PORT TLS_PORT PLAIN_PORT | stop WORKDIR" >&2; exit 2; }
die() { echo "postfix-smarthost: ERROR: $1" >&2; exit "${2:-1}"; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# PID $1 is this instance's master iff it is a "master" whose cwd is our queue dir.
is_master() { [[ $(cat "/proc/$1/comm" 2>/dev/null) == master && $(readlink "/proc/$1/cwd") == "$W/queue" ]]; }
master_pid() { local p; p=$(tr -dc 0-9 2>/dev/null <"$W/queue/pid/master.pid") && [[ -n $p ]] && is_master "$p" && echo "$p"; }

do_stop() {
  local pid i p
  pid=$(master_pid) || return 0
  postfix -c "$W/etc" stop >/dev/null 2>&1 || true
  for ((i = 0; i < 100; i++)); do is_master "$pid" || break; sleep 0.1; done
  if is_master "$pid"; then postfix -c "$W/etc" abort >/dev/null 2>&1 || kill -9 "$pid" 2>/dev/null || true; fi
  # Wait (max 5 s per port) until exiting smtpd children have released the ports.
  for p in $(cat "$W/ports" 2>/dev/null); do
    for ((i = 0; i < 50; i++)); do port_open "$p" || break; sleep 0.1; done
  done
}

fail() {
  echo "postfix-smarthost: ERROR: $*" >&2
  [[ -s $W/start.out ]] && { echo "--- postfix start output:" >&2; cat "$W/start.out" >&2; }
  [[ -f $W/maillog ]] && { echo "--- tail of $W/maillog:" >&2; tail -n 30 "$W/maillog" >&2; }
  do_stop
  exit 1
}

[[ $# -ge 2 ]] || usage
[[ $(id -u) -eq 0 ]] || die "must run as root (the Postfix master runs as root)" 3
W=$(realpath -m -- "$2")
[[ $W =~ [[:space:]] ]] && die "WORKDIR must not contain whitespace" 2
case $1 in
  stop) [[ $# -eq 2 ]] || usage; do_stop; exit 0 ;;
  start) [[ $# -eq 5 ]] || usage ;;
  *) usage ;;
esac
STARTTLS_PORT=$3 TLS_PORT=$4 PLAIN_PORT=$5
PORTS="$STARTTLS_PORT $TLS_PORT $PLAIN_PORT"
for p in $PORTS; do [[ $p =~ ^[0-9]+$ && $p -ge 1 && $p -le 65535 ]] || die "bad port '$p'" 2; done
for c in postfix saslpasswd2 openssl runuser; do command -v $c >/dev/null || die "$c not found (need postfix sasl2-bin openssl)" 2; done

# A previous instance in the same WORKDIR is stopped and its state wiped.
mkdir -p "$W"; chmod 755 "$W"
do_stop
for p in $PORTS; do port_open "$p" && die "127.0.0.1:$p is already in use"; done
rm -rf "$W"/{etc,queue,data,sink,sink.tmp,maillog,start.out,ports,ca.pem,ca.key,server.pem,server.key}
mkdir -p "$W"/{etc/sasl,queue,data,sink,sink.tmp}
chown postfix:postfix "$W/data"; chmod 700 "$W/data"   # master.lock etc.
echo "$PORTS" >"$W/ports"

# --- TLS: throw-away CA + server cert for localhost / 127.0.0.1 ----------------
# ECDSA P-256 keys: generated in milliseconds (RSA-2048 takes up to seconds).
EC="-newkey ec -pkeyopt ec_paramgen_curve:prime256v1"
(
  cd "$W"; umask 077
  openssl req -x509 $EC -nodes -days 3650 -keyout ca.key -out ca.pem \
    -subj "/CN=Mailferry Test CA $(date +%s%N)" -addext keyUsage=critical,keyCertSign,cRLSign
  openssl req -new $EC -nodes -keyout server.key -out etc/server.csr -subj /CN=localhost
  printf '%s\n' 'basicConstraints=critical,CA:FALSE' 'keyUsage=critical,digitalSignature' \
    'extendedKeyUsage=serverAuth' 'subjectAltName=DNS:localhost,IP:127.0.0.1' >etc/server.ext
  openssl x509 -req -in etc/server.csr -CA ca.pem -CAkey ca.key -set_serial "0x$(openssl rand -hex 12)" \
    -days 825 -extfile etc/server.ext -out server.pem
  chmod 644 ca.pem server.pem   # the keys stay 0600 root: smtpd loads them before dropping privileges
) >"$W/etc/openssl.log" 2>&1 || { cat "$W/etc/openssl.log" >&2; fail "certificate generation failed"; }

# --- SASL: Cyrus sasldb with one user; smtpd (user postfix) reads it ----------
printf '%s' "$SASL_PASSWORD" | saslpasswd2 -p -c -f "$W/etc/sasldb2" -u "$SASL_REALM" "$SASL_USER"
if [[ -n ${SENDER_LOGIN:-} ]]; then
  [[ $SENDER_LOGIN =~ ^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+$ ]] || die "SENDER_LOGIN must be user@domain" 2
  printf '%s' "$SASL_PASSWORD" | saslpasswd2 -p -c -f "$W/etc/sasldb2" -u "${SENDER_LOGIN#*@}" "${SENDER_LOGIN%@*}"
  printf '%s %s\n' "$SENDER_LOGIN" "$SENDER_LOGIN" >"$W/etc/sender_logins"
fi
chown root:postfix "$W/etc/sasldb2"; chmod 640 "$W/etc/sasldb2"
# Debian's smtpd reads $config_directory/sasl/smtpd.conf and ignores
# cyrus_sasl_config_path; upstream uses cyrus_sasl_config_path. Same dir for both.
cat >"$W/etc/sasl/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
sasldb_path: $W/etc/sasldb2
mech_list: PLAIN LOGIN CRAM-MD5
EOF

# --- Sink helper, run by pipe(8) as $SINK_USER: sink-deliver QID SENDER RCPT... ---
pf_sink "$W" "$SINK_USER"

# Unprivileged processes open these by absolute path, so every parent of
# WORKDIR must be searchable by 'postfix' and '$SINK_USER' (not e.g. a 0700 dir).
runuser -u postfix -- test -r "$W/etc/sasldb2" ||
  fail "user postfix cannot read $W/etc/sasldb2 (is a parent of WORKDIR not world-searchable?)"
runuser -u "$SINK_USER" -- test -w "$W/sink.tmp" -a -x "$W/etc/sink-deliver" ||
  fail "user $SINK_USER cannot write $W/sink.tmp (is a parent of WORKDIR not world-searchable?)"

# --- main.cf ---------------------------------------------------------------------
{ pf_main_cf "$W"; cat <<EOF
syslog_name = smarthost-$PLAIN_PORT
myhostname = localhost
mydestination =
relay_domains =
relayhost =
mynetworks = 127.0.0.2/32
inet_interfaces = 127.0.0.1
smtpd_banner = \$myhostname ESMTP Mailferry test smarthost
smtpd_peername_lookup = no
smtpd_error_sleep_time = 0s
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination, reject
smtpd_recipient_restrictions = permit_sasl_authenticated, reject
# Keep messages as the client sent them: no header rewriting and no added
# Message-ID/Date/From (Postfix does that for "local" clients by default).
local_header_rewrite_clients =
smtpd_sasl_auth_enable = yes
smtpd_sasl_authenticated_header = yes
smtpd_sasl_type = cyrus
smtpd_sasl_path = smtpd
cyrus_sasl_config_path = $W/etc/sasl
smtpd_sasl_security_options = noanonymous
smtpd_sasl_tls_security_options = noanonymous
smtpd_tls_cert_file = $W/server.pem
smtpd_tls_key_file = $W/server.key
smtpd_tls_security_level = may
smtpd_tls_loglevel = 1
smtpd_tls_received_header = yes
# Everything goes to the sink; a fixed nexthop gives one delivery per message.
default_transport = sink:mailferry-sink
sink_destination_recipient_limit = 1000
EOF
  if [[ -n ${SENDER_LOGIN:-} ]]; then
    printf '%s\n' "smtpd_sender_login_maps = texthash:$W/etc/sender_logins" \
      "smtpd_sender_restrictions = reject_sender_login_mismatch"
  fi
  if [[ -n ${PROXY_FILTER:-} ]]; then
    printf '%s\n' "smtpd_proxy_filter = $PROXY_FILTER" "smtpd_client_connection_count_limit = 0"
  fi
  if [[ -n ${EXTRA_MAIN_CF:-} ]]; then
    printf '%s\n' "$EXTRA_MAIN_CF"
  fi
} >"$W/etc/main.cf"

# --- master.cf: only the services we need, none chrooted -------------------------
{ cat <<EOF
127.0.0.1:$STARTTLS_PORT inet n - n - - smtpd -o syslog_name=smarthost-$PLAIN_PORT/starttls
  -o smtpd_tls_security_level=encrypt -o smtpd_tls_auth_only=yes
127.0.0.1:$TLS_PORT inet n - n - - smtpd -o syslog_name=smarthost-$PLAIN_PORT/tls
  -o smtpd_tls_wrappermode=yes -o smtpd_tls_security_level=encrypt -o smtpd_tls_auth_only=yes
127.0.0.1:$PLAIN_PORT inet n - n - - smtpd -o syslog_name=smarthost-$PLAIN_PORT/plain
  -o smtpd_tls_security_level=none -o smtpd_tls_auth_only=no
tlsmgr   unix - - n 1000? 1 tlsmgr
sink     unix - n n - - pipe flags=q null_sender= user=$SINK_USER
  argv=$W/etc/sink-deliver \${queue_id} \${sender} \${recipient}
EOF
pf_services; } >"$W/etc/master.cf"

# --- start, then wait (max 20 s) until every port accepts connections ------------
start_ts=$(date +%s%N)
pf_start "$W" || fail "postfix -c $W/etc start failed"
for ((i = 0; i < 200; i++)); do
  missing=""
  for p in $PORTS; do port_open "$p" || missing+=" $p"; done
  [[ -z $missing ]] && break
  master_pid >/dev/null || fail "Postfix master exited during startup"
  sleep 0.1
done
[[ -z $missing ]] || fail "ports not accepting connections after 20 s:$missing"
echo "postfix-smarthost: postfix up in $(( ($(date +%s%N) - start_ts) / 1000000 )) ms, mail -> $W/sink/" >&2
echo ready
