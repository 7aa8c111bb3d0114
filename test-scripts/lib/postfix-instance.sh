# A private Postfix instance under one directory, run with `postfix -c DIR/etc` (never the system's).
# Sourced by bench/relay.sh, bench/sendmail.sh and test-scripts/postfix-smarthost.sh.
#   pf_main_cf DIR          the lines every instance's main.cf starts with (queue, data, log under DIR)
#   pf_services             master.cf lines of the internal services every instance needs
#   pf_sink DIR USER        DIR/etc/sink-deliver: pipe(8) command writing each message to DIR/sink/
#   pf_start DIR            backdates the config and starts the master; prints why when it fails

pf_main_cf() {
  cat <<EOC
compatibility_level = 3.6
queue_directory = $1/queue
data_directory = $1/data
meta_directory = /etc/postfix
mail_owner = postfix
setgid_group = postdrop
maillog_file = $1/maillog
maillog_file_prefixes = $1
alias_maps =
alias_database =
inet_protocols = ipv4
EOC
}

pf_services() {
  cat <<'EOC'
pickup    unix n - n 60 1 pickup
cleanup   unix n - n -  0 cleanup
qmgr      unix n - n 300 1 qmgr
rewrite   unix - - n -  - trivial-rewrite
bounce    unix - - n -  0 bounce
defer     unix - - n -  0 bounce
trace     unix - - n -  0 bounce
verify    unix - - n -  1 verify
flush     unix n - n 1000? 0 flush
proxymap  unix - - n -  - proxymap
showq     unix n - n -  - showq
error     unix - - n -  - error
retry     unix - - n -  - error
discard   unix - - n -  - discard
anvil     unix - - n -  1 anvil
scache    unix - - n -  1 scache
postlog   unix-dgram n - n - 1 postlogd
EOC
}

pf_start() {
  mkdir -p "$1/queue" "$1/data"
  chown postfix:postfix "$1/data"
  # Postfix re-reads a main.cf changed within the current second until it is "stable" (300 ms a
  # round); backdating saves 1-3 s per start.
  touch -d '1 minute ago' "$1/etc/main.cf" "$1/etc/master.cf"
  postfix -c "$1/etc" start >"$1/start.out" 2>&1 || { cat "$1/start.out" >&2; return 1; }
}

pf_sink() {
  cat >"$1/etc/sink-deliver" <<EOS
#!/bin/sh
# Exit 75 (EX_TEMPFAIL) on any failure so Postfix defers instead of bouncing.
umask 022
q=\$1; s=\$2; shift 2
t=\$(mktemp "$1/sink.tmp/\$q.XXXXXX") || exit 75
{ printf 'X-Sink-Queue-Id: %s\nX-Sink-Envelope-From: <%s>\n' "\$q" "\$s"
  for r in "\$@"; do printf 'X-Sink-Envelope-To: <%s>\n' "\$r"; done
  cat; } >"\$t" && chmod 644 "\$t" && mv "\$t" "$1/sink/\$(date +%s%N)-\$q.eml" || { rm -f "\$t"; exit 75; }
EOS
  chmod 755 "$1/etc/sink-deliver"
  chown "$2" "$1/sink" "$1/sink.tmp"; chmod 755 "$1/sink" "$1/sink.tmp"
}
