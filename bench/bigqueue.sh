#!/usr/bin/env bash
# A large deferred queue: restart-to-accepting time, full recovery time and `mailferry queue` time;
# then all of it due at once: `queue flush` time and a fresh message's first attempt. Mailferry alone:
# filling Postfix's queue with 100,000 deferred messages through its sendmail takes most of an hour
# here, so the Postfix side of queue handling is in bench/relay.sh (same messages, one run).
#   bench/bigqueue.sh [N]     N deferred messages (default 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
. bin/lib/env.sh
mailferry_find_jdk
mailferry_ensure_jar
N=${1:-100000}
PORT=${MF_PORT:-24111}
W=$(mktemp -d /tmp/mailferry-bigqueue.XXXXXX)
trap 'kill $MF_PID 2>/dev/null || true; rm -rf "$W"' EXIT
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

t=$(date +%s%N)
"$MAILFERRY_JAVA" -cp "$MAILFERRY_JAR" bench/FillSpool.java "$W/spool" "$N"
echo "filled $N deferred messages in $(ms "$t") ms"
sync

t=$(date +%s%N)
"$MAILFERRY_JAVA" $MAILFERRY_SERVE_FLAGS -jar "$MAILFERRY_JAR" serve --listen "127.0.0.1:$PORT" \
  --spool "$W/spool" --smarthost "[127.0.0.1]:9" >"$W/log" 2>&1 &
MF_PID=$!
until (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; do sleep 0.01; done
accept=$(ms "$t")
until grep -q "queue recovered" "$W/log"; do sleep 0.05; done
recovered=$(ms "$t")
rss=$(awk '/VmHWM/ {print int($2/1024)}' "/proc/$MF_PID/status")
t=$(date +%s%N)
lines=$(bin/mailferry queue --spool "$W/spool" | tail -1)
listing=$(ms "$t")
printf 'Mailferry, %d deferred: accepting mail %d ms after start, queue recovered at %d ms (peak RSS %d MiB), queue listing %d ms: %s\n' \
  "$N" "$accept" "$recovered" "$rss" "$listing" "$lines"

# 2. The same queue due at once after an outage: `mailferry queue flush` of all N (in the
# scheduler's memory, no envelope rewritten), then a fresh message submitted at once: how long after
# its 250 its first attempt is done (it has its own lane; the smarthost, port 9, refuses, so the
# site is down and every message is deferred without a connection of its own).
kill "$MF_PID"; wait "$MF_PID" 2>/dev/null || true
printf '[admin]\nlisten = "127.0.0.1:0"\n[relay]\nsite_backoff_min = "10m"\nsite_backoff_max = "10m"\n' >"$W/bench.toml"
: >"$W/log"
"$MAILFERRY_JAVA" $MAILFERRY_SERVE_FLAGS -jar "$MAILFERRY_JAR" serve --config "$W/bench.toml" \
  --listen "127.0.0.1:$PORT" --spool "$W/spool" --smarthost "[127.0.0.1]:9" >"$W/log" 2>&1 &
MF_PID=$!
until grep -q "queue recovered" "$W/log"; do
  kill -0 "$MF_PID" 2>/dev/null || { cat "$W/log"; exit 1; }
  sleep 0.05
done
t=$(date +%s%N)
flushed=$(bin/mailferry queue flush --config "$W/bench.toml" --spool "$W/spool")
flush=$(ms "$t")
fresh=$("$MAILFERRY_JAVA" bench/FreshLatency.java "$PORT" "$W/log")
sleep 5
deferred=$(grep -c "status=deferred" "$W/log" || true)
printf 'Mailferry, %d due at once: queue flush %d ms (%s, the command'"'"'s JVM start included); %s; %d deferred within ~5 s of the flush\n' \
  "$N" "$flush" "$flushed" "$fresh" "$deferred"
