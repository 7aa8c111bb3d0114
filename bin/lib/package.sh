# 'mailferry package [--out DIR]': builds mailferry_VERSION_all.deb with dpkg-deb alone (sourced by
# bin/mailferry; docs/operations.md, "The Debian package"). The package is what 'mailferry install'
# makes, the Debian way: files under /usr/lib/mailferry, /usr/sbin/sendmail, /usr/bin/mailq and
# /usr/bin/newaliases of its own (Provides/Conflicts/Replaces mail-transport-agent, as Debian's MTAs
# do, so installing it replaces Postfix, Exim or sendmail), the service user and the spool made by
# postinst, /etc/mailferry/mailferry.toml as a conffile, and a hardened systemd unit.
# Maintainer scripts honour DPKG_ROOT (dpkg --root ... --force-script-chrootless), so the package
# can be installed into a throwaway root (test-scripts/package-test.sh).

mf_pkg_version() { # the Maven project version as a Debian version: 0.1.0-SNAPSHOT -> 0.1.0~snapshot
  local v
  v=$(sed -n '/<artifactId>mailferry<\/artifactId>/{n;s/.*<version>\(.*\)<\/version>.*/\1/p;q}' "$MAILFERRY_HOME/pom.xml")
  [ -n "$v" ] || mf_die "cannot read the project version from $MAILFERRY_HOME/pom.xml"
  v=${v//-/\~}
  echo "${v,,}"
}

# The Maintainer field and the changelog's signature; set MAILFERRY_MAINTAINER to your own.
MF_MAINTAINER=${MAILFERRY_MAINTAINER:-Mailferry developers <mailferry@example.org>}

mailferry_package() {
  local out=$MAILFERRY_HOME/target
  while [ $# -gt 0 ]; do
    case "$1" in
      --out) [ $# -ge 2 ] || mf_die "--out needs a directory"; out=$2; shift ;;
      -h|--help) echo "usage: mailferry package [--out DIR]   build mailferry_VERSION_all.deb (dpkg-deb); default DIR: target/"; return 0 ;;
      *) mf_die "package: unknown option '$1'; usage: mailferry package [--out DIR]" ;;
    esac
    shift
  done
  command -v dpkg-deb >/dev/null || mf_die "package: dpkg-deb is missing (package dpkg)"
  mailferry_ensure_jar
  local version; version=$(mf_pkg_version)
  local stage; stage=$(mktemp -d)
  # shellcheck disable=SC2064
  trap "rm -rf '$stage'" RETURN
  local r=$stage/root lib=$stage/root/usr/lib/mailferry doc=$stage/root/usr/share/doc/mailferry
  install -d -m 0755 "$lib/bin/lib" "$lib/target" "$lib/var" "$doc/docs" "$r/usr/sbin" "$r/usr/bin" \
    "$r/usr/lib" "$r/etc/mailferry" "$r/lib/systemd/system" "$r/DEBIAN"
  install -m 0755 "$MAILFERRY_HOME"/bin/{mailferry,sendmail,mailq,newaliases} "$lib/bin/"
  install -m 0644 "$MAILFERRY_HOME"/bin/lib/env.sh "$lib/bin/lib/"
  echo 'export MAILFERRY_CONFIG=${MAILFERRY_CONFIG:-/etc/mailferry/mailferry.toml}' > "$lib/bin/lib/site.sh"
  chmod 0644 "$lib/bin/lib/site.sh"
  install -m 0644 "$MAILFERRY_JAR" "$lib/target/mailferry.jar"
  ln -s /var/spool/mailferry "$lib/var/spool"   # the default spool beside target/ (config/DefaultSpool)
  # The commands Debian's MTAs install (Postfix: /usr/sbin/sendmail, /usr/bin/mailq,
  # /usr/bin/newaliases, /usr/lib/sendmail), here links to the launchers.
  ln -s ../lib/mailferry/bin/sendmail "$r/usr/sbin/sendmail"
  ln -s ../lib/mailferry/bin/mailq "$r/usr/bin/mailq"
  ln -s ../lib/mailferry/bin/newaliases "$r/usr/bin/newaliases"
  ln -s ../lib/mailferry/bin/mailferry "$r/usr/bin/mailferry"
  ln -s ../sbin/sendmail "$r/usr/lib/sendmail"
  install -m 0644 "$MAILFERRY_HOME"/README.md "$doc/"
  install -m 0644 "$MAILFERRY_HOME"/docs/*.md "$doc/docs/"
  mf_pkg_copyright > "$doc/copyright"
  printf 'mailferry (%s) unstable; urgency=medium\n\n  * Built from the Mailferry checkout by mailferry package.\n\n -- %s  %s\n' \
    "$version" "$MF_MAINTAINER" "$(date -R -u -d "@$(git -C "$MAILFERRY_HOME" log -1 --format=%ct 2>/dev/null || date +%s)")" |
    gzip -9n > "$doc/changelog.gz"
  chmod 0644 "$doc/copyright" "$doc/changelog.gz"
  mf_default_config /usr/share/doc/mailferry/docs > "$r/etc/mailferry/mailferry.toml"
  chmod 0644 "$r/etc/mailferry/mailferry.toml"   # postinst: root:mailferry 0640 (it may hold secrets)
  mf_unit mailferry /usr/share/doc/mailferry > "$r/lib/systemd/system/mailferry.service"
  chmod 0644 "$r/lib/systemd/system/mailferry.service"

  local size; size=$(du -sk --exclude=DEBIAN "$r" | cut -f1)
  cat > "$r/DEBIAN/control" <<CONTROL
Package: mailferry
Version: $version
Architecture: all
Maintainer: $MF_MAINTAINER
Installed-Size: $size
Depends: passwd
Recommends: openjdk-25-jre-headless | openjdk-21-jre-headless | java21-runtime-headless
Provides: mail-transport-agent, default-mta
Conflicts: mail-transport-agent
Replaces: mail-transport-agent
Section: mail
Priority: optional
Description: outbound mail relay to a smarthost (sendmail, mailq, newaliases)
 Mailferry accepts mail from local programs (SMTP on loopback, the sendmail
 command) and relays it to one smarthost with STARTTLS and AUTH, keeping it
 in a crash-safe queue until then. It replaces Postfix or sendmail on hosts
 that only send mail. It needs a Java runtime 21 or newer (found under
 /usr/lib/jvm or through JAVA_HOME).
CONTROL
  echo /etc/mailferry/mailferry.toml > "$r/DEBIAN/conffiles"
  mf_pkg_postinst > "$r/DEBIAN/postinst"
  mf_pkg_prerm > "$r/DEBIAN/prerm"
  mf_pkg_postrm > "$r/DEBIAN/postrm"
  chmod 0755 "$r/DEBIAN/postinst" "$r/DEBIAN/prerm" "$r/DEBIAN/postrm"
  chmod 0644 "$r/DEBIAN/control" "$r/DEBIAN/conffiles"
  (cd "$r" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) > "$r/DEBIAN/md5sums"
  chmod 0644 "$r/DEBIAN/md5sums"
  mkdir -p "$out"
  local deb=$out/mailferry_${version}_all.deb
  SOURCE_DATE_EPOCH=$(git -C "$MAILFERRY_HOME" log -1 --format=%ct 2>/dev/null || date +%s) \
    dpkg-deb --root-owner-group -Zxz --build "$r" "$deb" >/dev/null
  echo "mailferry: built $deb"
  if command -v systemd-analyze >/dev/null; then
    local exposure
    exposure=$(systemd-analyze security --offline=true --no-pager "$r/lib/systemd/system/mailferry.service" 2>/dev/null |
      sed -n 's/.*Overall exposure level for mailferry.service: \([0-9.]*\).*/\1/p')
    [ -n "$exposure" ] && echo "mailferry: systemd-analyze security: exposure $exposure (0 safest, 10 unprotected)"
  fi
  return 0
}

mf_pkg_postinst() {
  cat <<'SH'
#!/bin/sh
# mailferry postinst: the service user, the spool with its modes, the config's group, the unit.
set -e
R="${DPKG_ROOT:-}"
if [ "$1" = configure ]; then
  if [ -n "$R" ] && ! awk -F: '$1 == "mailferry" { found = 1 } END { exit !found }' "$R/etc/passwd"; then
    useradd --prefix "$R" --system --user-group --home-dir /var/spool/mailferry --no-create-home \
      --shell /usr/sbin/nologin --comment "Mailferry relay" mailferry
  elif [ -z "$R" ] && ! getent passwd mailferry >/dev/null; then
    useradd --system --user-group --home-dir /var/spool/mailferry --no-create-home \
      --shell /usr/sbin/nologin --comment "Mailferry relay" mailferry
  fi
  if [ -n "$R" ]; then
    uid=$(awk -F: '$1 == "mailferry" { print $3 }' "$R/etc/passwd")
    gid=$(awk -F: '$1 == "mailferry" { print $3 }' "$R/etc/group")
  else
    uid=$(id -u mailferry)
    gid=$(id -g mailferry)
  fi
  # The spool (docs/sendmail.md, "Permissions model"): the service user owns it; its queues are
  # private, anyone may drop into maildrop/ without listing it, public/ holds the submit socket.
  s="$R/var/spool/mailferry"
  install -d -m 0755 -o "$uid" -g "$gid" "$s"
  for d in queue tmp corrupt journal done webhooks; do install -d -m 0700 -o "$uid" -g "$gid" "$s/$d"; done
  install -d -m 1733 -o "$uid" -g "$gid" "$s/maildrop"
  install -d -m 0755 -o "$uid" -g "$gid" "$s/public"
  # The config may hold secrets: readable by the service, not by every user (the sendmail command
  # of other users reads the daemon's public copy, SPOOL/public/sendmail.conf).
  chown "0:$gid" "$R/etc/mailferry/mailferry.toml"
  chmod 0640 "$R/etc/mailferry/mailferry.toml"
  if [ -z "$R" ] && [ -d /run/systemd/system ]; then
    systemctl --system daemon-reload >/dev/null || true
    if [ -z "$2" ]; then
      systemctl enable mailferry.service >/dev/null 2>&1 || true
    fi
    systemctl restart mailferry.service || echo "mailferry: the service did not start; see journalctl -u mailferry" >&2
  fi
fi
exit 0
SH
}

mf_pkg_prerm() {
  cat <<'SH'
#!/bin/sh
# mailferry prerm: stop the service (queued mail stays in /var/spool/mailferry).
set -e
if [ -z "${DPKG_ROOT:-}" ] && [ -d /run/systemd/system ] && { [ "$1" = remove ] || [ "$1" = upgrade ]; }; then
  systemctl stop mailferry.service >/dev/null 2>&1 || true
fi
exit 0
SH
}

mf_pkg_postrm() {
  cat <<'SH'
#!/bin/sh
# mailferry postrm: remove the sendmail command's start-up caches; on purge also the spool (queued
# messages!) and /etc/mailferry. The service user stays, as Debian keeps system users.
set -e
R="${DPKG_ROOT:-}"
case "$1" in
  remove|purge)
    rm -f "$R"/usr/lib/mailferry/target/sendmail.aot "$R"/usr/lib/mailferry/target/sendmail.jsa \
      "$R"/usr/lib/mailferry/target/sendmail.launch
    rmdir "$R/usr/lib/mailferry/target" "$R/usr/lib/mailferry" 2>/dev/null || true
    if [ -z "$R" ] && [ -d /run/systemd/system ]; then
      systemctl --system daemon-reload >/dev/null || true
    fi
    ;;
esac
if [ "$1" = purge ]; then
  rm -rf "$R/var/spool/mailferry" "$R/etc/mailferry"
  if [ -z "$R" ] && [ -d /run/systemd/system ]; then
    systemctl disable mailferry.service >/dev/null 2>&1 || true
  fi
fi
exit 0
SH
}

mf_pkg_copyright() {
  cat <<'TEXT'
Mailferry: an outbound mail relay.

Copyright 2026 the Mailferry developers.

The project has not published a license yet; until it does, this package is for
evaluation inside the organisation that built it.

Bundled in /usr/lib/mailferry/target/mailferry.jar, each under its own license
(docs/dependencies.md lists versions and reasons):
 SLF4J (MIT), Logback (EPL-1.0 or LGPL-2.1; on Debian systems the LGPL-2.1 is in
 /usr/share/common-licenses/LGPL-2.1), dnsjava (BSD-3-Clause), and the other
 libraries named in /usr/share/doc/mailferry/docs/dependencies.md.
TEXT
}
