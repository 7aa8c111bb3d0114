#!/usr/bin/env bash
# Side-by-side cost of one sendmail submission: Postfix's /usr/sbin/sendmail -t -i against
# Mailferry's bin/sendmail -t -i, N submissions each, interleaved, in one run on this machine.
#   bench/sendmail.sh [N]        (root: the throwaway Postfix instance needs its master running as root)
# Both are set up the same way: a daemon running, delivering to smtp-sink; each submission is a
# new process that exits once the message is durably queued (Postfix: postdrop's fsync into
# maildrop; Mailferry: the daemon's fsync, via the submit socket). Mailferry twice: bin/sendmail as
# users run it (the native client when it was built, see docs/sendmail.md) and its JVM route
# (MAILFERRY_NATIVE=off). Prints the median wall time, CPU and peak RSS per submission and each
# ratio to Postfix. Nothing outside a temporary directory is touched; the system Postfix is not used.
set -euo pipefail
N=${1:-30}
HOME_DIR=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd -P)
. "$HOME_DIR/test-scripts/lib/postfix-instance.sh"
[ "$(id -u)" -eq 0 ] || { echo "bench/sendmail.sh: run as root (the Postfix master needs it)" >&2; exit 1; }
for t in postfix smtp-sink python3; do
  command -v "$t" >/dev/null || { echo "bench/sendmail.sh: needs $t (apt-get install postfix python3)" >&2; exit 1; }
done

W=$(mktemp -d /tmp/mailferry-bench.XXXXXX); chmod 755 "$W"
pids=()
cleanup() {
  postfix -c "$W/pf/etc" stop >/dev/null 2>&1 || true
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$W"
}
[ -n "${KEEP:-}" ] || trap cleanup EXIT
# three distinct free ports at once (asked one by one, a port could come back twice)
read -r P1 P2 P3 < <(python3 -c 'import socket
ss=[socket.socket() for _ in range(3)]
[s.bind(("127.0.0.1",0)) for s in ss]
print(*[s.getsockname()[1] for s in ss])')

# --- the sinks -------------------------------------------------------------------
smtp-sink -u nobody -c 127.0.0.1:"$P1" 1000 >/dev/null 2>&1 & pids+=($!)
smtp-sink -u nobody -c 127.0.0.1:"$P2" 1000 >/dev/null 2>&1 & pids+=($!)

# --- a throwaway Postfix null client: no listener, relays everything to sink 1 ----------
mkdir -p "$W/pf/etc"
{ pf_main_cf "$W/pf"; cat <<CF
myhostname = bench.invalid
mydestination =
relayhost = [127.0.0.1]:$P1
inet_interfaces = loopback-only
local_transport = error:local delivery disabled
CF
} > "$W/pf/etc/main.cf"
{ pf_services; printf '%s\n' "smtp      unix - - n -  - smtp" "relay     unix - - n -  - smtp"; } > "$W/pf/etc/master.cf"
pf_start "$W/pf" || exit 1

# --- Mailferry daemon relaying to sink 2 ---------------------------------------------
printf '[queue]\nspool = "%s"\n[relay]\nsmarthost = "[127.0.0.1]:%s"\n[smtpd]\nlisten = "127.0.0.1:%s"\n[admin]\nlisten = "off"\n' \
  "$W/mf/spool" "$P2" "$P3" > "$W/mf.toml"
"$HOME_DIR/bin/mailferry" serve --config "$W/mf.toml" >"$W/mf.log" 2>&1 & pids+=($!)
for _ in $(seq 300); do [ -S "$W/mf/spool/public/submit.sock" ] && break; sleep 0.1; done
[ -S "$W/mf/spool/public/submit.sock" ] || { echo "Mailferry did not start:" >&2; cat "$W/mf.log" >&2; exit 1; }

cat > "$W/message" <<'MSG'
From: Bench <bench@example.org>
To: sink@example.com
Subject: sendmail benchmark

A short message, as cron or PHP mail() sends them.
MSG

export W HOME_DIR N
python3 - <<'PY'
import os, shutil, statistics, subprocess, time
W, home, n = os.environ["W"], os.environ["HOME_DIR"], int(os.environ["N"])
env_pf = dict(os.environ, MAIL_CONFIG=f"{W}/pf/etc")
env_mf = dict(os.environ, MAILFERRY_CONFIG=f"{W}/mf.toml")
env_jvm = dict(env_mf, MAILFERRY_NATIVE="off")
runs = {"postfix": ([ "/usr/sbin/sendmail", "-t", "-i"], env_pf),
        "mailferry": ([f"{home}/bin/sendmail", "-t", "-i"], env_mf),
        "mf-jvm": ([f"{home}/bin/sendmail", "-t", "-i"], env_jvm)}
def once(cmd, env):
    with open(f"{W}/message", "rb") as msg:
        t = time.perf_counter()
        p = subprocess.Popen(cmd, stdin=msg, env=env)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{cmd[0]} failed with exit {os.waitstatus_to_exitcode(status)}")
    return wall * 1000, (ru.ru_utime + ru.ru_stime) * 1000
# Peak RSS apart, through GNU time: a child forked from this Python keeps Python's own peak RSS
# (about 14 MiB) across exec, which would hide anything smaller; time's image is about 1 MiB.
gnu_time = shutil.which("time", path="/usr/bin:/bin")
def peak_rss(cmd, env):
    if not gnu_time:
        return float("nan")
    with open(f"{W}/message", "rb") as msg:
        p = subprocess.run([gnu_time, "-f", "%M", *cmd], stdin=msg, env=env, stderr=subprocess.PIPE)
    return int(p.stderr.split()[-1]) / 1024
for name, (cmd, env) in runs.items():   # warm-up: page cache; the first bin/sendmail builds the
    for _ in range(3):                   # native client (with cc) and the JVM's AOT cache
        once(cmd, env)
native = f"{home}/target/mailferry-sendmail"
fresh = os.path.exists(native) and os.path.getmtime(native) > os.path.getmtime(f"{home}/src/main/c/sendmail.c")
print("bin/sendmail runs " + ("the native client (target/mailferry-sendmail)" if fresh
      else "the JVM: no native client (no C compiler?)"))
res = {k: ([], [], []) for k in runs}
for _ in range(n):
    for name, (cmd, env) in runs.items():
        w, c = once(cmd, env)
        res[name][0].append(w); res[name][2].append(c)
for _ in range(5):
    for name, (cmd, env) in runs.items():
        res[name][1].append(peak_rss(cmd, env))
print(f"{n} submissions each, interleaved ({os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f})")
print(f"{'':10} {'median wall ms':>15} {'p90 wall ms':>12} {'median CPU ms':>14} {'median peak RSS MiB':>20}"
      + ("" if gnu_time else "  (no /usr/bin/time: apt-get install time)"))
med = {}
for name, (walls, rss, cpu) in res.items():
    med[name] = statistics.median(walls)
    p90 = sorted(walls)[int(0.9 * (len(walls) - 1))]
    print(f"{name:10} {med[name]:15.1f} {p90:12.1f} {statistics.median(cpu):14.1f} {statistics.median(rss):20.1f}")
for name in ("mailferry", "mf-jvm"):
    print(f"ratio {name}/postfix (median wall): {med[name] / med['postfix']:.2f}x (target <= 2x)")
PY
# Both daemons delivered what they queued: the sinks saw every message (informational).
sleep 2
echo "queued at the end: postfix $(find "$W/pf/queue"/{maildrop,incoming,active,deferred} -type f 2>/dev/null | wc -l)," \
  "mailferry $(find "$W/mf/spool/queue" -name '*.env' | wc -l)"
