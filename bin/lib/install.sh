# 'mailferry install' and 'mailferry uninstall': sourced by bin/mailferry (see README, docs/sendmail.md).
#   install   [--root DIR] [--user NAME]   copy to /usr/lib/mailferry, make sendmail/mailq/newaliases
#                                          Mailferry's, create the service user, spool and systemd unit
#   uninstall [--root DIR] [--purge]       put back what was there; --purge also removes the service
#                                          user, /etc/mailferry and the spool (queued messages!)
# --root DIR works on a throwaway root directory (tests): nothing outside DIR is touched.
# The commands are switched the Debian way when dpkg's tools are there: dpkg-divert moves another
# MTA's file aside (so its package updates land beside it), update-alternatives links ours.
# Without them: plain symlinks, with the old file kept as FILE.mailferry-orig. Every step is
# recorded in /var/lib/mailferry/install.manifest, which uninstall replays backwards.

MF_LINKS="sendmail:/usr/sbin/sendmail mailq:/usr/bin/mailq newaliases:/usr/bin/newaliases"

mf_die() { echo "mailferry: $*" >&2; exit 1; }

mf_parse() {
  MF_ROOT=/ MF_USER=mailferry MF_PURGE=0
  while [ $# -gt 0 ]; do
    case "$1" in
      --root) [ $# -ge 2 ] || mf_die "--root needs a directory"; MF_ROOT=$(cd "$2" && pwd -P) || mf_die "--root $2: no such directory"; shift ;;
      --user) [ $# -ge 2 ] || mf_die "--user needs a name"; MF_USER=$2; shift ;;
      --purge) MF_PURGE=1 ;;
      *) mf_die "unknown option '$1'; usage: mailferry install [--root DIR] [--user NAME] | uninstall [--root DIR] [--purge]" ;;
    esac
    shift
  done
  R=${MF_ROOT%/}
  if [ "$MF_ROOT" = / ] && [ "$(id -u)" -ne 0 ]; then
    mf_die "install and uninstall change /usr and /etc: run them as root, or try them with --root DIR"
  fi
  MANIFEST=$R/var/lib/mailferry/install.manifest
  if [ "$MF_ROOT" = / ] && command -v update-alternatives >/dev/null && command -v dpkg-divert >/dev/null; then
    MF_DPKG=1
  elif [ "$MF_ROOT" != / ] && [ -d "$R/var/lib/dpkg" ] && command -v update-alternatives >/dev/null; then
    MF_DPKG=1   # a throwaway root with a dpkg database: --root for both tools
  else
    MF_DPKG=0
  fi
}

mf_record() { echo "$*" >> "$MANIFEST"; }

# The config both 'install' and the Debian package (bin/lib/package.sh) start with; $1: the docs' directory.
mf_default_config() {
  cat <<TOML
# Mailferry configuration: every key and its default in $1/configuration.md.
# After a change: mailferry config check, then systemctl reload mailferry.
[queue]
spool = "/var/spool/mailferry"

[smtpd]
# Where PHPMailer, Net::SMTP and Ruby's mail look by default; the unit grants only
# CAP_NET_BIND_SERVICE for it ($1/operations.md, "Port 25").
listen = "127.0.0.1:25"

[relay]
# smarthost = "smtp:[smtp.example.com]:587"
# authinfo = "/etc/mail/authinfo"   # mode 600, owned by mailferry

[sendmail]
# origin_domain = "example.com"   # default: the host name
TOML
}

# The systemd unit of both 'install' and the Debian package (bin/lib/package.sh; InstallTest checks
# they are the same): systemd-analyze security's checks as far as a JVM allows (no
# MemoryDenyWriteExecute: the JIT writes code). docs/operations.md, "The Debian package", lists each
# choice. $1: the service user; $2: the directory of README.md and docs/ (Documentation=).
mf_unit() {
  cat <<UNIT
[Unit]
Description=Mailferry outbound mail relay
Documentation=file://$2/README.md file://$2/docs/operations.md file://$2/docs/configuration.md
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=$1
Group=$1
ExecStart=/usr/lib/mailferry/bin/mailferry serve --config /etc/mailferry/mailferry.toml
# systemctl reload: the config and every credential file read again (docs/operations.md)
ExecReload=/bin/kill -HUP \$MAINPID
Restart=on-failure
# standard output goes to the journal as facility mail, identifier mailferry (rsyslog: mail.log)
SyslogIdentifier=mailferry
SyslogFacility=mail
UMask=0077
# smtpd.listen 127.0.0.1:25 needs this one capability; nothing else is kept
CapabilityBoundingSet=CAP_NET_BIND_SERVICE
AmbientCapabilities=CAP_NET_BIND_SERVICE
NoNewPrivileges=yes
ProtectSystem=strict
ReadWritePaths=/var/spool/mailferry
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
ProtectProc=invisible
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
RemoveIPC=yes
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallFilter=~@privileged @debug @mount @reboot @swap @cpu-emulation @obsolete @raw-io @module @clock
SystemCallErrorNumber=EPERM

[Install]
WantedBy=multi-user.target
UNIT
}

mf_link() { # NAME LINK: make LINK run our command
  local name=$1 link=$2 target=/usr/lib/mailferry/bin/$1
  if [ "$MF_DPKG" = 1 ]; then
    if { [ -e "$R$link" ] || [ -L "$R$link" ]; } && [[ "$(readlink "$R$link")" != /etc/alternatives/* ]]; then
      dpkg-divert --root "$MF_ROOT" --package mailferry --rename --divert "$link.mailferry-orig" --add "$link" >/dev/null
      mf_record "divert $link"
    fi
    update-alternatives --root "$MF_ROOT" --install "$link" "mailferry-$name" "$target" 50 >/dev/null
    update-alternatives --root "$MF_ROOT" --set "mailferry-$name" "$target" >/dev/null
    mf_record "alternative $name $target"
  else
    if [ -e "$R$link" ] || [ -L "$R$link" ]; then
      [ "$(readlink "$R$link")" = "$target" ] && return 0
      mv "$R$link" "$R$link.mailferry-orig"
      mf_record "backup $link"
    fi
    mkdir -p "$(dirname "$R$link")"
    ln -s "$target" "$R$link"
    mf_record "symlink $link"
  fi
}

mailferry_install() {
  mf_parse "$@"
  [ -e "$MANIFEST" ] && mf_die "already installed ($MANIFEST exists); run 'mailferry uninstall' first"
  mailferry_ensure_jar
  mkdir -p "$(dirname "$MANIFEST")"
  : > "$MANIFEST"
  local lib=$R/usr/lib/mailferry
  mkdir -p "$lib/bin/lib" "$lib/target"
  cp "$MAILFERRY_HOME"/bin/{mailferry,sendmail,mailq,newaliases} "$lib/bin/"
  cp "$MAILFERRY_HOME"/bin/lib/{env.sh,install.sh} "$lib/bin/lib/"
  cp "$MAILFERRY_JAR" "$lib/target/mailferry.jar"
  # The documentation the unit's Documentation= and the config's comments point at.
  mkdir -p "$lib/docs"
  cp "$MAILFERRY_HOME"/README.md "$lib/"
  cp "$MAILFERRY_HOME"/docs/*.md "$lib/docs/"
  # The default spool is var/spool beside target/ (config/DefaultSpool, the native client alike),
  # never the working directory's: here, the installed spool. The sendmail command finds the
  # daemon's public config there (public/sendmail.conf) when it may not read the config file.
  mkdir -p "$lib/var"
  ln -sfn /var/spool/mailferry "$lib/var/spool"
  # sendmail's native client (docs/sendmail.md, "Start-up time"): built here when there is a C
  # compiler; without it every message starts a JVM (the same behaviour, slower).
  local native=$MAILFERRY_HOME/target/mailferry-sendmail
  mkdir -p "$MAILFERRY_HOME/target" 2>/dev/null || true
  mailferry_build_native   # says so itself when cc fails
  if [ -x "$native" ] && { [ ! -e "$MAILFERRY_HOME/src/main/c/sendmail.c" ] || [ "$native" -nt "$MAILFERRY_HOME/src/main/c/sendmail.c" ]; }; then
    install -m 0755 "$native" "$lib/target/mailferry-sendmail"
  elif ! command -v cc >/dev/null 2>&1; then
    echo "mailferry: no C compiler (cc): sendmail will start a JVM for every message; install gcc, then 'mailferry uninstall' and 'install' again for the fast path" >&2
  fi
  echo 'export MAILFERRY_CONFIG=${MAILFERRY_CONFIG:-/etc/mailferry/mailferry.toml}' > "$lib/bin/lib/site.sh"
  mf_record "files /usr/lib/mailferry"

  local have_user=0
  if [ "$MF_ROOT" = / ]; then
    if ! id "$MF_USER" >/dev/null 2>&1; then
      useradd --system --user-group --home-dir /var/spool/mailferry --no-create-home \
        --shell /usr/sbin/nologin --comment "Mailferry relay" "$MF_USER"
      mf_record "user $MF_USER"
    fi
    have_user=1
  else
    echo "mailferry: --root: service user '$MF_USER' not created (create it in that system)" >&2
  fi

  mkdir -p "$R/etc/mailferry"
  if [ ! -e "$R/etc/mailferry/mailferry.toml" ]; then
    mf_default_config /usr/lib/mailferry/docs > "$R/etc/mailferry/mailferry.toml"
    mf_record "config /etc/mailferry/mailferry.toml"
  fi

  # The spool and its permissions model (docs/sendmail.md): the daemon's user owns everything;
  # queue/, tmp/, corrupt/, journal/, done/ and webhooks/ are private (0700; the daemon makes their files 0600); anyone may drop a file into maildrop/ but not list it
  # (1733, like Postfix's maildrop); public/ holds the submit socket (0666).
  local spool=$R/var/spool/mailferry
  install -d -m 0755 "$spool"
  install -d -m 0700 "$spool/queue" "$spool/tmp" "$spool/corrupt" "$spool/journal" "$spool/done" "$spool/webhooks"
  install -d -m 1733 "$spool/maildrop"
  install -d -m 0755 "$spool/public"
  if [ "$have_user" = 1 ]; then
    chown "$MF_USER:" "$spool" "$spool"/{queue,tmp,corrupt,journal,done,webhooks,maildrop,public}
  fi
  mf_record "spool /var/spool/mailferry"

  mkdir -p "$R/etc/systemd/system"
  mf_unit "$MF_USER" /usr/lib/mailferry > "$R/etc/systemd/system/mailferry.service"
  mf_record "unit /etc/systemd/system/mailferry.service"

  local pair
  for pair in $MF_LINKS; do
    mf_link "${pair%%:*}" "${pair#*:}"
  done

  if [ "$MF_ROOT" = / ]; then
    # One submission into a scratch spool as root builds the class-data archive (AppCDS) that
    # every later sendmail run maps read-only.
    local scratch; scratch=$(mktemp -d)
    printf 'spool = "%s"\n' "$scratch" | sed '1i [queue]' > "$scratch/c.toml"
    printf 'Subject: warm-up\n\nx\n' | MAILFERRY_CONFIG="$scratch/c.toml" "$lib/bin/sendmail" -i root >/dev/null 2>&1 || true
    rm -rf "$scratch"
    if [ -d /run/systemd/system ]; then
      systemctl daemon-reload && systemctl enable --now mailferry.service
    fi
  fi
  echo "mailferry: installed in $MF_ROOT (sendmail, mailq, newaliases; service mailferry; config /etc/mailferry/mailferry.toml)"
}

mailferry_uninstall() {
  mf_parse "$@"
  [ -e "$MANIFEST" ] || mf_die "not installed here ($MANIFEST is missing)"
  if [ "$MF_ROOT" = / ] && [ -d /run/systemd/system ]; then
    systemctl disable --now mailferry.service >/dev/null 2>&1 || true
  fi
  local what a b
  tac "$MANIFEST" | while read -r what a b; do
    case "$what" in
      alternative) update-alternatives --root "$MF_ROOT" --remove "mailferry-$a" "$b" >/dev/null 2>&1 || true ;;
      divert) dpkg-divert --root "$MF_ROOT" --package mailferry --rename --divert "$a.mailferry-orig" --remove "$a" >/dev/null ;;
      symlink) rm -f "$R$a" ;;
      backup) mv "$R$a.mailferry-orig" "$R$a" ;;
      unit) rm -f "$R$a" ;;
      files) case "$a" in /?*) rm -rf "$R$a" ;; esac ;;   # an absolute path below /, never / itself
      config) [ "$MF_PURGE" = 1 ] && rm -rf "$R/etc/mailferry" ;;
      spool) [ "$MF_PURGE" = 1 ] && case "$a" in /?*) rm -rf "$R$a" ;; esac ;;
      user) [ "$MF_PURGE" = 1 ] && userdel "$a" ;;
    esac
  done
  rm -f "$MANIFEST"
  rmdir "$R/var/lib/mailferry" 2>/dev/null || true
  if [ "$MF_ROOT" = / ] && [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
  echo "mailferry: uninstalled from $MF_ROOT$([ "$MF_PURGE" = 1 ] || echo "; kept /etc/mailferry and /var/spool/mailferry (--purge removes them)")"
}
