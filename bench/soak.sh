#!/usr/bin/env bash
# Soak: N cycles of up, probe, down on each provider, with random parallelism and random kill -9, then a
# leak count that must be 0: containers, volumes, networks, processes, temp files and state records.
#
# Each cycle picks a provider (docker and embedded in turn; embedded only when no engine answers) and
# 1-4 workers that run at once. A worker starts a random kind (redis, postgres, memcached) under a
# known name, probes it (kv, 1 s) and removes it; or runs `scale run --with KIND -- sleep 1`. One worker
# in three is killed with kill -9 at a random moment (0-4 s), whatever it is doing then. After each
# cycle the soak does what a user would: `scale down` of the names it asked for, and `scale gc` for what
# killed runs left. A command that fails without having been killed counts as a failure.
#
# usage: bench/soak.sh [CYCLES] [SEED]     (default 100 cycles, seed 1; same seed, same choices)
# Run it on a quiet machine: it counts what appeared meanwhile, and anything else starting servers or
# containers would be counted too.
set -uo pipefail
cd "$(dirname "$0")/.."
cycles=${1:-100}
RANDOM=${2:-1}
./scale --version >/dev/null || exit 4

work=$(mktemp -d "${TMPDIR:-/tmp}/scale-soak.XXXXXX")
export SCALE_STATE_DIR=$work/state SCALE_CONFIG_DIR=$work/config
tmp_root=${TMPDIR:-/tmp}
trap 'rm -rf "$work"' EXIT

providers=(embedded)
if docker info >/dev/null 2>&1; then
  providers=(docker embedded)
  : "${SCALE_IMAGE_REDIS:?set SCALE_IMAGE_REDIS (and POSTGRES, MEMCACHED) to images this engine has, e.g. eval \"\$(bash .ci/build-images.sh --env)\"}"
fi
kinds=(redis postgres memcached)
command -v memcached >/dev/null || kinds=(redis postgres)   # the embedded provider runs the installed memcached

servers='redis-server|postgres -D|memcached -l|supervisor.sh'
snapshot() {
  if [ "${providers[0]}" = docker ]; then
    docker ps -aq --filter label=dev.scale.managed=true | sort >"$work/$1.containers"
    docker volume ls -q | sort >"$work/$1.volumes"
    docker network ls -q | sort >"$work/$1.networks"
  else
    : >"$work/$1.containers"; : >"$work/$1.volumes"; : >"$work/$1.networks"
  fi
  pgrep -f "$servers" | sort >"$work/$1.processes" || true
  ls -A "$tmp_root" | grep -v "^$(basename "$work")\$" | sort >"$work/$1.tmp"
}
new_in() { comm -13 "$work/before.$1" "$work/after.$1" | wc -l; }

snapshot before
starts=0; kills=0; failures=0; probes=0
t0=$(date +%s)
for ((c = 1; c <= cycles; c++)); do
  provider=${providers[$((c % ${#providers[@]}))]}
  workers=$((RANDOM % 4 + 1))
  names=(); pids=(); killed=()
  for ((w = 0; w < workers; w++)); do
    kind=${kinds[$((RANDOM % ${#kinds[@]}))]}
    name="soak-$c-$w"
    log="$work/c$c-w$w.log"
    if ((RANDOM % 4 == 0)); then
      ./scale run -q --provider "$provider" --with "$kind" --ttl 5m -- sleep 1 >"$log" 2>&1 &
    else
      names+=("$name")
      ( ./scale up "$kind" --name "$name" --provider "$provider" --ttl 5m >/dev/null &&
        ./scale probe kv --on "$name" --keys 1000 --duration 1s --warmup 0s --clients 4 >/dev/null &&
        ./scale down "$name" >/dev/null ) >"$log" 2>&1 &
    fi
    pids+=($!)
    starts=$((starts + 1))
    if ((RANDOM % 3 == 0)); then killed+=("$w:$((RANDOM % 40))"); fi
  done
  for k in "${killed[@]}"; do
    w=${k%%:*}; tenths=${k##*:}
    ( sleep "$((tenths / 10)).$((tenths % 10))"
      # the worker's scale JVMs (a subshell runs several in turn): kill -9 whichever runs now
      pkill -KILL -P "${pids[$w]}" 2>/dev/null; kill -KILL "${pids[$w]}" 2>/dev/null ) &
  done
  for w in "${!pids[@]}"; do
    { wait "${pids[$w]}"; } 2>/dev/null; rc=$?
    was_killed=0
    for k in "${killed[@]}"; do [ "${k%%:*}" = "$w" ] && was_killed=1; done
    if ((was_killed)); then
      kills=$((kills + 1))
    elif ((rc != 0)); then
      failures=$((failures + 1))
      echo "soak: cycle $c worker $w ($provider) failed with $rc:" >&2
      sed 's/^/soak:   /' "$work/c$c-w$w.log" >&2
    else
      probes=$((probes + 1))
    fi
  done
  wait   # the killers
  ((${#names[@]})) && ./scale down "${names[@]}" >/dev/null 2>&1
  ./scale gc >/dev/null 2>&1
  printf '\rsoak: cycle %d/%d  starts %d  killed %d  failures %d' "$c" "$cycles" "$starts" "$kills" "$failures" >&2
done
echo >&2
./scale gc >/dev/null 2>&1
sleep 2   # a server stopped by down or gc has exited; let the process table catch up
snapshot after
records=$(find "$SCALE_STATE_DIR/embedded" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l)
leaks=(containers "$(new_in containers)" volumes "$(new_in volumes)" networks "$(new_in networks)"
       processes "$(new_in processes)" "temp-files" "$(new_in tmp)" "state-records" "$records")
total=0
for ((i = 1; i < ${#leaks[@]}; i += 2)); do total=$((total + leaks[i])); done
secs=$(( $(date +%s) - t0 ))
echo "soak: $cycles cycles on ${providers[*]} in ${secs}s: $starts starts, $kills killed with kill -9, $probes completed up+probe+down or run, $failures failures"
printf 'soak: leaks:'; for ((i = 0; i < ${#leaks[@]}; i += 2)); do printf ' %s %s' "${leaks[i]}" "${leaks[i+1]}"; done; echo " (total $total)"
if ((total > 0)); then
  comm -13 "$work/before.processes" "$work/after.processes" | xargs -r ps -o pid,args -p >&2
  comm -13 "$work/before.tmp" "$work/after.tmp" | sed 's/^/soak: new in temp: /' >&2
fi
((total == 0 && failures == 0))
