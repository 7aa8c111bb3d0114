#!/usr/bin/env bash
# The shared queue in PostgreSQL against the file spool, in one run on this machine (issue 17).
#   bench/cluster.sh [N]   N messages per run (default 2000); SIZE=4096, SESSIONS=20; WARMUP=500;
#                          PORT_BASE=24200 (seven loopback ports from it); PREFETCH: queue.prefetch
#                          of the PostgreSQL nodes (unset: its default)
#                          unmeasured messages per setup first
# Setups: one Mailferry on the file spool (the default); one node on queue.backend = "postgresql";
# three nodes on one database, the load split over them (the sessions divided among the three).
# The database is a throwaway PostgreSQL 15 cluster (initdb in a temporary directory, its own port
# on 127.0.0.1, fsync and synchronous_commit on, run as the postgres user), the smarthost Postfix's
# smtp-sink. Per setup: messages/s from the first submission to the last message at the sink
# (smtp-source), submission latency p50/p99 (bench/SmtpLoad.java, N/4 messages, spread over the
# nodes), and for PostgreSQL per message delivered: transactions committed (pg_stat_database
# xact_commit: every transaction, read-only ones included), WAL flushes (pg_stat_wal wal_sync) and
# WAL bytes (pg_stat_wal wal_bytes), over the throughput pass. Runs as root. Loopback only; every
# wait is bounded.
set -euo pipefail
cd "$(dirname "$0")/.."
. bin/lib/env.sh
mailferry_find_jdk
mailferry_ensure_jar
N=${1:-2000}
SIZE=${SIZE:-4096}
SESSIONS=${SESSIONS:-20}
WARMUP=${WARMUP:-500}
PGBIN=/usr/lib/postgresql/15/bin
PORTS=${PORT_BASE:-24200} # seven ports from here: the sink, PostgreSQL, the file spool node, the pg nodes
SINK=${SINK_PORT:-$PORTS}; PG=${PG_PORT:-$((PORTS + 1))}; FILES=$((PORTS + 2)); P1=$((PORTS + 3)); A=$((PORTS + 4))
B=$((PORTS + 5)); C=$((PORTS + 6))
[ "$(id -u)" -eq 0 ] || { echo "bench/cluster.sh: run as root (initdb runs as postgres via runuser)" >&2; exit 1; }
[ -x "$PGBIN/initdb" ] || { echo "bench/cluster.sh: PostgreSQL 15 is not installed (apt-get install postgresql)" >&2; exit 1; }
for t in smtp-sink smtp-source; do
  command -v "$t" >/dev/null || PATH=$PATH:/usr/sbin
  command -v "$t" >/dev/null || { echo "bench/cluster.sh: $t is not installed (apt-get install postfix)" >&2; exit 1; }
done
W=$(mktemp -d /tmp/mailferry-cluster-bench.XXXXXX); chmod 755 "$W"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$W/pg/data/postmaster.pid" ] && runuser -u postgres -- "$PGBIN/pg_ctl" -D "$W/pg/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$W"
}
trap cleanup EXIT

wait_port() { for _ in $(seq 1 600); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "port $1 not open" >&2; return 1; }

smtp-sink -u root -c "127.0.0.1:$SINK" 1000 >"$W/sink.out" 2>&1 &
PIDS+=($!)
wait_port "$SINK"
sink_count() { tr '\r' '\n' <"$W/sink.out" | sed -n 's/.*mesg=\([0-9]*\).*/\1/p' | tail -1; }

# --- the database --------------------------------------------------------------------------------
mkdir -p "$W/pg"; PASSWORD=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
printf '%s\n' "$PASSWORD" >"$W/pg/pwfile"; chown -R postgres "$W/pg"
runuser -u postgres -- "$PGBIN/initdb" -D "$W/pg/data" -U mailferry --pwfile="$W/pg/pwfile" -A scram-sha-256 \
  -E UTF8 --locale=C.UTF-8 >"$W/pg/initdb.log" 2>&1
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$W/pg/data" -w -t 60 -l "$W/pg/server.log" \
  -o "-c listen_addresses=127.0.0.1 -p $PG -c unix_socket_directories=$W/pg -c max_connections=200 -c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track_utility=on" start >/dev/null
export PGPASSWORD=$PASSWORD
psql_() { "$PGBIN/psql" -h 127.0.0.1 -p "$PG" -U mailferry -d "$1" -Atqc "$2"; }
psql_ postgres "CREATE DATABASE one" ; psql_ postgres "CREATE DATABASE three"
for d in one three; do psql_ "$d" "CREATE EXTENSION pg_stat_statements"; done
printf '%s\n' "$PASSWORD" >"$W/pgpass"; chmod 600 "$W/pgpass"

# start_node PORT NAME [DATABASE]: a daemon (file spool without DATABASE), its pid appended to PIDS
start_node() {
  local port=$1 name=$2 db=${3:-}
  mkdir -p "$W/$name"
  {
    printf '[smtpd]\nhostname = "%s.bench"\n' "$name"
    if [ -n "$db" ]; then
      printf '[queue]\nbackend = "postgresql"\npostgresql_url = "jdbc:postgresql://127.0.0.1:%s/%s"\n' "$PG" "$db"
      printf 'postgresql_user = "mailferry"\npostgresql_password_file = "%s"\n' "$W/pgpass"
      [ -z "${PREFETCH:-}" ] || printf 'prefetch = %s\n' "$PREFETCH"
    fi
  } >"$W/$name/mailferry.toml"
  "$MAILFERRY_JAVA" ${MAILFERRY_JAVA_OPTS:-$MAILFERRY_SERVE_FLAGS} -jar "$MAILFERRY_JAR" serve --config "$W/$name/mailferry.toml" \
    --smarthost "[127.0.0.1]:$SINK" --listen "127.0.0.1:$port" --spool "$W/$name/spool" --admin-listen off \
    >"$W/$name/log" 2>&1 &
  PIDS+=($!)
  wait_port "$port"
}

wait_sink() { local c; for _ in $(seq 1 6000); do c=$(sink_count); [ "${c:-0}" -ge "$1" ] && return 0; sleep 0.1; done; return 1; }

# stats DATABASE -> "xact_commit wal_sync wal_bytes" (the database's commits, the cluster's WAL)
stats() {
  [ -n "$1" ] || { echo "0 0 0"; return; }
  sleep 11 # a busy backend reports its counters at most once a second, an idle one within 10 s (PostgreSQL 15)
  echo "$(psql_ "$1" "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()") \
$(psql_ "$1" "SELECT wal_sync, wal_bytes FROM pg_stat_wal" | tr '|' ' ')"
}

# measure DATABASE PORT... -> "msgs/s p50 p99 delivered commits/msg walsyncs/msg walbytes/msg"
measure() {
  local db=$1; shift
  local ports=("$@") k=${#ports[@]} base t0 t1 c s0 s1 i
  base=$(sink_count); base=${base:-0}
  # warm-up: the JVMs compile their hot paths, the database fills its caches
  for i in "${!ports[@]}"; do
    timeout 300 smtp-source -s $(( (SESSIONS + k - 1) / k )) -m $((WARMUP / k)) -l "$SIZE" -f load@example.com \
      -t sink@example.net "127.0.0.1:${ports[$i]}" >/dev/null 2>&1 &
  done
  wait || true # (in the $(...) subshell: only its own smtp-source processes)
  wait_sink $((base + (WARMUP / k) * k)) || echo "warning: warm-up not delivered" >&2
  base=$(sink_count)
  s0=$(stats "$db")
  [ -n "$db" ] && psql_ "$db" "SELECT pg_stat_statements_reset()" >/dev/null
  t0=$(date +%s%N)
  local srcs=()
  for i in "${!ports[@]}"; do
    timeout 600 smtp-source -s $(( (SESSIONS + k - 1) / k )) -m $((N / k)) -l "$SIZE" -f load@example.com \
      -t sink@example.net "127.0.0.1:${ports[$i]}" >/dev/null 2>&1 &
    srcs+=($!)
  done
  wait_sink $((base + (N / k) * k)) || true
  t1=$(date +%s%N)
  for p in "${srcs[@]}"; do wait "$p" || true; done
  s1=$(stats "$db")
  c=$(( $(sink_count) - base ))
  # which statements the messages cost (pg_stat_statements, calls per delivered message), on stderr
  [ -n "$db" ] && { echo "statements per message, $db:"; psql_ "$db" "SELECT round(sum(calls)::numeric / ${c:-1}, 3) || ' ' || left(regexp_replace(query, '\\s+', ' ', 'g'), 110) FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) GROUP BY query ORDER BY sum(calls) DESC LIMIT 14"; } >&2
  local lat=() worst50=0 worst99=0
  for i in "${!ports[@]}"; do
    timeout 300 "$MAILFERRY_JAVA" bench/SmtpLoad.java 127.0.0.1 "${ports[$i]}" $((N / 4 / k)) $(( (SESSIONS + k - 1) / k )) "$SIZE" \
      >"$W/lat-$i" &
  done
  wait || true
  for i in "${!ports[@]}"; do
    read -r l50 l99 _ <"$W/lat-$i"
    worst50=$(awk -v a="$worst50" -v b="$l50" 'BEGIN {print (b > a ? b : a)}')
    worst99=$(awk -v a="$worst99" -v b="$l99" 'BEGIN {print (b > a ? b : a)}')
  done
  wait_sink $((base + c + (N / 4 / k) * k)) || echo "warning: latency pass not delivered" >&2
  read -r x0 w0 b0 <<<"$s0"; read -r x1 w1 b1 <<<"$s1"
  awk -v n="$c" -v ns=$((t1 - t0)) -v p50="$worst50" -v p99="$worst99" -v x=$((x1 - x0)) -v w=$((w1 - w0)) -v b=$((b1 - b0)) \
    'BEGIN {d = (n > 0 ? n : 1); printf "%.0f %s %s %d %.2f %.2f %.0f\n", n / (ns / 1e9), p50, p99, n, x / d, w / d, b / d}'
}

start_node "$FILES" files
start_node "$P1" pg1 one
row() { read -r t p50 p99 n x w b <<<"$2"
  printf '%-22s | %7s | %6s | %6s | %6s | %10s | %10s | %11s\n' "$1" "$t" "$p50" "$p99" "$n" "$3$x" "$3$w" "$3$b"; }
printf '%-22s | %7s | %6s | %6s | %6s | %10s | %10s | %11s\n' setup "msg/s" "p50ms" "p99ms" delivered \
  "commits/msg" "WALsync/msg" "WALbytes/msg"
files=$(measure "" "$FILES"); row "file spool, 1 node" "$files" "-"
one=$(measure one "$P1"); row "postgresql, 1 node" "$one" ""
kill "${PIDS[-1]}" "${PIDS[-2]}" 2>/dev/null || true  # the single nodes: the machine's cores go to the three
start_node "$A" pga three; start_node "$B" pgb three; start_node "$C" pgc three
three=$(measure three "$A" "$B" "$C"); row "postgresql, 3 nodes" "$three" ""
ft=$(echo "$files" | cut -d' ' -f1); ot=$(echo "$one" | cut -d' ' -f1)
echo "(N=$N of ${SIZE} bytes over $SESSIONS sessions per setup, after $WARMUP unmeasured; PostgreSQL 1 node at" \
  "$(awk -v a="$ot" -v b="$ft" 'BEGIN {printf "%.0f%%", (b > 0 ? 100 * a / b : 0)}') of the file spool;" \
  "$(nproc) cores; load: $(cut -d' ' -f1-3 /proc/loadavg))"
