#!/usr/bin/env bash
# Private Postfix instance that shows what Postfix's cleanup does to a message's header, for
# Mailferry's comparison tests (HeaderComparisonTest). Never touches /etc/postfix: everything lives
# under WORKDIR and runs via `postfix -c WORKDIR/etc`, as test-scripts/postfix-smarthost.sh.
#
#   postfix-cleanup.sh start WORKDIR PORT     (prints "ready")
#   postfix-cleanup.sh stop  WORKDIR
#
# 127.0.0.1:PORT takes mail from 127.0.0.0/8 without AUTH. Postfix's defaults for header rewriting
# apply: local_header_rewrite_clients = permit_inet_interfaces (127.0.0.1 is one), myorigin =
# origin.test, message_drop_headers at its default. Every message is written, as Postfix would send
# it, to WORKDIR/sink/<epoch-ns>-<queueid>.eml (LF line ends), preceded by X-Sink-* lines.
set -euo pipefail
. "$(dirname "$(readlink -f "$0")")/lib/postfix-instance.sh"
SINK_USER=nobody
usage() { echo "usage: $0 start WORKDIR PORT | stop WORKDIR" >&2; exit 2; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
[[ $# -ge 2 ]] || usage
[[ $(id -u) -eq 0 ]] || { echo "postfix-cleanup: must run as root" >&2; exit 3; }
W=$(realpath -m -- "$2")
if [[ $1 == stop ]]; then
  postfix -c "$W/etc" stop >/dev/null 2>&1 || true
  exit 0
fi
[[ $1 == start && $# -eq 3 ]] || usage
PORT=$3
mkdir -p "$W"; chmod 755 "$W"
postfix -c "$W/etc" stop >/dev/null 2>&1 || true
rm -rf "$W"/{etc,queue,data,sink,sink.tmp,maillog,start.out}
mkdir -p "$W"/{etc,queue,data,sink,sink.tmp}
pf_sink "$W" "$SINK_USER"
{ pf_main_cf "$W"; cat <<EOC
syslog_name = cleanup-$PORT
myhostname = host.origin.test
myorigin = origin.test
mydestination =
relay_domains =
relayhost =
mynetworks = 127.0.0.0/8
inet_interfaces = 127.0.0.1
smtpd_peername_lookup = no
smtpd_error_sleep_time = 0s
smtpd_relay_restrictions = permit_mynetworks, reject
default_transport = sink:mailferry-sink
sink_destination_recipient_limit = 1000
EOC
} >"$W/etc/main.cf"
{ cat <<EOC
127.0.0.1:$PORT inet n - n - - smtpd
sink     unix - n n - - pipe flags=q null_sender= user=$SINK_USER
  argv=$W/etc/sink-deliver \${queue_id} \${sender} \${recipient}
EOC
pf_services; } >"$W/etc/master.cf"
pf_start "$W" || { tail -n 20 "$W/maillog" >&2 2>/dev/null; exit 1; }
for ((i = 0; i < 200; i++)); do port_open "$PORT" && { echo ready; exit 0; }; sleep 0.1; done
echo "postfix-cleanup: port $PORT not open after 20 s" >&2; tail -n 20 "$W/maillog" >&2 2>/dev/null; exit 1
