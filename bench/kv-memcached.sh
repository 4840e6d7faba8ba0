#!/usr/bin/env bash
# scale's kv probe beside memaslap (Debian's memcaslap, package libmemcached-tools), against the same
# memcached instance, in one run: 1 KB values over 50k keys (51,200 for memaslap), 50 connections, one request in flight
# on each (pipeline 1, memaslap's single get), uniform keys, read-only (--mix c) and 50/50 read/update (--mix a).
#
# memaslap's workload, as close to the probe's as it allows:
#   - keys: memaslap keeps a window of keys per connection (-w, in steps of 1024); -c 50 -w 1k is
#     50 x 1024 = 51,200 keys, for the probe's 50,000. Keys are 19 bytes, as the probe's
#     (scale:kv:NNNNNNNNNN), values 1024 bytes, both fixed, from the -F config file.
#   - get/set proportion: the config file's cmd lines (set first, then get: memaslap reads them by position).
#   - preloading: with no sets in the mix (read-only), memaslap first stores every key of every window
#     (51,200 sets), outside its timed run, so every get hits, as the probe's do after its load phase.
#     Those sets are in its final Ops/TPS, so the rate here is cmd_get / run time. With sets in the mix,
#     memaslap gets only keys it has stored, so nothing needs preloading; its sets write a fresh key into
#     the next window slot, retiring the oldest (memaslap's -o overwrite would rewrite one key per
#     connection instead: with nothing preloaded its window never grows past one key).
#   - memaslap has no warm-up: it is C, there is nothing to warm; the probe measures after 2 s of warm-up.
#   - threads: memaslap -T <cores, a divisor of 50> and -T 1, each beside the probe with as many event
#     loops (--threads): on two cores shared with the server, one client thread can beat two.
# The instance's items are flushed (flush_all) before every measured run, so that no run's keys
# evict another's, and each run's get hit ratio is read from the server's own counters (stats).
# Rounds are interleaved; medians and ratios (scale / reference, target >= 0.9) are printed.
# usage: bench/kv-memcached.sh [ROUNDS] [SECONDS]   (default 2 rounds of 8 s per measurement)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2}
secs=${2:-8}
provider=${SCALE_BENCH_PROVIDER:-docker}
clients=50 keys=50000 value_size=1024 key_size=19  # 50k x ~1.1 KB items fit the instance's 64 MB (official default), so gets hit
for tool in memcaslap python3; do
  command -v $tool >/dev/null || { echo "bench: needs $tool (apt-get install libmemcached-tools python3)" >&2; exit 3; }
done
./scale --version >/dev/null
state=$(mktemp -d); export SCALE_STATE_DIR=$state
work=$(mktemp -d)
cleanup() { ./scale down --all >/dev/null 2>&1 || true; rm -rf "$state" "$work"; }
trap cleanup EXIT
./scale up memcached --provider "$provider" --name bench-mc --ttl 1h >"$work/up.log" 2>&1 \
  || { cat "$work/up.log" >&2; echo "bench: scale up memcached failed" >&2; exit 1; }
field() { ./scale env "$1" --format json | python3 -c "import json,sys; print(json.load(sys.stdin)['$2'])"; }
url=$(field bench-mc MEMCACHED_URL); host=$(field bench-mc MEMCACHED_HOST); port=$(field bench-mc MEMCACHED_PORT)

# memaslap: threads (a divisor of the connection count, at most one a core), window, one config file per mix
threads=$(nproc)
while (( clients % threads )); do threads=$((threads - 1)); done
ts=("$threads"); (( threads == 1 )) || ts+=(1)
win_k=$(( ((keys + clients - 1) / clients + 1023) / 1024 ))
for mix in c a; do
  case $mix in c) set=0 get=1 ;; a) set=0.5 get=0.5 ;; esac
  printf 'key\n%d %d 1\nvalue\n%d %d 1\ncmd\n0 %s\n1 %s\n' "$key_size" "$key_size" "$value_size" "$value_size" "$set" "$get" > "$work/mix-$mix.cnf"
done

mc() { # text-protocol command -> the server's reply; `stats` replies as "name value" lines
  python3 - "$host" "$port" "$1" <<'PY'
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
s.sendall(sys.argv[3].encode() + b"\r\nquit\r\n")
data = b""
while chunk := s.recv(65536):
    data += chunk
for line in data.decode().splitlines():
    print(line[5:] if line.startswith("STAT ") else line)
PY
}
hits() { mc stats | awk '$1 == "get_hits" {h = $2} $1 == "get_misses" {m = $2} END {print h + 0, m + 0}'; }
fresh() { # empty the instance, so that no run's keys evict another's; prints the hit counters after
  [ "$(mc flush_all)" = OK ] || { echo "bench: flush_all failed" >&2; return 1; }
  sleep 1
  hits
}
ratio() { # hit counters before and after a run -> the run's get hit ratio
  python3 -c "import sys; h0, m0, h1, m1 = map(int, sys.argv[1:]); n = h1 - h0 + m1 - m0; print((h1 - h0) / n if n else 1.0)" $1 $2
}

mslap() { # mix threads -> get+set operations per second of the timed run (preloading excluded)
  local out
  out=$(memcaslap -s "$host:$port" -F "$work/mix-$1.cnf" -T "$2" -c "$clients" -w "${win_k}k" -t "${secs}s" 2>&1) \
    || { echo "$out" >&2; echo "bench: memcaslap failed" >&2; return 1; }
  python3 -c '
import re, sys
out, preloads = sys.stdin.read(), sys.argv[1] == "c"
try:
    get = int(re.search(r"^cmd_get: (\d+)", out, re.M).group(1))
    set_ = int(re.search(r"^cmd_set: (\d+)", out, re.M).group(1))
    ops, tps = map(float, re.search(r"^Run time: \S+ Ops: (\d+) TPS: (\d+)", out, re.M).groups())
except AttributeError:
    sys.exit("bench: no figures in memcaslap output:\n" + out)
seconds = ops / tps  # exact, where the printed run time is rounded
print((get + (0 if preloads else set_)) / seconds)' "$1" <<< "$out"
}
probe() { # mix threads -> operations per second after the warm-up
  local out
  out=$(./scale probe kv --on "$url" --mix "$1" --threads "$2" --clients "$clients" --pipeline 1 --value-size "$value_size" --keys "$keys" \
    --distribution uniform --duration "${secs}s" --warmup 2s --output json 2>"$work/probe.log") \
    || { cat "$work/probe.log" >&2; echo "bench: scale probe kv failed" >&2; return 1; }
  python3 -c "import json,sys; print(json.load(sys.stdin)['opsPerSecond'])" <<< "$out"
}

results=$work/results
measure() { # name command... : runs it on a flushed instance, records its rate and its get hit ratio
  local name=$1 before after rate; shift
  before=$(fresh)
  rate=$("$@")
  after=$(hits)
  echo "$name $rate $(ratio "$before" "$after")" >> "$results"
}
for r in $(seq 1 "$rounds"); do
  for mix in c a; do
    for t in "${ts[@]}"; do
      measure "memaslap-$mix-$t" mslap "$mix" "$t"
      measure "scale-$mix-$t" probe "$mix" "$t"
    done
  done
  echo "round $r/$rounds done" >&2
done

python3 - "$results" "$provider" "$rounds" "$secs" "$clients" "$win_k" "$keys" "$key_size" "$value_size" "${ts[@]}" <<'PY'
import statistics as st, sys
path, provider, rounds, secs, clients, win_k, keys, key_size, value_size = sys.argv[1:10]
threads = sys.argv[10:]
rate, hit = {}, {}
for line in open(path):
    name, r, h = line.split()
    rate.setdefault(name, []).append(float(r))
    hit.setdefault(name, []).append(float(h))
m = lambda d, k: st.median(d[k])
print(f"kv probe vs memaslap, same memcached instance ({provider} provider), median of {rounds} rounds of {secs}s, ops/s")
print(f"memaslap -c {clients} -w {win_k}k: {int(clients) * int(win_k) * 1024:,} keys; scale --keys {int(keys):,}; "
      f"{key_size}-byte keys, {value_size}-byte values, one request in flight a connection, uniform keys")
print(f"{'workload':<52}{'reference':>12}{'scale':>12}{'ratio':>8}{'get hits ref/scale':>20}")
for mix, what in (("c", "read-only"), ("a", "50/50 read/update")):
    for t in threads:
        k, sk = f"memaslap-{mix}-{t}", f"scale-{mix}-{t}"
        ref, s = m(rate, k), m(rate, sk)
        hits = f"{m(hit, k):.1%} / {m(hit, sk):.1%}"
        print(f"{f'memcached {what}, -c {clients}, -T/--threads {t}':<52}{ref:>12,.0f}{s:>12,.0f}{s / ref:>8.2f}{hits:>20}")
PY
