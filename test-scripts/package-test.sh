#!/usr/bin/env bash
# The Debian package end to end, in under two minutes and without touching the system's packages:
#   1. bin/mailferry package builds mailferry_VERSION_all.deb (dpkg-deb);
#   2. its fields, file list and unit; lintian: no errors (warnings are printed);
#   3. apt-get install --simulate ./mailferry_*.deb: apt would replace the installed MTA (Postfix
#      here) because of Conflicts/Replaces/Provides: mail-transport-agent;
#   4. dpkg installs it into a throwaway root (dpkg --root, maintainer scripts run with DPKG_ROOT):
#      the service user, the spool's modes, the conffile;
#   5. the installed daemon runs and 'mail -s' (mailutils) sends through the installed
#      /usr/sbin/sendmail to Postfix's smtp-sink;
#   6. dpkg --purge removes it all; systemd-analyze security's exposure of the unit is reported.
# Why not 'apt-get install ./mailferry_*.deb' on this machine: it would remove Postfix, whose
# smtp-sink and smarthost the test suite uses, and a CI machine's packages are shared; step 3 shows
# apt's decision, step 4 runs what dpkg runs. Run as root (CI: .ci/run, after bin/test).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
fail() { echo "package-test: FAIL: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "run as root (dpkg --root, chown to the service user)"
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# 1. build
bin/mailferry package --out "$work" | tee "$work/package.out"
deb=$(ls "$work"/mailferry_*_all.deb)

# 2. fields, files, lint
[ "$(dpkg-deb -f "$deb" Provides)" = "mail-transport-agent, default-mta" ] || fail "Provides: $(dpkg-deb -f "$deb" Provides)"
[ "$(dpkg-deb -f "$deb" Conflicts)" = "mail-transport-agent" ] || fail "Conflicts"
[ "$(dpkg-deb -f "$deb" Replaces)" = "mail-transport-agent" ] || fail "Replaces"
dpkg-deb -c "$deb" > "$work/files"
for f in './usr/sbin/sendmail -> ../lib/mailferry/bin/sendmail' './usr/bin/mailq -> ../lib/mailferry/bin/mailq' \
         './usr/bin/newaliases -> ../lib/mailferry/bin/newaliases' './etc/mailferry/mailferry.toml' \
         './lib/systemd/system/mailferry.service' './usr/lib/mailferry/target/mailferry.jar'; do
  grep -qF -- "$f" "$work/files" || fail "the package lacks $f"
done
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | grep -qx /etc/mailferry/mailferry.toml || fail "conffiles"
if command -v lintian >/dev/null; then
  lintian --fail-on error --tag-display-limit 0 "$deb" 2>&1 | tee "$work/lintian" || fail "lintian reports errors"
  echo "package-test: lintian: $(grep -c '^E:' "$work/lintian" || true) errors, $(grep -c '^W:' "$work/lintian" || true) warnings"
else
  fail "lintian is not installed (.ci/run installs it)"
fi

# 3. what apt would do on this machine
if dpkg -s postfix >/dev/null 2>&1; then
  apt-get install --simulate -q "$deb" > "$work/apt-sim" 2>&1 || { cat "$work/apt-sim"; fail "apt-get install --simulate failed"; }
  grep -q '^Remv postfix' "$work/apt-sim" || { cat "$work/apt-sim"; fail "apt would not replace postfix"; }
  grep -q '^Inst mailferry' "$work/apt-sim" || fail "apt would not install mailferry"
  echo "package-test: apt-get install ./$(basename "$deb") would remove postfix and install mailferry (simulated)"
fi

# 4. install into a throwaway root
T=$work/root
mkdir -p "$T/var/lib/dpkg/info" "$T/var/lib/dpkg/updates" "$T/etc"
: > "$T/var/lib/dpkg/status"
cp /etc/passwd /etc/group /etc/shadow /etc/gshadow /etc/login.defs "$T/etc/"   # useradd --prefix edits these
dpkg --root="$T" --log=/dev/null --force-script-chrootless --force-depends -i "$deb" > "$work/dpkg-i" 2>&1 ||
  { cat "$work/dpkg-i"; fail "dpkg -i into $T"; }
uid=$(awk -F: '$1 == "mailferry" { print $3 }' "$T/etc/passwd")
[ -n "$uid" ] || fail "postinst did not create the service user"
[ "$(stat -c '%a %u' "$T/var/spool/mailferry/maildrop")" = "1733 $uid" ] || fail "maildrop: $(stat -c '%a %u' "$T/var/spool/mailferry/maildrop")"
[ "$(stat -c '%a %u' "$T/var/spool/mailferry/queue")" = "700 $uid" ] || fail "queue/ mode"
[ "$(stat -c '%a %U' "$T/etc/mailferry/mailferry.toml")" = "640 root" ] || fail "config mode"
dpkg-query --admindir="$T/var/lib/dpkg" -W -f='${Status}${Conffiles}\n' mailferry | tr '\n' ' ' |
  grep -q "^install ok installed /etc/mailferry/mailferry.toml [0-9a-f]\{32\}" ||
  fail "dpkg does not list mailferry as installed with its conffile"

# 5. the installed daemon, and mail -s through the installed sendmail
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
  shuf -i 20000-60000 -n 1; }
sink_port=$(port) relay_port=$(port)
mkdir -p "$work/sink"
/usr/sbin/smtp-sink -u "$(id -un)" -d "$work/sink/%M." "127.0.0.1:$sink_port" 10 > "$work/smtp-sink.log" 2>&1 &
pids+=($!)
cat > "$work/test.toml" <<TOML
[queue]
spool = "$T/var/spool/mailferry"
[smtpd]
listen = "127.0.0.1:$relay_port"
hostname = "package.test"
[relay]
smarthost = "[127.0.0.1]:$sink_port"
[admin]
listen = "off"
TOML
"$T/usr/bin/mailferry" serve --config "$work/test.toml" > "$work/daemon.log" 2>&1 &
pids+=($!)
for _ in $(seq 200); do [ -S "$T/var/spool/mailferry/public/submit.sock" ] && break; sleep 0.1; done
[ -S "$T/var/spool/mailferry/public/submit.sock" ] || { cat "$work/daemon.log"; fail "the installed daemon did not start"; }
echo "This is a test email." | MAILFERRY_CONFIG="$work/test.toml" \
  mail -E "set sendmail=sendmail://$T/usr/sbin/sendmail" -s "Package test" user@example.net
for _ in $(seq 300); do grep -rqs "Subject: Package test" "$work/sink" && break; sleep 0.1; done
grep -rqs "Subject: Package test" "$work/sink" || { cat "$work/daemon.log"; fail "the message did not reach the smtp-sink"; }
echo "package-test: mail -s through $T/usr/sbin/sendmail arrived at the smtp-sink"
kill "${pids[1]}"; wait "${pids[1]}" 2>/dev/null || true

# 6. purge, and the unit's exposure
dpkg --root="$T" --log=/dev/null --force-script-chrootless --purge mailferry > "$work/dpkg-purge" 2>&1 ||
  { cat "$work/dpkg-purge"; fail "dpkg --purge"; }
for f in usr/sbin/sendmail usr/bin/mailq usr/lib/mailferry etc/mailferry var/spool/mailferry lib/systemd/system/mailferry.service; do
  [ ! -e "$T/$f" ] && [ ! -L "$T/$f" ] || fail "$f is left after the purge"
done
grep -h 'exposure' "$work/package.out" || echo "package-test: systemd-analyze is not available; exposure not measured"
echo "package-test: OK in $(( $(date +%s) - start )) s"
