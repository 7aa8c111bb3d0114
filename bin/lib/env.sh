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

MAILFERRY_JAR="$MAILFERRY_HOME/target/mailferry.jar"

# Builds the jar with Maven when it is missing or older than a source file.
mailferry_ensure_jar() {
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
