#!/usr/bin/env bash
# Long fuzzing run with Jazzer: each fuzz target for up to its maxDuration (60 s) in turn.
# Findings are written by Jazzer as crash-* files; move each into the target's
# src/test/resources/.../<Class>Inputs/<method>/ directory so that the normal build replays it,
# and fix the bug. Executions per target are printed ("Done N runs").
#   test-scripts/fuzz.sh [Class#method ...]
set -euo pipefail
. "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../bin/lib/env.sh"
mailferry_find_jdk
cd "$MAILFERRY_HOME"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(SmtpParsingFuzzTest#pathArgument SmtpParsingFuzzTest#dataReader SmtpParsingFuzzTest#replyReader
           ConfigFuzzTest#toml ConfigFuzzTest#loader SpoolFuzzTest#journalSegment SpoolFuzzTest#historyLog
           SubmitProtocolFuzzTest#drop SubmitProtocolFuzzTest#sendRequest)
fi
mvn -q -B -ntp -DskipTests test-compile
status=0
for t in "${targets[@]}"; do
  echo "== $t"
  JAZZER_FUZZ=1 mvn -q -B -ntp surefire:test -Dtest="$t" -Dsurefire.failIfNoSpecifiedTests=false || status=1
  grep -ah '^Done [0-9]* runs' target/surefire-reports/*"${t%%#*}"-output.txt | tail -1 || true
done
exit $status
