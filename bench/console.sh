#!/usr/bin/env bash
# The web console's queue API with a large queue: N deferred messages (default 100000) in the
# spool, the daemon started on it, then each request of the console's table timed with curl
# (Authorization: Bearer, as scripts use it): the first page, a filter by sender, a sort by age
# (newest first), page 500 (offset 24950), a filter by recipient matching one message. The first
# query reads the whole spool (admin/QueueRows); then each request is asked twice: 2 s after the
# last one (a person's next click) and at once again.
#   bench/console.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
. bin/lib/env.sh
mailferry_find_jdk
mailferry_ensure_jar
N=${1:-100000}
PORT=${MF_PORT:-24121}
APORT=${MF_ADMIN_PORT:-24122}
W=$(mktemp -d /tmp/mailferry-console.XXXXXX)
trap 'kill $MF_PID 2>/dev/null || true; rm -rf "$W"' EXIT
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

t=$(date +%s%N)
"$MAILFERRY_JAVA" -cp "$MAILFERRY_JAR" bench/FillSpool.java "$W/spool" "$N" 100
echo "filled $N deferred messages (100 senders) in $(ms "$t") ms"
printf '[admin]\nlisten = "127.0.0.1:%s"\n' "$APORT" >"$W/bench.toml"
"$MAILFERRY_JAVA" $MAILFERRY_SERVE_FLAGS -jar "$MAILFERRY_JAR" serve --config "$W/bench.toml" \
  --listen "127.0.0.1:$PORT" --spool "$W/spool" --smarthost "[127.0.0.1]:9" >"$W/log" 2>&1 &
MF_PID=$!
until grep -q "queue recovered" "$W/log"; do
  kill -0 "$MF_PID" 2>/dev/null || { cat "$W/log"; exit 1; }
  sleep 0.05
done
TOKEN=$(cat "$W/spool/admin.token")
api() { curl -s -o "$W/body" -w '%{time_total} %{size_download}' -H "Authorization: Bearer $TOKEN" \
  "http://127.0.0.1:$APORT/console/api/queue$1"; }
# The rows are read again when older than 2 s (admin/QueueRows.FRESH): a person's next click.
drop() { sleep 2.1; }
read -r first _ <<<"$(api "?limit=1")" # the first query reads the whole spool into rows
printf 'first query (reads the %d envelopes into rows): %.0f ms\n' "$N" "$(echo "$first*1000" | bc)"
printf '%-34s %8s %8s %8s %8s\n' request after-2s again bytes matched
for q in "?offset=0&limit=50" "?sender=app7%40&limit=50" "?sort=arrival&order=desc&limit=50" \
         "?offset=24950&limit=50" "?recipient=user99999%40&limit=50"; do
  drop
  read -r cold _ <<<"$(api "$q")"
  read -r warm size <<<"$(api "$q")"
  matched=$(sed 's/.*"matched":\([0-9]*\).*/\1/' "$W/body")
  printf '%-34s %8.0f %8.0f %8s %8s\n' "$q" "$(echo "$cold*1000" | bc)" "$(echo "$warm*1000" | bc)" "$size" "$matched"
done
rss=$(awk '/VmHWM/ {print int($2/1024)}' "/proc/$MF_PID/status")
echo "daemon peak RSS $rss MiB; load average $(cut -d' ' -f1-3 /proc/loadavg)"
