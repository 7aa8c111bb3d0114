#!/usr/bin/env bash
# The Debian package end to end, in about a minute and without touching the system's packages:
#   1. bin/mailferry package builds mailferry_VERSION_all.deb (dpkg-deb);
#   2. its fields, file list and unit; lintian: no errors (warnings are printed);
#   3. apt-get install ./mailferry_*.deb into a throwaway root that holds a copy of this machine's
#      dpkg database (apt -o Dir=ROOT, dpkg --root, maintainer scripts run with DPKG_ROOT): apt
#      removes the installed MTA (Postfix here) because of Conflicts/Replaces/Provides:
#      mail-transport-agent, and installs mailferry: the service user, the spool's modes, the conffile;
#   4. the installed daemon runs and 'mail -s' (mailutils) sends through the installed
#      /usr/sbin/sendmail to Postfix's smtp-sink;
#   5. apt-get purge removes it all; systemd-analyze security's exposure of the unit is reported.
# Why not 'apt-get install ./mailferry_*.deb' on this machine itself (docs/operations.md, "The Debian
# package"): it removes Postfix, whose smtp-sink and smarthost the test suites running beside this one
# use at that moment, on a machine whose packages every job shares. Run as root (CI: .ci/run, after bin/test).
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

# 3. apt-get install into a throwaway root holding a copy of this machine's dpkg database: apt sees
# what is installed here (Postfix among it) and decides as it would here; dpkg acts on ROOT only
# (the other packages' files and maintainer scripts are not there, so removing one touches nothing).
T=$work/root
mkdir -p "$T/var/lib/dpkg/info" "$T/var/lib/dpkg/updates" "$T/etc/apt/preferences.d" "$T/etc/apt/apt.conf.d" \
  "$T/var/cache/apt/archives/partial" "$T/var/lib/apt/lists/partial" "$T/var/log/apt"
host_packages() { dpkg-query -W -f='${binary:Package} ${Version} ${db:Status-Abbrev}\n' postfix mailferry 2>/dev/null || true; }
host_before=$(host_packages)   # what apt decides about, here on this machine: must stay as it is
cp /var/lib/dpkg/status "$T/var/lib/dpkg/status"
: > "$T/var/lib/dpkg/available"
dpkg-query --admindir="$T/var/lib/dpkg" -W -f='${binary:Package}\n' | sed "s|.*|$T/var/lib/dpkg/info/&.list|" | xargs touch
cp /etc/passwd /etc/group /etc/shadow /etc/gshadow /etc/login.defs "$T/etc/"   # useradd --prefix edits these
apt_root() {
  apt-get -q -y -o Dir="$T" -o Dir::State::status="$T/var/lib/dpkg/status" -o Dir::Etc::SourceList=/dev/null \
    -o Dir::Etc::SourceParts=/dev/null -o Dir::Log="$T/var/log/apt" -o DPkg::Options::=--root="$T" \
    -o DPkg::Options::=--force-script-chrootless -o DPkg::Options::=--log=/dev/null --no-install-recommends "$@"
}
apt_root install "$deb" > "$work/apt-install" 2>&1 || { cat "$work/apt-install"; fail "apt-get install $deb into $T"; }
if dpkg -s postfix >/dev/null 2>&1; then
  grep -q '^Removing postfix' "$work/apt-install" || { cat "$work/apt-install"; fail "apt did not replace postfix"; }
  [ "$(dpkg-query --admindir="$T/var/lib/dpkg" -W -f='${db:Status-Abbrev}' postfix)" = "rc " ] || fail "postfix is not removed in $T"
  echo "package-test: apt-get install ./$(basename "$deb") removed postfix and installed mailferry (in $T)"
fi
uid=$(awk -F: '$1 == "mailferry" { print $3 }' "$T/etc/passwd")
[ -n "$uid" ] || fail "postinst did not create the service user"
[ "$(stat -c '%a %u' "$T/var/spool/mailferry/maildrop")" = "1733 $uid" ] || fail "maildrop: $(stat -c '%a %u' "$T/var/spool/mailferry/maildrop")"
[ "$(stat -c '%a %u' "$T/var/spool/mailferry/queue")" = "700 $uid" ] || fail "queue/ mode"
[ "$(stat -c '%a %U' "$T/etc/mailferry/mailferry.toml")" = "640 root" ] || fail "config mode"
dpkg-query --admindir="$T/var/lib/dpkg" -W -f='${Status}${Conffiles}\n' mailferry | tr '\n' ' ' |
  grep -q "^install ok installed /etc/mailferry/mailferry.toml [0-9a-f]\{32\}" ||
  fail "dpkg does not list mailferry as installed with its conffile"
[ "$(host_packages)" = "$host_before" ] || fail "this machine's postfix or mailferry changed: $(host_packages)"

# 4. the installed daemon, and mail -s through the installed sendmail
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

# 5. purge, and the unit's exposure
apt_root purge mailferry > "$work/apt-purge" 2>&1 || { cat "$work/apt-purge"; fail "apt-get purge mailferry"; }
for f in usr/sbin/sendmail usr/bin/mailq usr/lib/mailferry etc/mailferry var/spool/mailferry lib/systemd/system/mailferry.service; do
  [ ! -e "$T/$f" ] && [ ! -L "$T/$f" ] || fail "$f is left after the purge"
done
grep -h 'exposure' "$work/package.out" || echo "package-test: systemd-analyze is not available; exposure not measured"
echo "package-test: OK in $(( $(date +%s) - start )) s"
