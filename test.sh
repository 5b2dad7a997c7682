#!/usr/bin/env bash
# Runs every test of BitcoinVolume on a fresh machine: installs what the tests need, then `dotnet test`.
# Usage: ./test.sh [extra dotnet test arguments]
set -euo pipefail
cd "$(dirname "$0")"

# Prerequisites. The development Kafka broker is started by the tests themselves (in-process or through the AppHost).
# Everything else the tests need (Debian packages, servers, npm packages) is installed and started by the scripts in
# tests/prerequisites.d, in name order; each is idempotent and says what it does.
command -v dotnet >/dev/null || { echo "error: the .NET SDK 10 is required (https://dot.net)" >&2; exit 1; }
for script in tests/prerequisites.d/*.sh; do
  [ -e "$script" ] || continue
  echo "== prerequisites: $script"
  # shellcheck source=/dev/null
  . "$script"
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
# One test assembly at a time (-m:1): several suites measure timing (watchdogs, backoff, pacing) and 2 cores are few.
dotnet test BitcoinVolume.sln -m:1 --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log" || status=$?

# The failed tests again at the end (a CI log is often read from its tail): name and the first lines of the error.
awk '/^ +Failed [^ :].* \[[^]]*\]$/ { if (!shown++) print "== failed tests"; print; n = 10; next }
     n > 0 && !/^ +(Passed|Failed|Skipped) / { print; n--; next } { n = 0 }' "$log"
# One plain closing line for the whole run, summed over the test assemblies.
awk '/^ +Passed: [0-9]+$/ { p += $2 } /^ +Failed: [0-9]+$/ { f += $2 } /^ +Skipped: [0-9]+$/ { s += $2 }
     END { printf "tests: %d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
