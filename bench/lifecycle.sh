#!/usr/bin/env bash
# Issue 15's lifecycle figures, side by side in one run, interleaved round by round so machine noise hits all alike:
#   scale down --all with 5 instances up (3 redis + 2 postgres, docker)   target ≤ 1.5 s
#     beside docker rm -fv of 5 such containers started by docker run -d (the reference: by hand)
#   scale up redis postgres  ÷  the slower of scale up redis and scale up postgres alone,
#     docker and embedded                                                  target ≤ 1.15×
#   scale's own peak RSS during scale up postgres, docker and embedded     target ≤ 150 MB
# Each up is followed by an untimed scale down. The peak RSS is the JVM's VmHWM, polled from /proc: not the
# server's, and not /usr/bin/time's %M, which would count the largest child the JVM waited for (initdb).
# Prints medians and ratios as a markdown table. usage: bench/lifecycle.sh [ROUNDS]   (default 5)
# SCALE is the command that runs scale (default ./scale), e.g. SCALE="java -jar /tmp/frozen.jar" to measure a
# frozen build. Needs a Docker engine, redis-cli, psql and python3.
# scale down --all removes every scale container on the engine: this script refuses to run, or to time it,
# when the engine holds scale containers it did not start. One started in the instant before down --all would
# still go: do not run it beside the test suite, which shares the engine.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
SCALE=${SCALE:-./scale}
redis_image=${SCALE_IMAGE_REDIS:-scale-ci/redis:7.0}
pg_image=${SCALE_IMAGE_POSTGRES:-scale-ci/postgres:15}
export SCALE_IMAGE_REDIS=$redis_image SCALE_IMAGE_POSTGRES=$pg_image
for tool in docker redis-cli psql python3; do
  command -v $tool >/dev/null || { echo "bench: needs $tool (apt-get install docker.io redis-tools postgresql-client)" >&2; exit 3; }
done
docker info >/dev/null 2>&1 || { echo "bench: no Docker engine answers" >&2; exit 3; }
docker image inspect "$redis_image" "$pg_image" >/dev/null 2>&1 || { echo "bench: build the images first: bash .ci/build-images.sh" >&2; exit 3; }
scale_containers() { docker ps -a --filter label=dev.scale.managed=true --format '{{.Names}}' | sort; }
if [ -n "$(scale_containers)" ]; then
  echo "bench: the engine holds scale containers this script did not start; scale down --all would remove them:" >&2
  scale_containers >&2; exit 3
fi
$SCALE --version >/dev/null   # builds once (./scale), outside the timings

state=$(mktemp -d); config=$(mktemp -d)
export SCALE_STATE_DIR=$state SCALE_CONFIG_DIR=$config
work=$(mktemp -d)                 # outside the state directory, so that scale never sees our files
names=$work/names                 # the instances this script has up or is starting, for the trap
results=$work/results
ref_label=scale-bench=lifecycle-$$
bg_pid=
: >"$names"

cleanup() {
  set +e
  if [ -n "$bg_pid" ]; then kill -TERM "$bg_pid" 2>/dev/null; wait "$bg_pid" 2>/dev/null; fi  # a background up ignores Ctrl-C
  local embedded
  embedded=$($SCALE ls --output json 2>/dev/null | python3 -c 'import json, sys
print(" ".join(i["name"] for i in json.load(sys.stdin) if i["provider"] == "embedded"))' 2>/dev/null)
  # by name, not --all: only what this script made (the state directory is ours, the engine is not)
  local mine
  mine=$(sort -u "$names"; echo $embedded)
  # shellcheck disable=SC2086
  [ -z "${mine//[[:space:]]/}" ] || $SCALE down $mine >/dev/null 2>&1
  docker ps -aq --filter "label=$ref_label" | xargs -r docker rm -fv >/dev/null 2>&1
  local left
  left=$(pgrep -f "$state" || true)
  [ -z "$left" ] || { echo "bench: stopping processes left in $state: $left" >&2; kill $left 2>/dev/null; }
  rm -rf "$state" "$config" "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }
fail() { echo "bench: $1 failed:" >&2; cat "$work/err" >&2; exit 1; }
record() { python3 -c 'import json, sys
print("\n".join(i["name"] for i in json.load(open(sys.argv[1]))))' "$work/up.json" >>"$names"; }
# scale up KIND..., timed under KEY (- : untimed); its names recorded for the trap
up() { # key|- provider kind...
  local key=$1 provider=$2 t0 t1; shift 2
  t0=$(now)
  $SCALE up "$@" --provider "$provider" --ttl 10m --output json >"$work/up.json" 2>"$work/err" || fail "scale up $* --provider $provider"
  t1=$(now)
  record
  [ "$key" = - ] || echo "$key $(ms "$t0" "$t1")" >>"$results"
}
down_last() { # removes what the last up made, and forgets its names: a name may be someone else's later
  local gone
  gone=$(python3 -c 'import json, sys; print("\n".join(i["name"] for i in json.load(open(sys.argv[1]))))' "$work/up.json")
  # shellcheck disable=SC2086
  $SCALE down $gone >/dev/null 2>"$work/err" || fail "scale down"
  grep -vxF -f <(echo "$gone") "$names" >"$names.new" || true
  mv "$names.new" "$names"
}

# 1. scale down --all with 3 redis + 2 postgres up (docker)
scale_down_all() {
  local t0 t1 ours
  up - docker redis redis redis postgres postgres
  ours=$(python3 -c 'import json, sys; print("\n".join(sorted("scale-" + i["name"] for i in json.load(open(sys.argv[1])))))' "$work/up.json")
  if [ "$(scale_containers)" != "$ours" ]; then
    echo "bench: the engine holds scale containers this script did not start; not timing scale down --all:" >&2
    scale_containers >&2; exit 3
  fi
  t0=$(now)
  $SCALE down --all >/dev/null 2>"$work/err" || fail "scale down --all"
  t1=$(now)
  [ -z "$(scale_containers)" ] || { echo "bench: scale down --all left containers" >&2; exit 1; }
  : >"$names"
  echo "down_all $(ms "$t0" "$t1")" >>"$results"
}
reference_rm() {
  local ids=() id port t0 t1 i
  for i in 1 2 3; do
    ids+=("$(docker run -d --rm --label "$ref_label" -p 127.0.0.1::6379 "$redis_image" --requirepass benchpw)")
  done
  for i in 1 2; do
    ids+=("$(docker run -d --rm --label "$ref_label" -p 127.0.0.1::5432 -e POSTGRES_PASSWORD=benchpw -e POSTGRES_USER=bench \
      -e POSTGRES_DB=bench "$pg_image")")
  done
  for id in "${ids[@]:0:3}"; do   # ready, as scale's are
    port=$(docker port "$id" 6379/tcp | head -1 | cut -d: -f2)
    until [ "$(redis-cli -p "$port" --no-auth-warning -a benchpw ping 2>/dev/null)" = PONG ]; do sleep 0.05; done
  done
  for id in "${ids[@]:3:2}"; do
    port=$(docker port "$id" 5432/tcp | head -1 | cut -d: -f2)
    until PGPASSWORD=benchpw psql -h 127.0.0.1 -p "$port" -U bench -d bench -Atc 'select 1' >/dev/null 2>&1; do sleep 0.05; done
  done
  t0=$(now)
  docker rm -fv "${ids[@]}" >/dev/null
  t1=$(now)
  echo "down_ref $(ms "$t0" "$t1")" >>"$results"
}

# 3. the JVM's peak RSS (VmHWM, KiB) during scale up postgres; ./scale execs java, so the PID is the JVM's
peak_rss() { # provider
  local name=bench-rss-$1 pid comm k v _ peak=0 seen
  echo "$name" >>"$names"
  $SCALE up postgres --provider "$1" --name "$name" --ttl 10m --output json >"$work/up.json" 2>"$work/err" &
  pid=$!; bg_pid=$pid
  while :; do
    comm=; seen=
    read -r comm 2>/dev/null </proc/$pid/comm || break
    if [ "$comm" = java ]; then
      while read -r k v _; do
        if [ "$k" = VmHWM: ]; then seen=1; if [ "$v" -gt "$peak" ]; then peak=$v; fi; fi
      done 2>/dev/null </proc/$pid/status || true
      [ -n "$seen" ] || break   # a zombie: the JVM has exited
    fi
    sleep 0.02
  done
  wait "$pid" || { bg_pid=; fail "scale up postgres --provider $1"; }
  bg_pid=
  [ "$peak" -gt 0 ] || { echo "bench: never saw the JVM of scale up postgres" >&2; exit 1; }
  down_last
  echo "rss/$1 $peak" >>"$results"
}

# warm-up, untimed: unpacks the embedded binaries on first use, warms the engine and the page cache
for p in docker embedded; do up - $p redis postgres; down_last; done

for r in $(seq 1 "$rounds"); do
  scale_down_all
  reference_rm
  for p in docker embedded; do
    up "both/$p" $p redis postgres; down_last
    up "redis/$p" $p redis; down_last
    up "postgres/$p" $p postgres; down_last
  done
  peak_rss docker
  peak_rss embedded
  echo "round $r/$rounds done" >&2
done

python3 - "$results" "$rounds" <<'PY'
import statistics, sys
s = {}
for line in open(sys.argv[1]):
    k, v = line.split()
    s.setdefault(k, []).append(int(v))
m = lambda k: statistics.median(s[k])
ok = lambda b: "yes" if b else "no"
print(f"lifecycle, median of {sys.argv[2]} interleaved rounds (ms unless said; ratio = scale / reference)\n")
print("| figure | scale | reference | ratio | target | met |")
print("|---|---:|---:|---:|---|---|")
d, ref = m("down_all"), m("down_ref")
print(f"| `scale down --all`, 3 redis + 2 postgres (docker) | {d:.0f} | {ref:.0f} (`docker rm -fv` of 5) | {d/ref:.2f} | ≤ 1500 ms | {ok(d <= 1500)} |")
for p in ("docker", "embedded"):
    both, rd, pg = m(f"both/{p}"), m(f"redis/{p}"), m(f"postgres/{p}")
    slower, which = max((rd, "redis"), (pg, "postgres"))
    print(f"| `scale up redis postgres` ({p}) | {both:.0f} | {slower:.0f} (`up {which}` alone; redis {rd:.0f}, postgres {pg:.0f}) "
          f"| {both/slower:.2f} | ≤ 1.15× | {ok(both/slower <= 1.15)} |")
for p in ("docker", "embedded"):
    peaks = s[f"rss/{p}"]
    med, top = statistics.median(peaks) * 1024 / 1e6, max(peaks) * 1024 / 1e6
    print(f"| scale's peak RSS (its JVM) in `scale up postgres` ({p}), MB | {med:.0f} (max {top:.0f}) | | | ≤ 150 MB | {ok(top <= 150)} |")
PY
