#!/usr/bin/env bash
# What a failover costs, per store, topology and fault: `scale probe failover` (Jepsen's "set" workload: 200 writes/s
# by 4 writers through a client that follows the failover, the fault at a third of each run, undone at two thirds,
# every id read back) repeated RUNS times for each fault (kill -9, docker pause, a cut from the network), on
# `scale up redis --replicas 1 --sentinels 3`, `scale up postgres --replicas 1` and `scale up rabbitmq --replicas 2`
# (a quorum queue, its leader's node faulted), or `scale up couchbase --replicas 2` (STORES=couchbase; never run here:
# no image) at each DOWN_AFTER, in one run.
# Prints the unavailability window (p50, max), the time to promote (p50), acknowledged writes lost and writes left
# unknown.
#
# References, from the same runs:
#  - Redis: Sentinel's own account, from the Sentinels' logs: for each failover, the leader's `+sdown master` to its
#    `+switch-master`, plus down-after (when Sentinel begins to count);
#  - PostgreSQL: scale's promoter's own account, from its log: "unreachable for N ms: promoted", from its first failed
#    check to the promotion;
# printed as `own_promote` beside scale's `promote_p50` (measured from the fault by a watcher every 20 ms), with their
# ratio (RabbitMQ logs no time to set beside a fault, and AMQP does not name a queue's leader: no promote figure); then
# each store's window over Redis Sentinel's, the established failover, per fault.
# Published figures to set them beside are in README.
# usage: bench/failover.sh [RUNS] [DURATION] [DOWN_AFTER...]   (defaults: 3, 30s, 5s 1s; STORES="redis postgres rabbitmq";
# needs Docker)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
duration=${2:-30s}
shift $(( $# > 2 ? 2 : $# ))
down_afters=("$@")
[ ${#down_afters[@]} -eq 0 ] && down_afters=(5s 1s)
read -r -a stores <<< "${STORES:-redis postgres rabbitmq}"
export SCALE_IMAGE_REDIS=${SCALE_IMAGE_REDIS:-scale-ci/redis:7.0} SCALE_IMAGE_POSTGRES=${SCALE_IMAGE_POSTGRES:-scale-ci/postgres:15} \
  SCALE_IMAGE_RABBITMQ=${SCALE_IMAGE_RABBITMQ:-scale-ci/rabbitmq:3.10}
command -v docker >/dev/null && docker info >/dev/null 2>&1 || { echo "bench: needs a Docker engine" >&2; exit 3; }
./scale --version >/dev/null
state=$(mktemp -d); export SCALE_STATE_DIR=$state SCALE_CONFIG_DIR=$state/config
results=$state/results
cleanup() { ./scale down --all >/dev/null 2>&1 || true; rm -rf "$state"; }
trap cleanup EXIT

# each failover's own account, in ms, one per line: Sentinel's +sdown master -> +switch-master plus down-after, or the
# promoter's "unreachable for N ms: promoted"
own_promotions() {
  local store=$1 name=$2 since=$3 da_ms=$4
  for s in $(docker ps --format '{{.Names}}' --filter "label=dev.scale.member-of=$name" --filter "label=dev.scale.role=sentinel"); do
    docker logs --since "$since" "$s" 2>&1
  done | python3 -c '
import sys, re, datetime
store, da = sys.argv[1], int(sys.argv[2])
out, events, sdown = [], [], None
for line in sys.stdin:
    if store == "postgres":
        m = re.search(r"unreachable for (\d+) ms: promoted", line)
        if m:
            out.append(int(m.group(1)))
        continue
    m = re.match(r"\d+:X (\d+ \w+ \d+ [\d:.]+) . (\+sdown master|\+switch-master) ", line)
    if m:
        events.append((datetime.datetime.strptime(m.group(1), "%d %b %Y %H:%M:%S.%f"), m.group(2)))
for t, e in sorted(events):
    if e == "+sdown master" and sdown is None:
        sdown = t
    elif e == "+switch-master" and sdown is not None:
        out.append(round((t - sdown).total_seconds() * 1000) + da)
        sdown = None
print(" ".join(map(str, out)))' "$store" "$da_ms"
}

printf '%-8s %-10s %-6s %4s %10s %10s %11s %14s %6s %5s %8s\n' store down-after fault runs window_p50 window_max promote_p50 own_promote ratio lost unknown
for da in "${down_afters[@]}"; do
  da_ms=$(python3 -c "import sys; s='$da'; print(int(float(s[:-2]) if s.endswith('ms') else float(s[:-1]) * 1000))")
  for store in "${stores[@]}"; do
    name=ha-bench
    case $store in
      redis) ./scale up redis --replicas 1 --sentinels 3 --down-after "$da" --provider docker --name $name >/dev/null 2>&1 ;;
      postgres) ./scale up postgres --replicas 1 --down-after "$da" --provider docker --name $name >/dev/null 2>&1 ;;
      rabbitmq) ./scale up rabbitmq --replicas 2 --down-after "$da" --provider docker --name $name >/dev/null 2>&1 ;;
      # needs a Couchbase Server image (SCALE_IMAGE_COUCHBASE; none on the machine this was written on) and a DURATION
      # whose middle third outlasts auto-failover's 30 s floor, e.g. STORES=couchbase bench/failover.sh 3 120s 30s
      couchbase) ./scale up couchbase --replicas 2 --down-after "$da" --provider docker --name $name >/dev/null 2>&1 ;;
      *) echo "bench: unknown store $store" >&2; exit 2 ;;
    esac
    for fault in kill pause cut; do
      since=$(date -u +%Y-%m-%dT%H:%M:%S)
      json=$(./scale probe failover --on $name --fault $fault --runs "$runs" --duration "$duration" --output json 2>/dev/null)
      promos=$(own_promotions "$store" $name "$since" "$da_ms")
      python3 - "$store" "$da" "$fault" "$promos" "$results" <<EOF
import json, sys
m = json.loads('''$json''')["metrics"]
store, da, fault, results = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[5]
promos = [int(x) for x in sys.argv[4].split()]
own = sorted(promos)[(len(promos) - 1) // 2] if promos else None
ratio = f"{m['promote_p50_ms'] / own:.2f}" if own and m.get("promote_p50_ms") else "-"
own = own if own else "-"
print(f"{store:<8} {da:<10} {fault:<6} {m['runs']:>4} {str(m['window_p50_ms']):>10} {str(m['window_max_ms']):>10} {str(m['promote_p50_ms']):>11}"
      f" {str(own) + ' (' + str(len(promos)) + ')':>14} {ratio:>6} {m['acknowledged_lost']:>5} {m['unknown']:>8}")
with open(results, "a") as f:
    f.write(json.dumps({"store": store, "da": da, "fault": fault, "window_p50": m["window_p50_ms"], "promote_p50": m["promote_p50_ms"]}) + "\n")
EOF
    done
    ./scale down $name >/dev/null
  done
done
echo "window: the longest time without an acknowledged write after the fault; lost: acknowledged, then missing when read back"
echo "own_promote: Sentinel's +sdown -> +switch-master plus down-after, or the promoter's unreachable -> promoted; p50 (failovers seen); ratio: scale's promote / own"
if [ -s "$results" ] && [ ${#stores[@]} -gt 1 ]; then
  python3 - "$results" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {(r["store"], r["da"], r["fault"]): r for r in rows}
print("each store over redis (Sentinel), same down-after and fault:")
for (store, da, fault), r in by.items():
    if store == "redis" or ("redis", da, fault) not in by:
        continue
    s = by[("redis", da, fault)]
    f = lambda a, b: f"{a / b:.2f}x" if a and b else "-"
    print(f"  {store:<8} {da:<6} {fault:<6} window p50 {f(r['window_p50'], s['window_p50'])}, promote p50 {f(r['promote_p50'], s['promote_p50'])}")
EOF
fi
