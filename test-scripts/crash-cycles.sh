#!/usr/bin/env bash
# Crash safety, long run: builds the jar, then runs CrashCyclesTest against the packaged daemon
# (java -jar target/mailferry.jar serve), killing it with SIGKILL N times under load.
#   test-scripts/crash-cycles.sh [CYCLES] [SEED]      (default 20 cycles)
# Prints: kills, messages attempted/acked/delivered/duplicated/lost. Fails if an acked message is lost.
set -euo pipefail
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../bin/lib/env.sh"
mailferry_find_jdk
cd "$MAILFERRY_HOME"
mvn -q -B -ntp -DskipTests package
MAILFERRY_JAR="$PWD/target/mailferry.jar" MAILFERRY_CRASH_CYCLES="${1:-20}" MAILFERRY_CRASH_SEED="${2:-$RANDOM}" \
  mvn -q -B -ntp surefire:test -Dtest=CrashCyclesTest -Dsurefire.failIfNoSpecifiedTests=false
cat target/crash-cycles.txt
