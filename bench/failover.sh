#!/usr/bin/env bash
# What a failover costs, per topology and fault: `scale probe failover` (Jepsen's "set" workload: 200 writes/s by 4
# writers through a client that follows the failover, the fault at a third of each run, undone at two thirds, every id
# read back) repeated RUNS times for each fault (kill -9, docker pause, a cut from the network), on
# `scale up redis --replicas 1 --sentinels 3` at each DOWN_AFTER. Prints the unavailability window (p50, max), the
# time to promote (p50), acknowledged writes lost and writes left unknown.
#
# The reference beside scale's figures is Sentinel's own account, from the Sentinels' logs of the same runs: for each
# failover, the time from the leader's `+sdown master` to its `+switch-master`, plus down-after (when Sentinel begins to
# count); printed as `sentinel_promote_p50_ms` beside scale's `promote_p50_ms` (measured from the fault by a watcher
# asking the Sentinels every 20 ms), with their ratio. Published figures to set them beside are in README.
# usage: bench/failover.sh [RUNS] [DURATION] [DOWN_AFTER...]   (defaults: 3, 30s, 5s 1s; needs Docker)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
duration=${2:-30s}
shift $(( $# > 2 ? 2 : $# ))
down_afters=("$@")
[ ${#down_afters[@]} -eq 0 ] && down_afters=(5s 1s)
export SCALE_IMAGE_REDIS=${SCALE_IMAGE_REDIS:-scale-ci/redis:7.0}
command -v docker >/dev/null && docker info >/dev/null 2>&1 || { echo "bench: needs a Docker engine" >&2; exit 3; }
./scale --version >/dev/null
state=$(mktemp -d); export SCALE_STATE_DIR=$state SCALE_CONFIG_DIR=$state/config
cleanup() { ./scale down --all >/dev/null 2>&1 || true; rm -rf "$state"; }
trap cleanup EXIT

# the leader's +sdown master -> +switch-master, in ms, one line per failover, from every Sentinel's log (since $1)
sentinel_promotions() {
  local name=$1 since=$2
  for s in $(docker ps --format '{{.Names}}' --filter "label=dev.scale.member-of=$name" --filter "label=dev.scale.role=sentinel"); do
    docker logs --since "$since" "$s" 2>&1
  done | python3 -c '
import sys, re, datetime
sdown, out = None, []
events = []
for line in sys.stdin:
    m = re.match(r"\d+:X (\d+ \w+ \d+ [\d:.]+) . (\+sdown master|\+switch-master) ", line)
    if m:
        events.append((datetime.datetime.strptime(m.group(1), "%d %b %Y %H:%M:%S.%f"), m.group(2)))
events.sort()
for t, e in events:
    if e == "+sdown master" and sdown is None:
        sdown = t
    elif e == "+switch-master" and sdown is not None:
        out.append(round((t - sdown).total_seconds() * 1000))
        sdown = None
print(" ".join(map(str, out)))'
}

printf '%-10s %-6s %6s %10s %10s %10s %16s %6s %5s %8s\n' down-after fault runs window_p50 window_max promote_p50 sentinel_promote ratio lost unknown
for da in "${down_afters[@]}"; do
  name=ha-bench
  ./scale up redis --replicas 1 --sentinels 3 --down-after "$da" --provider docker --name $name >/dev/null 2>&1
  da_ms=$(python3 -c "import sys; s='$da'; print(int(float(s[:-2]) if s.endswith('ms') else float(s[:-1]) * 1000))")
  for fault in kill pause cut; do
    since=$(date -u +%Y-%m-%dT%H:%M:%S)
    json=$(./scale probe failover --on $name --fault $fault --runs "$runs" --duration "$duration" --output json 2>/dev/null)
    promos=$(sentinel_promotions $name "$since")
    python3 - "$da" "$fault" "$da_ms" "$promos" <<EOF
import json, sys, statistics
m = json.loads('''$json''')["metrics"]
da, fault, da_ms, promos = sys.argv[1], sys.argv[2], int(sys.argv[3]), [int(x) + int(sys.argv[3]) for x in sys.argv[4].split()]
sp = sorted(promos)[(len(promos) - 1) // 2] if promos else None
ratio = f"{m['promote_p50_ms'] / sp:.2f}" if sp and m.get("promote_p50_ms") else "-"
print(f"{da:<10} {fault:<6} {m['runs']:>6} {str(m['window_p50_ms']):>10} {str(m['window_max_ms']):>10} {str(m['promote_p50_ms']):>10}"
      f" {str(sp) + ' (' + str(len(promos)) + ')':>16} {ratio:>6} {m['acknowledged_lost']:>5} {m['unknown']:>8}")
EOF
  done
  ./scale down $name >/dev/null
done
echo "window: the longest time without an acknowledged write after the fault; lost: acknowledged, then missing when read back"
echo "sentinel_promote: the Sentinels' own +sdown -> +switch-master plus down-after, p50 (failovers seen); ratio: scale's promote / Sentinel's"
