#!/usr/bin/env bash
# The whole cost of a CI step's datastore, side by side in one run, interleaved round by round:
#   scale run --with redis -- true                        (start, run nothing, tear down)
#   scale up redis + scale down redis                     (the same in two scale commands)
#   docker run + poll with redis-cli + docker rm -f       (the reference: by hand)
# plus `scale run` with the embedded provider, for runners without Docker.
# Prints medians and ratios. usage: bench/run-overhead.sh [ROUNDS]  (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
image=${SCALE_IMAGE_REDIS:-scale-ci/redis:7.0}
export SCALE_IMAGE_REDIS=$image
for tool in docker redis-cli python3; do
  command -v $tool >/dev/null || { echo "bench: needs $tool (apt-get install docker.io redis-tools)" >&2; exit 3; }
done
docker image inspect "$image" >/dev/null 2>&1 || { echo "bench: build the image first: bash .ci/build-images.sh" >&2; exit 3; }
./scale --version >/dev/null
state=$(mktemp -d); export SCALE_STATE_DIR=$state
trap 'rm -rf "$state"' EXIT

now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }

scale_run() { local t0 t1; t0=$(now); ./scale run -q --provider "$1" --with redis -- true; t1=$(now); ms "$t0" "$t1"; }
up_down() {
  local t0 t1; t0=$(now)
  ./scale up redis --provider docker --name bench-ud --output json >/dev/null 2>&1
  ./scale down bench-ud >/dev/null
  t1=$(now); ms "$t0" "$t1"
}
by_hand() {
  local t0 t1 id port; t0=$(now)
  id=$(docker run -d --rm -p 127.0.0.1::6379 "$image" --requirepass benchpw)
  port=$(docker port "$id" 6379/tcp | head -1 | cut -d: -f2)
  until [ "$(redis-cli -p "$port" --no-auth-warning -a benchpw ping 2>/dev/null)" = PONG ]; do sleep 0.05; done
  docker rm -f "$id" >/dev/null
  t1=$(now); ms "$t0" "$t1"
}

run_d=(); updown=(); hand=(); run_e=()
for r in $(seq 1 "$rounds"); do
  run_d+=("$(scale_run docker)"); updown+=("$(up_down)"); hand+=("$(by_hand)"); run_e+=("$(scale_run embedded)")
  echo "round $r/$rounds done" >&2
done
python3 - "$rounds" "${run_d[*]}" "${updown[*]}" "${hand[*]}" "${run_e[*]}" <<'PY'
import statistics, sys
n = sys.argv[1]
run_d, updown, hand, run_e = ([int(x) for x in a.split()] for a in sys.argv[2:6])
m = statistics.median
print(f"start + tear down one Redis, median of {n} rounds (ms)")
print(f"  scale run --with redis -- true (docker)     {m(run_d):7.0f}")
print(f"  scale up redis + scale down (docker)         {m(updown):7.0f}   run / (up+down) = {m(run_d)/m(updown):.2f}")
print(f"  docker run + poll + docker rm -f             {m(hand):7.0f}   run / by hand   = {m(run_d)/m(hand):.2f}")
print(f"  scale run --with redis -- true (embedded)    {m(run_e):7.0f}   run embedded / by hand = {m(run_e)/m(hand):.2f}")
PY
