#!/usr/bin/env bash
# scale probe queue beside RabbitMQ's own load tool, PerfTest 2.22.1 (com.rabbitmq:perf-test, from Maven Central;
# 2.23.0 does not resolve here), on the same broker in one run, interleaved round by round, with the same workload:
# one producer and one consumer, persistent 256-byte messages, publisher confirms with up to 200 unconfirmed
# (scale: batches of 100, one batch in flight beyond the one being sent), a prefetch of 500, multiple acks.
# Prints each tool's send and receive rates, the medians, and scale's ratio to PerfTest (goal: >= 0.9).
# Then the memory each used for 1M messages: scale's heap and resident peak as the probe reports them, and
# PerfTest's resident peak (GNU time).
# usage: bench/queue.sh [MESSAGES] [ROUNDS] [PROVIDER]   (defaults: 100000, 3, docker: Debian's RabbitMQ image)
set -euo pipefail
cd "$(dirname "$0")/.."
messages=${1:-100000}
rounds=${2:-3}
provider=${3:-docker}
export SCALE_IMAGE_RABBITMQ=${SCALE_IMAGE_RABBITMQ:-scale-ci/rabbitmq:3.10}
for tool in mvn java python3 /usr/bin/time; do
  command -v $tool >/dev/null || { echo "bench: needs $tool (apt-get install maven python3 time)" >&2; exit 3; }
done
./scale --version >/dev/null
state=$(mktemp -d); export SCALE_STATE_DIR=$state SCALE_CONFIG_DIR=$state/config
cp=$state/perftest.cp
cleanup() { ./scale down --all >/dev/null 2>&1 || true; rm -rf "$state"; }
trap cleanup EXIT
(cd bench/perftest && mvn -B -q dependency:build-classpath -Dmdep.outputFile="$cp" >/dev/null)

./scale up rabbitmq --provider "$provider" --name bench-mq --output json > "$state/mq.json"
url=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[0]['env']['AMQP_URL'])" "$state/mq.json")
version=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[0]['version'])" "$state/mq.json")

perftest() { # MESSAGES QUEUE -> "send receive rss_kb"
  local out
  out=$(/usr/bin/time -f 'rss_kb %M' java -cp "$(cat "$cp")" com.rabbitmq.perf.PerfTest -h "$url" -x 1 -y 1 -f persistent -c 200 -q 500 -A 100 \
        -s 256 -C "$1" -D "$1" -u "$2" -ad false 2>&1)
  echo "$(grep -o 'sending rate avg: [0-9]*' <<<"$out" | grep -o '[0-9]*$') $(grep -o 'receiving rate avg: [0-9]*' <<<"$out" | grep -o '[0-9]*$') $(grep -o 'rss_kb [0-9]*' <<<"$out" | grep -o '[0-9]*$')"
}
probe() { # MESSAGES -> "send receive heap_bytes rss_bytes"
  ./scale probe queue --on bench-mq --messages "$1" --size 256 --batch 100 --fault-messages 10 --away 0s --output json 2>/dev/null |
    python3 -c "import json,sys; m=json.load(sys.stdin)['metrics']; print(round(m['publish_per_s']), round(m['consume_per_s']), m['heap_peak_bytes'], m['rss_peak_bytes'])"
}

echo "broker: rabbitmq $version ($provider), $messages messages a run, $rounds rounds"
printf '%-6s %-10s %12s %12s\n' round tool sent/s received/s
ps=(); pr=(); ss=(); sr=()
for r in $(seq 1 "$rounds"); do
  read -r a b _ < <(perftest "$messages" "bench-pt-$r")
  printf '%-6s %-10s %12s %12s\n' "$r" perftest "$a" "$b"; ps+=("$a"); pr+=("$b")
  read -r a b _ _ < <(probe "$messages")
  printf '%-6s %-10s %12s %12s\n' "$r" scale "$a" "$b"; ss+=("$a"); sr+=("$b")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mps=$(median "${ps[@]}"); mpr=$(median "${pr[@]}"); mss=$(median "${ss[@]}"); msr=$(median "${sr[@]}")
echo "median     perftest $mps sent/s $mpr received/s; scale $mss sent/s $msr received/s"
python3 -c "import sys; s,r,ps,pr=map(float,sys.argv[1:]); print(f'scale / perftest: send {s/ps:.2f}x, receive {r/pr:.2f}x, send+receive {(s+r)/(ps+pr):.2f}x  (goal >= 0.9)')" "$mss" "$msr" "$mps" "$mpr"

echo "memory for 1,000,000 messages:"
read -r _ _ ptrss < <(perftest 1000000 bench-pt-1m)
read -r _ _ heap rss < <(probe 1000000)
python3 -c "import sys; h,r,p=map(float,sys.argv[1:]); print(f'  scale probe queue: heap peak {h/2**20:.0f} MiB, resident peak {r/2**20:.0f} MiB;  PerfTest: resident peak {p/1024:.0f} MiB')" "$heap" "$rss" "$ptrss"
