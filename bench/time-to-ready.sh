#!/usr/bin/env bash
# Time from command to a server that answers an authenticated client request, for Redis,
# PostgreSQL and RabbitMQ, side by side in one run, interleaved round by round so machine noise hits all alike:
#   scale up --provider embedded     (JVM start + unpacked binaries + initdb for PostgreSQL)
#   scale up --provider docker       (JVM start + container + readiness probe)
#   docker run + poll with redis-cli / psql / amqp-declare-queue   (the reference: what you would script by hand)
# Each round removes what it started. Prints medians and ratios to the reference.
# The embedded RabbitMQ is Qpid Broker-J (a JVM of its own); the Docker one is the image in SCALE_IMAGE_RABBITMQ.
# usage: bench/time-to-ready.sh [ROUNDS]   (default 5; needs a Docker engine, redis-cli, psql and amqp-tools)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
redis_image=${SCALE_IMAGE_REDIS:-scale-ci/redis:7.0}
pg_image=${SCALE_IMAGE_POSTGRES:-scale-ci/postgres:15}
mq_image=${SCALE_IMAGE_RABBITMQ:-scale-ci/rabbitmq:3.10}
export SCALE_IMAGE_REDIS=$redis_image SCALE_IMAGE_POSTGRES=$pg_image SCALE_IMAGE_RABBITMQ=$mq_image
for tool in docker redis-cli psql amqp-declare-queue python3; do
  command -v $tool >/dev/null || { echo "bench: needs $tool (apt-get install docker.io redis-tools postgresql-client amqp-tools)" >&2; exit 3; }
done
docker image inspect "$redis_image" "$pg_image" "$mq_image" >/dev/null 2>&1 || { echo "bench: build the images first: bash .ci/build-images.sh" >&2; exit 3; }
./scale --version >/dev/null   # build once, outside the timings
bench_state=$(mktemp -d); export SCALE_STATE_DIR=$bench_state
trap 'rm -rf "$bench_state"' EXIT

now() { date +%s%N; }
ms() { echo $(( ($2 - $1) / 1000000 )); }

scale_up() { # kind provider
  local t0 t1; t0=$(now)
  ./scale up "$1" --provider "$2" --name "bench-$1" --ttl 5m --output json >/dev/null 2>&1
  t1=$(now)
  ./scale down "bench-$1" >/dev/null 2>&1
  ms "$t0" "$t1"
}

docker_redis() {
  local t0 t1 id port; t0=$(now)
  id=$(docker run -d --rm -p 127.0.0.1::6379 "$redis_image" --requirepass benchpw)
  port=$(docker port "$id" 6379/tcp | head -1 | cut -d: -f2)
  until [ "$(redis-cli -p "$port" --no-auth-warning -a benchpw ping 2>/dev/null)" = PONG ]; do sleep 0.05; done
  t1=$(now)
  docker rm -f "$id" >/dev/null
  ms "$t0" "$t1"
}

docker_postgres() {
  local t0 t1 id port; t0=$(now)
  id=$(docker run -d --rm -p 127.0.0.1::5432 -e POSTGRES_PASSWORD=benchpw -e POSTGRES_USER=bench -e POSTGRES_DB=bench "$pg_image")
  port=$(docker port "$id" 5432/tcp | head -1 | cut -d: -f2)
  until PGPASSWORD=benchpw psql -h 127.0.0.1 -p "$port" -U bench -d bench -Atc 'select 1' >/dev/null 2>&1; do sleep 0.05; done
  t1=$(now)
  docker rm -f "$id" >/dev/null
  ms "$t0" "$t1"
}

docker_rabbitmq() {
  local t0 t1 id port; t0=$(now)
  id=$(docker run -d --rm -p 127.0.0.1::5672 -e RABBITMQ_DEFAULT_USER=bench -e RABBITMQ_DEFAULT_PASS=benchpw "$mq_image")
  port=$(docker port "$id" 5672/tcp | head -1 | cut -d: -f2)
  until amqp-declare-queue --url="amqp://bench:benchpw@127.0.0.1:$port" -q bench-ready >/dev/null 2>&1; do sleep 0.05; done
  t1=$(now)
  docker rm -f "$id" >/dev/null
  ms "$t0" "$t1"
}

declare -A samples
for r in $(seq 1 "$rounds"); do
  for kind in redis postgres rabbitmq; do
    samples[$kind/embedded]+="$(scale_up $kind embedded) "
    samples[$kind/docker]+="$(scale_up $kind docker) "
    samples[$kind/reference]+="$(docker_$kind) "
  done
  echo "round $r/$rounds done" >&2
done

python3 - "$rounds" <<PY
import statistics, sys
s = {
$(for k in "${!samples[@]}"; do echo "  '$k': [${samples[$k]// /,}],"; done)
}
print(f"time to ready, median of {sys.argv[1]} rounds (ms); ratio = reference / this (>1 is faster than docker run + poll)")
print(f"{'kind':<10}{'scale embedded':>16}{'scale docker':>14}{'docker run+poll':>17}{'embedded ratio':>16}{'docker ratio':>14}")
for kind in ("redis", "postgres", "rabbitmq"):
    e = statistics.median(s[f"{kind}/embedded"]); d = statistics.median(s[f"{kind}/docker"]); ref = statistics.median(s[f"{kind}/reference"])
    print(f"{kind:<10}{e:>16.0f}{d:>14.0f}{ref:>17.0f}{ref/e:>16.2f}{ref/d:>14.2f}")
PY
