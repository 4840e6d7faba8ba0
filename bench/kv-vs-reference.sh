#!/usr/bin/env bash
# scale's kv probe beside the reference tools, against the same instances, in one run:
#   Redis:      redis-benchmark vs `scale probe kv`, 1 KB values over 100k keys, 50 clients,
#               pipeline 1 and 16, read-only and 50/50 read/update. redis-benchmark runs GET and SET
#               separately; its 50/50 figure is their time-weighted mix, 2 / (1/get + 1/set).
#   PostgreSQL: pgbench -S -M prepared (primary-key read) vs `scale probe kv --mix c`, 8 clients,
#               100k rows, 100-byte values; pgbench as written (-j 1) and with 2 threads (-j 2),
#               scale with its default loop per core.
# Rounds are interleaved; medians and ratios (scale / reference, target >= 0.9) are printed.
# usage: bench/kv-vs-reference.sh [ROUNDS] [SECONDS]   (default 2 rounds of 8 s per measurement)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2}
secs=${2:-8}
provider=${SCALE_BENCH_PROVIDER:-embedded}
for tool in redis-benchmark pgbench python3; do
  command -v $tool >/dev/null || { echo "bench: needs $tool (apt-get install redis-tools postgresql-client postgresql-contrib)" >&2; exit 3; }
done
./scale --version >/dev/null
state=$(mktemp -d); export SCALE_STATE_DIR=$state
cleanup() { ./scale down --all >/dev/null 2>&1 || true; rm -rf "$state"; }
trap cleanup EXIT
./scale up redis --provider "$provider" --name bench-redis --ttl 1h >/dev/null 2>&1
./scale up postgres --provider "$provider" --name bench-pg --ttl 1h >/dev/null 2>&1
field() { ./scale env "$1" --format json | python3 -c "import json,sys; print(json.load(sys.stdin)['$2'])"; }
rport=$(field bench-redis REDIS_PORT); rpw=$(field bench-redis REDIS_PASSWORD); rurl=$(field bench-redis REDIS_URL)
pgurl=$(field bench-pg DATABASE_URL)
export PGHOST=127.0.0.1 PGPORT=$(field bench-pg PGPORT) PGUSER=$(field bench-pg PGUSER) PGPASSWORD=$(field bench-pg PGPASSWORD) PGDATABASE=$(field bench-pg PGDATABASE)

# redis-benchmark's GETs must find 1 KB values, as the probe's do after its load phase.
redis-benchmark -p "$rport" -a "$rpw" -t set -r 100000 -n 300000 -d 1024 -c 50 -P 16 --csv >/dev/null 2>&1
pgbench -i -s 1 -q >/dev/null 2>&1

rb() { # test pipeline requests
  redis-benchmark -p "$rport" -a "$rpw" -t "$1" -r 100000 -n "$3" -d 1024 -c 50 -P "$2" --csv 2>/dev/null \
    | python3 -c "import csv,sys; rows=list(csv.reader(sys.stdin)); print(rows[-1][1])"
}
probe() { # target mix clients pipeline value-size
  ./scale probe kv --on "$1" --mix "$2" --clients "$3" --pipeline "$4" --value-size "$5" --keys 100000 \
    --distribution uniform --duration "${secs}s" --warmup 2s --output json 2>/dev/null \
    | python3 -c "import json,sys; print(json.load(sys.stdin)['opsPerSecond'])"
}

declare -A s
add() { s[$1]+="$2 "; }
for r in $(seq 1 "$rounds"); do
  for p in 1 16; do
    n=$(( p == 1 ? 90000 * secs : 450000 * secs ))
    add "rb-get-$p" "$(rb get $p $n)"
    add "rb-set-$p" "$(rb set $p $n)"
    add "scale-c-$p" "$(probe "$rurl" c 50 $p 1024)"
    add "scale-a-$p" "$(probe "$rurl" a 50 $p 1024)"
  done
  add pgbench "$(pgbench -S -M prepared -c 8 -j 2 -T "$secs" 2>/dev/null | awk '/^tps/ {print $3}')"
  add pgbench-j1 "$(pgbench -S -M prepared -c 8 -T "$secs" 2>/dev/null | awk '/^tps/ {print $3}')"
  add scale-pg "$(probe "$pgurl" c 8 1 100)"
  echo "round $r/$rounds done" >&2
done

python3 - <<PY
import statistics as st
s = {$(for k in "${!s[@]}"; do echo "'$k': [float(x) for x in '${s[$k]}'.split()],"; done)}
m = lambda k: st.median(s[k])
print("kv probe vs reference tools, same instances ($provider provider), median of $rounds rounds of ${secs}s, ops/s")
print(f"{'workload':<52}{'reference':>12}{'scale':>12}{'ratio':>8}")
for p in (1, 16):
    get, set_ = m(f"rb-get-{p}"), m(f"rb-set-{p}")
    mixed = 2 / (1 / get + 1 / set_)
    print(f"{f'redis read-only, -c 50 -P {p}':<52}{get:>12,.0f}{m(f'scale-c-{p}'):>12,.0f}{m(f'scale-c-{p}')/get:>8.2f}")
    print(f"{f'redis 50/50 read/update, -c 50 -P {p}':<52}{mixed:>12,.0f}{m(f'scale-a-{p}'):>12,.0f}{m(f'scale-a-{p}')/mixed:>8.2f}")
print(f"{'postgres pk read, pgbench -S -M prepared -c 8 -j 2':<52}{m('pgbench'):>12,.0f}{m('scale-pg'):>12,.0f}{m('scale-pg')/m('pgbench'):>8.2f}")
print(f"{'postgres pk read, pgbench -S -M prepared -c 8 (-j 1)':<52}{m('pgbench-j1'):>12,.0f}{m('scale-pg'):>12,.0f}{m('scale-pg')/m('pgbench-j1'):>8.2f}")
PY
