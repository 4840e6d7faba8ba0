#!/usr/bin/env bash
# The time to a fresh, isolated PostgreSQL database inside one running instance, side by side in one run,
# interleaved round by round:
#   scale db new INSTANCE                               (the command: JVM start, login, role, database, grants)
#   createdb by hand (psql's createdb, as the instance's superuser; no role of its own)   (the reference)
#   the server's own time for CREATE DATABASE … TEMPLATE template1, by WAL and by FILE_COPY (psql's \timing)
# Prints medians in ms. usage: bench/db-new.sh [ROUNDS] [PROVIDER]  (defaults: 7, embedded)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-7}
provider=${2:-embedded}
for tool in psql createdb python3; do
  command -v $tool >/dev/null || { echo "bench: needs $tool (apt-get install postgresql-client)" >&2; exit 3; }
done
./scale --version >/dev/null
state=$(mktemp -d); export SCALE_STATE_DIR=$state
trap './scale down bench-db >/dev/null 2>&1 || true; rm -rf "$state"' EXIT
./scale up postgres --provider "$provider" --name bench-db >/dev/null 2>&1
eval "$(./scale env bench-db)"

now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }
server() { # strategy name: the server's own time for the statement, in ms
  psql -qAt -c '\timing on' -c "CREATE DATABASE $2 TEMPLATE template1 STRATEGY $1" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'
}

cli=(); hand=(); wal=(); file=()
for i in $(seq 1 "$rounds"); do
  t0=$(now); ./scale db new bench-db >/dev/null 2>&1; t1=$(now); cli+=("$(ms "$t0" "$t1")")
  t0=$(now); createdb "byhand_$i"; t1=$(now); hand+=("$(ms "$t0" "$t1")")
  wal+=("$(server WAL_LOG "wal_$i")")
  file+=("$(server FILE_COPY "file_$i")")
done
median() { printf '%s\n' "$@" | python3 -c 'import sys,statistics; print(round(statistics.median(float(l) for l in sys.stdin)))'; }
c=$(median "${cli[@]}"); h=$(median "${hand[@]}")
echo
echo "| time to a fresh database ($provider, median of $rounds, ms) | ms |"
echo "|---|---:|"
echo "| \`scale db new\` (whole command: JVM, login, role, database, grants) | $c |"
echo "| \`createdb\` by hand (reference; no role of its own) | $h |"
echo "| server: CREATE DATABASE … STRATEGY WAL_LOG (what db new uses up to 64 MB) | $(median "${wal[@]}") |"
echo "| server: CREATE DATABASE … STRATEGY FILE_COPY | $(median "${file[@]}") |"
echo
echo "scale db new / createdb = $(python3 -c "print(round($c/$h, 2))")"
