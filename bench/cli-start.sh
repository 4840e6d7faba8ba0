#!/usr/bin/env bash
# The CLI's own start, side by side in one run, interleaved round by round after a warm-up:
#   scale --help      beside  docker ps       (a command that does nothing but print)
#   scale ls          beside  docker ps -a    (list what runs)
# Each scale command runs through ./scale as a user runs it (class-data sharing archive included).
# Prints medians, the ratio to the reference, and scale's peak RSS. usage: bench/cli-start.sh [ROUNDS]  (default 7)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-7}
for tool in docker python3; do
  command -v $tool >/dev/null || { echo "bench: needs $tool (apt-get install docker.io python3)" >&2; exit 3; }
done
docker info >/dev/null 2>&1 || { echo "bench: no Docker engine answers (the reference is the docker CLI)" >&2; exit 3; }
state=$(mktemp -d); export SCALE_STATE_DIR=$state
trap 'rm -rf "$state"' EXIT
./scale --version >/dev/null   # builds, and makes the archive, outside the measurement
./scale --help >/dev/null; ./scale ls >/dev/null 2>&1; docker ps >/dev/null   # warm-up

# milliseconds and peak RSS in KiB of one command, its output discarded
measure() { /usr/bin/time -f "%e %M" "$@" 2>&1 >/dev/null | tail -1; }

results=$state/results
for _ in $(seq "$rounds"); do
  echo "help $(measure ./scale --help)" >>"$results"
  echo "dockerps $(measure docker ps)" >>"$results"
  echo "ls $(measure ./scale ls)" >>"$results"
  echo "dockerpsa $(measure docker ps -a)" >>"$results"
done
python3 - "$results" "$rounds" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    name, secs, kib = line.split()
    rows.setdefault(name, []).append((float(secs), int(kib)))
med = lambda n: statistics.median(s for s, _ in rows[n])
peak = lambda n: max(k for _, k in rows[n]) / 1024
print(f"CLI start, median of {sys.argv[2]} interleaved rounds (2-core machine: compare within one run)")
for mine, ref, label in (("help", "dockerps", "scale --help  vs docker ps   "), ("ls", "dockerpsa", "scale ls      vs docker ps -a")):
    print(f"  {label}: {med(mine):.2f} s vs {med(ref):.2f} s = {med(mine) / max(med(ref), 0.005):.0f}x, scale peak {peak(mine):.0f} MiB")
PY
rm -f "$results"
# what the class-data sharing archive did not hold: each such class is read from the jar and verified at every start
log=$state/classes.log
jsa=$(ls -t cli/target/scale-*.jsa | head -1)   # the launcher's archive, made by ./scale above
java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:-UsePerfData -XX:SharedArchiveFile="$jsa" -Xshare:auto -Xlog:class+load:file="$log" \
  -cp cli/target/scale.jar dev.scale.cli.Main ls >/dev/null 2>&1
echo "  scale ls loads $(grep -c 'shared objects file' "$log") classes from the archive, $(grep -vc 'shared objects file' "$log") outside it" \
  "($(grep -v 'shared objects file' "$log" | grep -c ' picocli\.') of them picocli's)"
rm -f "$log"
