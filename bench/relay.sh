#!/usr/bin/env bash
# Side-by-side relay benchmark: Mailferry and Postfix (as a null client) in one run, same machine.
#   bench/relay.sh [N]        N messages per run (default 2000); WARMUP=1000 unmeasured messages
#                             per relay first (0: none); RUNS="4096:20 102400:20 4096:1 4096:20:tls"
#                             (size:sessions, ":tls": both relays speak STARTTLS + AUTH to a Postfix
#                             smarthost, test-scripts/postfix-smarthost.sh, that passes each
#                             transaction on to the sink as it happens: smtpd_proxy_filter)
# Load: Postfix's smtp-source (N messages, SIZE bytes, S sessions) into the relay under test; the
# smarthost is Postfix's smtp-sink on loopback. Per relay and run it prints: messages/s from the
# first submission to the last message at the sink, submission latency p50/p99 (a second pass with
# bench/SmtpLoad.java, N/4 messages), the relay's peak RSS (all Postfix processes summed), its CPU
# (user + system milliseconds per message over the throughput pass, from /proc: the JVM; Postfix's
# master, its live children and the children it reaped), and the ceiling: smtp-source straight into
# smtp-sink, same size and sessions, in the same run (the relay's share of it in parentheses).
# Both relays fsync before answering 250. Runs as root (Postfix's master needs it). Loopback only;
# every wait is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
. bin/lib/env.sh
. test-scripts/lib/postfix-instance.sh
mailferry_find_jdk
mailferry_ensure_jar
N=${1:-2000}
RUNS=${RUNS:-"4096:20 102400:20 4096:1 4096:20:tls"}
WARMUP=${WARMUP:-1000}
W=$(mktemp -d /tmp/mailferry-bench.XXXXXX); chmod 755 "$W"
SINK=${SINK_PORT:-24100}; MF=${MF_PORT:-24101}; PF=${PF_PORT:-24102}
FRONT=24103; MF_TLS=24106; PF_TLS=24107  # the TLS run: smarthost STARTTLS (and 24104, 24105), relays
[ "$(id -u)" -eq 0 ] || { echo "bench/relay.sh: run as root (Postfix needs it)" >&2; exit 1; }
for t in smtp-sink smtp-source postfix; do
  command -v "$t" >/dev/null || PATH=$PATH:/usr/sbin
  command -v "$t" >/dev/null || { echo "installing postfix..." >&2
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postfix >/dev/null; }
done

cleanup() {
  [ -n "${MF_PLAIN_PID:-}" ] && kill "$MF_PLAIN_PID" 2>/dev/null || true
  [ -n "${MF_TLS_PID:-}" ] && kill "$MF_TLS_PID" 2>/dev/null || true
  postfix -c "$W/pf/etc" stop >/dev/null 2>&1 || true
  postfix -c "$W/pf-tls/etc" stop >/dev/null 2>&1 || true
  [ -d "$W/front" ] && test-scripts/postfix-smarthost.sh stop "$W/front" >/dev/null 2>&1 || true
  [ -n "${SINK_PID:-}" ] && kill "$SINK_PID" 2>/dev/null || true
}
trap cleanup EXIT

wait_port() { for _ in $(seq 1 300); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "port $1 not open" >&2; return 1; }

start_sink() {
  smtp-sink -u root -c "127.0.0.1:$SINK" 1000 >"$W/sink.out" 2>&1 &
  SINK_PID=$!
  wait_port "$SINK"
}
sink_count() { tr '\r' '\n' <"$W/sink.out" | sed -n 's/.*mesg=\([0-9]*\).*/\1/p' | tail -1; }

# --- Postfix null client: private instance DIR listening on PORT, relayhost = the sink ------------
# setup_postfix DIR PORT [MAIN_CF_LINES]: the lines replace the plain relayhost (the TLS run).
setup_postfix() {
  local d=$1 port=$2
  mkdir -p "$d/etc"
  { pf_main_cf "$d"; cat <<EOC
myhostname = postfix-bench.localdomain
mydestination =
inet_interfaces = 127.0.0.1
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
EOC
    printf '%s\n' "${3:-relayhost = [127.0.0.1]:$SINK
smtp_tls_security_level = none}"
  } >"$d/etc/main.cf"
  { echo "127.0.0.1:$port inet n - n - - smtpd"; pf_services
    printf '%s\n' "smtp      unix - - n -  - smtp" "relay     unix - - n -  - smtp" "tlsmgr    unix - - n 1000? 1 tlsmgr"
  } >"$d/etc/master.cf"
  pf_start "$d" || exit 1
  wait_port "$port"
}
postfix_rss_kb() {  # master and all its children (of the instance $PFD)
  local m; m=$(tr -dc 0-9 <"$PFD/queue/pid/master.pid" 2>/dev/null) || return 0
  ps -o rss= --ppid "$m" -p "$m" 2>/dev/null | awk '{s+=$1} END {print s+0}'
}
# start_mailferry DIR PORT [SERVE_OPTIONS...]: a daemon in DIR listening on PORT (MF_PID); the options
# replace the plain smarthost (the TLS run).
start_mailferry() {
  local d=$1 port=$2; shift 2
  [ $# -gt 0 ] || set -- --smarthost "[127.0.0.1]:$SINK"
  rm -rf "$d"; mkdir -p "$d"
  "$MAILFERRY_JAVA" ${MAILFERRY_JAVA_OPTS:-$MAILFERRY_SERVE_FLAGS} -jar "$MAILFERRY_JAR" serve \
    "$@" --listen "127.0.0.1:$port" --spool "$d/spool" --admin-listen off >"$d/log" 2>&1 &
  MF_PID=$!
  wait_port "$port"
}
mailferry_rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$MF_PID/status" 2>/dev/null || echo 0; }

# CPU (user + system, clock ticks) a process and its reaped children have used: /proc/PID/stat
# fields 14-17, read after the command name (which may hold spaces).
ticks_of() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{print $12 + $13 + $14 + $15}' || echo 0; }
mailferry_cpu() { ticks_of "$MF_PID"; }
# Postfix: the master (its exited children are in its cutime/cstime) plus every live child.
postfix_cpu() {
  local m t c; m=$(tr -dc 0-9 <"$PFD/queue/pid/master.pid" 2>/dev/null) || { echo 0; return; }
  t=$(ticks_of "$m")
  for c in $(ps -o pid= --ppid "$m" 2>/dev/null); do t=$((t + $(ticks_of "$c"))); done
  echo "$t"
}
HZ=$(getconf CLK_TCK)

# wait_sink TARGET: until the sink has counted TARGET messages (at most 600 s), sampling RSS into PEAK.
wait_sink() {
  local r c
  for _ in $(seq 1 6000); do
    r=$($RSSFN); [ "${r:-0}" -gt "$PEAK" ] && PEAK=$r
    c=$(sink_count); [ "${c:-0}" -ge "$1" ] && return 0
    sleep 0.1
  done
  return 1
}

# measure PORT SIZE SESSIONS RSSFN CPUFN -> "msgs/s p50 p99 peakRSS_MiB delivered cpu_ms_per_message"
# The sink runs for the whole benchmark and counts cumulatively; each pass waits until the relay has
# delivered everything it accepted, so no run inherits a backlog (or a deferral) from the one before.
measure() {
  local port=$1 size=$2 sess=$3 base t0 t1 c cpu0 cpu1
  RSSFN=$4 PEAK=0
  base=$(sink_count); base=${base:-0}
  cpu0=$($5)
  t0=$(date +%s%N)
  timeout 600 smtp-source -s "$sess" -m "$N" -l "$size" -f load@example.com -t sink@example.net "127.0.0.1:$port" &
  local src=$!
  wait_sink $((base + N)) || true
  t1=$(date +%s%N)
  cpu1=$($5)
  wait "$src" || true
  c=$(( $(sink_count) - base ))
  local tput; tput=$(awk -v n="$c" -v ns=$((t1 - t0)) 'BEGIN {printf "%.0f", n / (ns / 1e9)}')
  local cpu; cpu=$(awk -v t=$((cpu1 - cpu0)) -v hz="$HZ" -v n="$c" 'BEGIN {printf "%.2f", (n > 0 ? t * 1000 / hz / n : 0)}')
  local lat; lat=$(timeout 300 "$MAILFERRY_JAVA" bench/SmtpLoad.java 127.0.0.1 "$port" $((N / 4)) "$sess" "$size")
  wait_sink $((base + N + N / 4)) || echo "warning: relay on port $port did not deliver its latency pass" >&2
  echo "$tput $(echo "$lat" | awk '{print $1, $2}') $((PEAK / 1024)) $c $cpu"
}

# ceiling SIZE SESSIONS -> msgs/s of smtp-source straight into the sink: what the harness allows.
ceiling() {
  local base t0 t1 c
  base=$(sink_count); base=${base:-0}
  t0=$(date +%s%N)
  timeout 600 smtp-source -s "$2" -m "$N" -l "$1" -f load@example.com -t sink@example.net "127.0.0.1:$SINK" || true
  RSSFN=true PEAK=0 wait_sink $((base + N)) || true
  t1=$(date +%s%N)
  c=$(( $(sink_count) - base ))
  awk -v n="$c" -v ns=$((t1 - t0)) 'BEGIN {printf "%.0f", n / (ns / 1e9)}'
}

# warm PORT: WARMUP messages (4 KiB, 20 sessions), not measured, then wait until all are delivered.
# Both relays get the same: the JVM compiles its hot paths, Postfix forks its processes and both
# fill the page cache; a relay runs for days, and its steady state is what is compared.
warm() {
  [ "$WARMUP" -gt 0 ] || return 0
  local base; base=$(sink_count); base=${base:-0}
  timeout 300 smtp-source -s 20 -m "$WARMUP" -l 4096 -f load@example.com -t sink@example.net "127.0.0.1:$1" || true
  RSSFN=true PEAK=0 wait_sink $((base + WARMUP)) || echo "warning: warm-up on port $1 not delivered" >&2
}

# setup_tls: the smarthost (STARTTLS required, AUTH required, each transaction proxied to the sink:
# nothing queued there), a Mailferry and a Postfix null client both configured for it the way a
# user would (CA file, credentials, Postfix with Debian's TLS session cache).
setup_tls() {
  PROXY_FILTER="127.0.0.1:$SINK" test-scripts/postfix-smarthost.sh start "$W/front" "$FRONT" 24104 24105 >/dev/null
  printf 'AuthInfo:127.0.0.1 "U:relayuser" "P:s3cret-Pass" "M:PLAIN"\n' >"$W/authinfo"
  printf '[127.0.0.1]:%s relayuser:s3cret-Pass\n' "$FRONT" >"$W/sasl_passwd"
  chmod 600 "$W/authinfo" "$W/sasl_passwd"
  start_mailferry "$W/mf-tls" "$MF_TLS" --smarthost "[127.0.0.1]:$FRONT" --tls starttls \
    --ca-file "$W/front/ca.pem" --authinfo "$W/authinfo"
  MF_TLS_PID=$MF_PID
  setup_postfix "$W/pf-tls" "$PF_TLS" "relayhost = [127.0.0.1]:$FRONT
smtp_tls_security_level = encrypt
smtp_tls_CAfile = $W/front/ca.pem
smtp_tls_session_cache_database = btree:\${data_directory}/smtp_scache
smtp_sasl_auth_enable = yes
smtp_sasl_password_maps = texthash:$W/sasl_passwd
smtp_sasl_security_options = noanonymous"
}

start_sink
setup_postfix "$W/pf" "$PF"
start_mailferry "$W/mf" "$MF"
MF_PLAIN_PID=$MF_PID
case " $RUNS " in *:tls\ *) setup_tls ;; esac
MF_PID=$MF_PLAIN_PID warm "$MF"
warm "$PF"
if [ -n "${MF_TLS_PID:-}" ]; then MF_PID=$MF_TLS_PID warm "$MF_TLS"; warm "$PF_TLS"; fi
printf '%-14s | %-42s | %-42s | %-5s | %s\n' "run" "Mailferry msg/s p50ms p99ms RSS(MiB) cpu-ms" \
  "Postfix msg/s p50ms p99ms RSS(MiB) cpu-ms" "ratio" "ceiling msg/s (Mailferry, Postfix share)"
for run in $RUNS; do
  IFS=: read -r size sess tls <<<"$run"
  if [ "${tls:-}" = tls ]; then MF_PID=$MF_TLS_PID mport=$MF_TLS PFD=$W/pf-tls pport=$PF_TLS label=" TLS"
  else MF_PID=$MF_PLAIN_PID mport=$MF PFD=$W/pf pport=$PF label=""; fi
  m=$(measure "$mport" "$size" "$sess" mailferry_rss_kb mailferry_cpu)
  p=$(measure "$pport" "$size" "$sess" postfix_rss_kb postfix_cpu)
  ceil=$(ceiling "$size" "$sess")
  read -r mt m50 m99 mr mc mcpu <<<"$m"; read -r pt p50 p99 pr pc pcpu <<<"$p"
  ratio=$(awk -v a="$mt" -v b="$pt" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')
  share=$(awk -v a="$mt" -v b="$pt" -v c="$ceil" 'BEGIN {if (c > 0) printf "%.0f%%, %.0f%%", 100 * a / c, 100 * b / c}')
  printf '%-14s | %6s %6s %6s %5s %6s (%s) | %6s %6s %6s %5s %6s (%s) | %5sx | %s (%s)\n' "$((size / 1024))KiB x $sess$label" \
    "$mt" "$m50" "$m99" "$mr" "$mcpu" "$mc" "$pt" "$p50" "$p99" "$pr" "$pcpu" "$pc" "$ratio" "$ceil" "$share"
done
echo "(N=$N per run after a warm-up of $WARMUP messages per relay; counts in parentheses are messages the sink received; load: $(cut -d' ' -f1-3 /proc/loadavg))"
