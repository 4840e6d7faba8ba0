#!/usr/bin/env bash
# What reaching an instance on another machine's engine costs, side by side in one run, interleaved round by round.
# The "other machine" is a container of CI's docker-host image (an engine inside, sshd, the engine also on TLS 2376),
# as RemoteDockerTest makes it; one Redis is started there by scale over each transport:
#   inside       redis-benchmark in the Redis container itself, on its loopback: no forwarding at all
#   ssh by hand  ssh -N -L to the same published port, as a user would open it (the reference)
#   scale ssh    DOCKER_HOST=ssh://...: the ssh forwarder scale keeps for `up`
#   scale tls    DOCKER_HOST=tcp://...:2376 with TLS: scale's ExecForwarder (an attached exec relay per connection)
# For each: GET and SET per second (redis-benchmark, 4 clients, 64-byte values, no pipelining), the time to open a
# connection and get an answer (redis-cli PING, a new connection each), and the forwarders' resident memory.
# Ratios are against ssh by hand. usage: bench/tunnels.sh [ROUNDS] [REQUESTS]   (default 3 rounds, 20000 requests)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
requests=${2:-20000}
for tool in docker redis-benchmark redis-cli ssh ssh-keygen python3; do
  command -v $tool >/dev/null || { echo "bench: needs $tool (apt-get install docker.io redis-tools openssh-client)" >&2; exit 3; }
done
host_image=${SCALE_IMAGE_DOCKER_HOST:-scale-ci/docker-host:bookworm}
redis_image=${SCALE_IMAGE_REDIS:-scale-ci/redis:7.0}
export SCALE_IMAGE_REDIS=$redis_image
for i in "$host_image" "$redis_image"; do
  docker image inspect "$i" >/dev/null 2>&1 || { echo "bench: build the images first: bash .ci/build-images.sh" >&2; exit 3; }
done
./scale --version >/dev/null
work=$(mktemp -d); export SCALE_STATE_DIR=$work/state
remote=scale-bench-remote-$$
hand_pid=
cleanup() {
  [ -n "$hand_pid" ] && kill "$hand_pid" 2>/dev/null || true
  if [ -n "${ssh_host:-}" ]; then
    DOCKER_HOST=$tls_host DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$work/certs ./scale down bench-tls >/dev/null 2>&1 || true
    DOCKER_HOST=$ssh_host SCALE_SSH_CONFIG=$work/config ./scale down bench-ssh >/dev/null 2>&1 || true
  fi
  docker rm -f -v "$remote" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "starting the remote machine ($host_image)" >&2
ssh-keygen -q -t ed25519 -N "" -f "$work/id"
run_remote() {
  docker run -d --name "$remote" --label dev.scale.test=remote-docker -e "SSH_AUTHORIZED_KEY=$(cat "$work/id.pub")" \
    -v /var/lib/docker -p 127.0.0.1::22 --sysctl net.ipv4.ip_local_port_range="61000 61999" "$@" "$host_image" >/dev/null
}
# --privileged first; an engine without CAP_SYS_RESOURCE to grant (this machine's) gets what an engine inside needs
if ! run_remote --privileged 2>/dev/null || ! docker start "$remote" >/dev/null 2>&1; then
  docker rm -f -v "$remote" >/dev/null 2>&1 || true
  caps=(); for c in SYS_ADMIN NET_ADMIN MKNOD SYS_MODULE SYS_PTRACE NET_RAW IPC_LOCK DAC_READ_SEARCH SYS_NICE; do caps+=(--cap-add "$c"); done
  run_remote "${caps[@]}" --security-opt seccomp=unconfined --security-opt apparmor=unconfined -v /sys/fs/cgroup:/sys/fs/cgroup:rw
fi
for _ in $(seq 120); do docker exec "$remote" docker info >/dev/null 2>&1 && break; sleep 0.5; done
docker exec "$remote" docker info >/dev/null 2>&1 || { echo "bench: the remote engine did not start" >&2; docker logs "$remote" | tail -20 >&2; exit 1; }
docker save "$redis_image" | docker exec -i "$remote" docker load >/dev/null
ssh_port=$(docker port "$remote" 22/tcp | head -1 | cut -d: -f2)
address=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$remote" | head -c 40)
printf 'Host *\n  IdentityFile %s\n  IdentitiesOnly yes\n  UserKnownHostsFile %s\n  StrictHostKeyChecking accept-new\n  LogLevel ERROR\n' \
  "$work/id" "$work/known_hosts" > "$work/config"
mkdir -p "$work/certs"
for f in ca.pem cert.pem key.pem; do docker exec "$remote" cat "/certs/client/$f" > "$work/certs/$f"; done
chmod 600 "$work/certs/key.pem"
ssh_host=ssh://root@127.0.0.1:$ssh_port
tls_host=tcp://$address:2376

field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
echo "scale up redis over ssh and over TLS" >&2
DOCKER_HOST=$ssh_host SCALE_SSH_CONFIG=$work/config ./scale up redis --name bench-ssh --ttl 1h >/dev/null 2>"$work/up.log" \
  || { echo "bench: scale up over ssh failed:" >&2; cat "$work/up.log" >&2; exit 1; }
DOCKER_HOST=$tls_host DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$work/certs ./scale up redis --name bench-tls --ttl 1h >/dev/null 2>"$work/up.log" \
  || { echo "bench: scale up over TLS failed:" >&2; cat "$work/up.log" >&2; exit 1; }
DOCKER_HOST=$ssh_host SCALE_SSH_CONFIG=$work/config ./scale env bench-ssh --format json > "$work/ssh.json"
DOCKER_HOST=$tls_host DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$work/certs ./scale env bench-tls --format json > "$work/tls.json"
ssh_port_r=$(field REDIS_PORT < "$work/ssh.json"); ssh_pw=$(field REDIS_PASSWORD < "$work/ssh.json")
tls_port_r=$(field REDIS_PORT < "$work/tls.json"); tls_pw=$(field REDIS_PASSWORD < "$work/tls.json")
inner=$(docker exec "$remote" docker ps -q --filter label=dev.scale.name=bench-ssh | head -1)
# by hand: the same published port on the remote loopback, forwarded from a free port here
hand_port=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")
ssh -F "$work/config" -o BatchMode=yes -o ExitOnForwardFailure=yes -N -L "127.0.0.1:$hand_port:127.0.0.1:$ssh_port_r" -p "$ssh_port" root@127.0.0.1 &
hand_pid=$!
for _ in $(seq 100); do [ "$(redis-cli -p "$hand_port" --no-auth-warning -a "$ssh_pw" ping 2>/dev/null)" = PONG ] && break; sleep 0.1; done

# redis-benchmark -q prints "GET: 12345.67 requests per second, p50=..." (CSV is steadier to parse)
rps() {  # PORT PASSWORD [inside] -> "get set"
  local out
  if [ "${3:-}" = inside ]; then
    out=$(docker exec "$remote" docker exec "$inner" redis-benchmark -p 6379 -a "$2" -t get,set -n "$requests" -c 4 -d 64 --csv 2>/dev/null)
  else
    out=$(redis-benchmark -p "$1" -a "$2" -t get,set -n "$requests" -c 4 -d 64 --csv 2>/dev/null)
  fi
  python3 -c 'import csv,sys; r={row[0]:row[1] for row in csv.reader(sys.stdin) if len(row)>1}; print(r["GET"], r["SET"])' <<< "$out"
}
open_ms() {  # PORT PASSWORD -> median ms of 20 new connections answering PING
  local t0 t1 all=()
  for _ in $(seq 20); do
    t0=$(date +%s%N); redis-cli -p "$1" --no-auth-warning -a "$2" ping >/dev/null; t1=$(date +%s%N)
    all+=($(( (t1 - t0) / 1000 )))
  done
  python3 -c 'import statistics,sys; print(statistics.median(int(x) for x in sys.argv[1:]) / 1000)' "${all[@]}"
}
rss_mb() { awk '/VmRSS/ {s += $2} END {printf "%.1f", s / 1024}' $(for p in "$@"; do echo "/proc/$p/status"; done) 2>/dev/null; }

results=$work/results; : > "$results"
for r in $(seq "$rounds"); do
  echo "inside $(rps 0 "$ssh_pw" inside) -" >> "$results"
  echo "hand $(rps "$hand_port" "$ssh_pw") $(open_ms "$hand_port" "$ssh_pw")" >> "$results"
  echo "ssh $(rps "$ssh_port_r" "$ssh_pw") $(open_ms "$ssh_port_r" "$ssh_pw")" >> "$results"
  echo "tls $(rps "$tls_port_r" "$tls_pw") $(open_ms "$tls_port_r" "$tls_pw")" >> "$results"
  echo "round $r/$rounds done" >&2
done
scale_ssh_pids=$(pgrep -f -- "-L 127.0.0.1:$ssh_port_r:127.0.0.1:$ssh_port_r" || true)
relay_pids=$(pgrep -f "docker.ExecForwarder" || true)
echo "mem hand $(rss_mb $hand_pid) ssh $(rss_mb $scale_ssh_pids) tls $(rss_mb $relay_pids)" >> "$results"

python3 - "$rounds" "$requests" "$results" <<'PY'
import statistics, sys
rounds, requests, path = sys.argv[1], sys.argv[2], sys.argv[3]
rows, mem = {}, {}
for line in open(path):
    w = line.split()
    if w[0] == "mem":
        mem = dict(zip(w[1::2], w[2::2]))
        continue
    rows.setdefault(w[0], []).append(w[1:])
m = statistics.median
def col(name, i):
    return m(float(r[i]) for r in rows[name])
label = {"inside": "inside the container (no forwarding)", "hand": "ssh -L by hand (reference)",
         "ssh": "scale, DOCKER_HOST=ssh://", "tls": "scale, DOCKER_HOST=tcp:// + TLS"}
print(f"one Redis on another machine's engine, medians of {rounds} rounds, redis-benchmark -c 4 -d 64 -n {requests}")
print(f"  {'path':38} {'GET/s':>9} {'SET/s':>9} {'open+PING ms':>13}   GET ratio  SET ratio  open ratio")
for name in ["inside", "hand", "ssh", "tls"]:
    get, set_ = col(name, 0), col(name, 1)
    if name == "inside":
        print(f"  {label[name]:38} {get:9.0f} {set_:9.0f} {'-':>13}")
        continue
    op = col(name, 2)
    print(f"  {label[name]:38} {get:9.0f} {set_:9.0f} {op:13.1f}   {get/col('hand',0):9.2f}  {set_/col('hand',1):9.2f}  {op/col('hand',2):10.2f}")
print(f"forwarders' resident memory (MB): ssh -L by hand {mem.get('hand')}, scale's ssh {mem.get('ssh')}, scale's TLS relay {mem.get('tls')}")
PY
