# Shared by bin/mailferry, bin/sendmail, bin/mailq and bin/test: find a JDK 21+ and the built jar.
# Sourced, not run. Sets MAILFERRY_HOME, JAVA_HOME, MAILFERRY_JAVA.

MAILFERRY_HOME=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)

# Prints the feature version of the JDK at $1 (e.g. 25), or nothing.
mailferry_jdk_version() {
  local home=$1 v
  [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || return 0
  if [ -r "$home/release" ]; then
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$home/release")
  fi
  if [ -z "$v" ]; then
    v=$("$home/bin/java" -version 2>&1 | sed -n '1s/.*version "\([0-9]*\).*/\1/p')
  fi
  echo "$v"
}

# Finds a JDK 21 or newer: $JAVA_HOME first, then the newest under /usr/lib/jvm.
mailferry_find_jdk() {
  local v best="" bestv=0 d
  if [ -n "${JAVA_HOME:-}" ]; then
    v=$(mailferry_jdk_version "$JAVA_HOME")
    if [ -n "$v" ] && [ "$v" -ge 21 ]; then MAILFERRY_JAVA="$JAVA_HOME/bin/java"; return 0; fi
  fi
  for d in /usr/lib/jvm/*/; do
    d=${d%/}
    [ -L "$d" ] && continue
    v=$(mailferry_jdk_version "$d")
    if [ -n "$v" ] && [ "$v" -ge 21 ] && [ "$v" -gt "$bestv" ]; then best=$d; bestv=$v; fi
  done
  if [ -z "$best" ]; then
    echo "mailferry: no JDK 21 or newer found (looked at \$JAVA_HOME and /usr/lib/jvm/*); install one, e.g. 'apt-get install openjdk-21-jdk-headless', or set JAVA_HOME" >&2
    return 1
  fi
  export JAVA_HOME=$best
  MAILFERRY_JAVA="$JAVA_HOME/bin/java"
}

# A jar given by the caller (MAILFERRY_JAR=...) is used as is; else the checkout's, built on demand.
MAILFERRY_JAR_GIVEN=${MAILFERRY_JAR:+1}
MAILFERRY_JAR=${MAILFERRY_JAR:-$MAILFERRY_HOME/target/mailferry.jar}

# Builds the jar with Maven when it is missing or older than a source file.
mailferry_ensure_jar() {
  if [ -n "$MAILFERRY_JAR_GIVEN" ]; then
    [ -f "$MAILFERRY_JAR" ] && return 0
    echo "mailferry: MAILFERRY_JAR=$MAILFERRY_JAR does not exist; unset it to use the checkout's jar" >&2
    return 1
  fi
  if [ -f "$MAILFERRY_JAR" ] && [ -z "$(find "$MAILFERRY_HOME/src/main" "$MAILFERRY_HOME/pom.xml" -newer "$MAILFERRY_JAR" -print -quit 2>/dev/null)" ]; then
    return 0
  fi
  if ! command -v mvn >/dev/null 2>&1; then
    echo "mailferry: $MAILFERRY_JAR is missing and Maven (mvn) is not installed to build it; install maven or build elsewhere" >&2
    return 1
  fi
  echo "mailferry: building $MAILFERRY_JAR (first use)..." >&2
  (cd "$MAILFERRY_HOME" && mvn -q -B -DskipTests package >&2) || {
    echo "mailferry: build failed; run 'mvn -DskipTests package' in $MAILFERRY_HOME to see why" >&2
    return 1
  }
}

# Set by 'mailferry install' in an installed copy: the config file the commands use by default.
[ -r "$MAILFERRY_HOME/bin/lib/site.sh" ] && . "$MAILFERRY_HOME/bin/lib/site.sh"

# The sendmail command's slow path (bin/sendmail runs the native client, or target/sendmail.launch,
# directly when they are up to date). Finds the JDK, builds the jar if needed, then, where target/
# is writable: builds the native client (below), trains a class-data cache with one scratch
# submission (JDK 25+: an AOT cache, -XX:AOTCache; JDK 21-24: an AppCDS archive) and writes
# target/sendmail.launch, one exec line with the JVM, the flags and the cache. Where target/ is
# read-only (an installed copy run by a user) it uses what 'mailferry install' prepared. See
# docs/sendmail.md, "Start-up time".
# The daemon's JVM: a bounded heap (bodies are streamed, never held whole) and the C1 compiler only.
# A relay waits on sockets and disks; on 2 cores the C2 compiler's own work (about 4.5 s of CPU in
# the first 10,000 messages) cost more than its faster code gave back: C1 alone measured the same
# or more messages per second with about 40% less user CPU and 20 MiB less RSS (bench/README.md).
# jdk.pollerMode=1: the sockets' readiness is polled by platform threads that unpark the waiting
# session themselves; the JDK 25 default on Linux polls with virtual threads woken by a master
# poller, one more hand-off per blocking read: 12% more CPU per message for a single session.
MAILFERRY_SERVE_FLAGS="-XX:+UseSerialGC -Xmx192m -XX:TieredStopAtLevel=1 -Djdk.pollerMode=1"
MAILFERRY_SENDMAIL_FLAGS="-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -XX:-UsePerfData -Xlog:disable -Xlog:all=off"

mailferry_sendmail() {
  local name=$1; shift
  case "$name" in mailq|newaliases) ;; *) name=sendmail ;; esac
  mailferry_find_jdk
  if [ -n "${MAILFERRY_CLASSPATH:-}" ]; then   # tests: the compiled classes, no cache
    exec "$MAILFERRY_JAVA" $MAILFERRY_SENDMAIL_FLAGS -Dmailferry.command="$name" \
      -cp "$MAILFERRY_CLASSPATH" org.mailferry.cli.Sendmail "$@"
  fi
  mailferry_ensure_jar
  local t=$MAILFERRY_HOME/target cache="" v
  v=$(mailferry_jdk_version "$JAVA_HOME")
  if [ -w "$t" ]; then
    mailferry_build_native
    mailferry_sendmail_train "$v"
  fi
  if [ "${v:-0}" -ge 25 ] && [ "$t/sendmail.aot" -nt "$MAILFERRY_JAR" ]; then
    cache="-XX:AOTCache=$t/sendmail.aot"
  elif [ "${v:-0}" -lt 25 ] && [ "$t/sendmail.jsa" -nt "$MAILFERRY_JAR" ]; then
    cache="-XX:SharedArchiveFile=$t/sendmail.jsa"
  fi
  if [ -w "$t" ]; then
    printf "exec '%s' %s %s -Dmailferry.command=\"\$name\" -cp '%s' org.mailferry.cli.Sendmail \"\$@\"\n" \
      "$MAILFERRY_JAVA" "$MAILFERRY_SENDMAIL_FLAGS" "$cache" "$MAILFERRY_JAR" > "$t/sendmail.launch.$$"
    mv -f "$t/sendmail.launch.$$" "$t/sendmail.launch"
  fi
  exec "$MAILFERRY_JAVA" $MAILFERRY_SENDMAIL_FLAGS $cache -Dmailferry.command="$name" \
    -cp "$MAILFERRY_JAR" org.mailferry.cli.Sendmail "$@"
}

# One submission into a scratch spool, recording the classes it uses into the cache for JDK $1.
mailferry_sendmail_train() {
  local v=${1:-0} t=$MAILFERRY_HOME/target out opt scratch
  if [ "$v" -ge 25 ]; then out=$t/sendmail.aot opt=-XX:AOTCacheOutput; else out=$t/sendmail.jsa opt=-XX:ArchiveClassesAtExit; fi
  [ "$out" -nt "$MAILFERRY_JAR" ] && return 0
  scratch=$(mktemp -d) || return 0
  printf '[queue]\nspool = "%s"\n[sendmail]\norigin_domain = "training.invalid"\n' "$scratch/spool" > "$scratch/c.toml"
  printf 'To: a@training.invalid\nSubject: training\n\nx\n' |
    "$MAILFERRY_JAVA" $MAILFERRY_SENDMAIL_FLAGS "$opt=$out.$$" -Dmailferry.command=sendmail -Dmailferry.train="$scratch/spool" \
      -cp "$MAILFERRY_JAR" org.mailferry.cli.Sendmail -C "$scratch/c.toml" -t -i >/dev/null 2>&1 &&
    [ -s "$out.$$" ] && mv -f "$out.$$" "$out"
  rm -rf "$scratch" "$out.$$" "$out.$$.config"
  return 0
}

# The sendmail command's native client (src/main/c/sendmail.c; docs/sendmail.md, "Start-up time"),
# built with cc into target/mailferry-sendmail when there is a C compiler, silently skipped when
# there is none: bin/sendmail then starts the JVM for every message, which works the same, slower.
# A failed build leaves its errors in target/mailferry-sendmail.failed, says so once, and is tried
# again when the source changes.
mailferry_build_native() {
  local t=$MAILFERRY_HOME/target src=$MAILFERRY_HOME/src/main/c/sendmail.c
  local out=$t/mailferry-sendmail
  [ -f "$src" ] && [ -d "$t" ] && [ -w "$t" ] || return 0
  if [ "$out" -nt "$src" ] || [ "$out.failed" -nt "$src" ]; then return 0; fi
  command -v cc >/dev/null 2>&1 || return 0
  if cc -O2 -Wall -Wextra -o "$out.$$" "$src" 2> "$out.failed"; then
    mv -f "$out.$$" "$out"
    rm -f "$out.failed"
  else
    rm -f "$out.$$"
    echo "mailferry: the native sendmail client did not build (errors in $out.failed); the JVM sends instead" >&2
  fi
  return 0
}
