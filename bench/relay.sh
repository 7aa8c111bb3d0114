#!/usr/bin/env bash
# Side-by-side relay benchmark: Mailferry and Postfix (as a null client) in one run, same machine.
#   bench/relay.sh [N]        N messages per run (default 2000); WARMUP=1000 unmeasured messages
#                             per relay first (0: none); RUNS="4096:20 102400:20 4096:1" (size:sessions)
# Load: Postfix's smtp-source (N messages, SIZE bytes, S sessions) into the relay under test; the
# smarthost is Postfix's smtp-sink on loopback. Per relay and run it prints: messages/s from the
# first submission to the last message at the sink, submission latency p50/p99 (a second pass with
# bench/SmtpLoad.java, N/4 messages), and the relay's peak RSS (all Postfix processes summed).
# Both relays fsync before answering 250. Runs as root (Postfix's master needs it). Loopback only;
# every wait is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
. bin/lib/env.sh
. test-scripts/lib/postfix-instance.sh
mailferry_find_jdk
mailferry_ensure_jar
N=${1:-2000}
RUNS=${RUNS:-"4096:20 102400:20 4096:1"}
WARMUP=${WARMUP:-1000}
W=$(mktemp -d /tmp/mailferry-bench.XXXXXX); chmod 755 "$W"
SINK=${SINK_PORT:-24100}; MF=${MF_PORT:-24101}; PF=${PF_PORT:-24102}
[ "$(id -u)" -eq 0 ] || { echo "bench/relay.sh: run as root (Postfix needs it)" >&2; exit 1; }
for t in smtp-sink smtp-source postfix; do
  command -v "$t" >/dev/null || PATH=$PATH:/usr/sbin
  command -v "$t" >/dev/null || { echo "installing postfix..." >&2
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q postfix >/dev/null; }
done

cleanup() {
  [ -n "${MF_PID:-}" ] && kill "$MF_PID" 2>/dev/null || true
  postfix -c "$W/pf/etc" stop >/dev/null 2>&1 || true
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

# --- Postfix null client: private instance, relayhost = the sink ---------------------------------
setup_postfix() {
  mkdir -p "$W/pf/etc"
  { pf_main_cf "$W/pf"; cat <<EOC
myhostname = postfix-bench.localdomain
mydestination =
relayhost = [127.0.0.1]:$SINK
inet_interfaces = 127.0.0.1
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject
smtp_tls_security_level = none
EOC
  } >"$W/pf/etc/main.cf"
  { echo "127.0.0.1:$PF inet n - n - - smtpd"; pf_services
    printf '%s\n' "smtp      unix - - n -  - smtp" "relay     unix - - n -  - smtp"; } >"$W/pf/etc/master.cf"
  pf_start "$W/pf" || exit 1
  wait_port "$PF"
}
postfix_rss_kb() {  # master and all its children
  local m; m=$(tr -dc 0-9 <"$W/pf/queue/pid/master.pid" 2>/dev/null) || return 0
  ps -o rss= --ppid "$m" -p "$m" 2>/dev/null | awk '{s+=$1} END {print s+0}'
}
start_mailferry() {
  rm -rf "$W/mf"; mkdir -p "$W/mf"
  "$MAILFERRY_JAVA" ${MAILFERRY_JAVA_OPTS:-$MAILFERRY_SERVE_FLAGS} -jar "$MAILFERRY_JAR" serve \
    --smarthost "[127.0.0.1]:$SINK" --listen "127.0.0.1:$MF" --spool "$W/mf/spool" >"$W/mf/log" 2>&1 &
  MF_PID=$!
  wait_port "$MF"
}
mailferry_rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$MF_PID/status" 2>/dev/null || echo 0; }

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

# measure PORT SIZE SESSIONS RSSFN -> "msgs/s p50 p99 peakRSS_MiB delivered"
# The sink runs for the whole benchmark and counts cumulatively; each pass waits until the relay has
# delivered everything it accepted, so no run inherits a backlog (or a deferral) from the one before.
measure() {
  local port=$1 size=$2 sess=$3 base t0 t1 c
  RSSFN=$4 PEAK=0
  base=$(sink_count); base=${base:-0}
  t0=$(date +%s%N)
  timeout 600 smtp-source -s "$sess" -m "$N" -l "$size" -f load@example.com -t sink@example.net "127.0.0.1:$port" &
  local src=$!
  wait_sink $((base + N)) || true
  t1=$(date +%s%N)
  wait "$src" || true
  c=$(( $(sink_count) - base ))
  local tput; tput=$(awk -v n="$c" -v ns=$((t1 - t0)) 'BEGIN {printf "%.0f", n / (ns / 1e9)}')
  local lat; lat=$(timeout 300 "$MAILFERRY_JAVA" bench/SmtpLoad.java 127.0.0.1 "$port" $((N / 4)) "$sess" "$size")
  wait_sink $((base + N + N / 4)) || echo "warning: relay on port $port did not deliver its latency pass" >&2
  echo "$tput $(echo "$lat" | awk '{print $1, $2}') $((PEAK / 1024)) $c"
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

start_sink
setup_postfix
start_mailferry
warm "$MF"
warm "$PF"
printf '%-16s | %-34s | %-34s | %s\n' "run" "Mailferry msg/s p50ms p99ms RSS(MiB)" "Postfix msg/s p50ms p99ms RSS(MiB)" "ratio msg/s"
for run in $RUNS; do
  size=${run%%:*}; sess=${run##*:}
  m=$(measure "$MF" "$size" "$sess" mailferry_rss_kb)
  p=$(measure "$PF" "$size" "$sess" postfix_rss_kb)
  read -r mt m50 m99 mr mc <<<"$m"; read -r pt p50 p99 pr pc <<<"$p"
  ratio=$(awk -v a="$mt" -v b="$pt" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')
  printf '%-16s | %7s %7s %7s %6s (%s) | %7s %7s %7s %6s (%s) | %sx\n' "$((size / 1024))KiB x $sess" \
    "$mt" "$m50" "$m99" "$mr" "$mc" "$pt" "$p50" "$p99" "$pr" "$pc" "$ratio"
done
echo "(N=$N per run after a warm-up of $WARMUP messages per relay; counts in parentheses are messages the sink received; load: $(cut -d' ' -f1-3 /proc/loadavg))"
