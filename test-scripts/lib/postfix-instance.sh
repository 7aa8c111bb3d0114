# A private Postfix instance under one directory, run with `postfix -c DIR/etc` (never the system's).
# Sourced by bench/relay.sh, bench/sendmail.sh and test-scripts/postfix-smarthost.sh.
#   pf_main_cf DIR          the lines every instance's main.cf starts with (queue, data, log under DIR)
#   pf_services             master.cf lines of the internal services every instance needs
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
