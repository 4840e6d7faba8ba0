#!/usr/bin/env bash
# How long the talk's whole `sessions` scenario takes on two stores, from nothing to a verdict table with
# the stores removed: `scale fit sessions --on redis,postgres`, once with the embedded provider and once
# with Docker (when an engine and the images are there). The issue's target: a few minutes.
# There is no reference tool that does this; the figure stands alone. usage: bench/fit-sessions.sh
set -euo pipefail
cd "$(dirname "$0")/.."
./scale --version >/dev/null
state=$(mktemp -d); export SCALE_STATE_DIR=$state
trap 'rm -rf "$state"' EXIT
now() { date +%s%N; }

run() {
  local provider=$1 t0 t1
  t0=$(now)
  ./scale fit sessions --on redis,postgres --provider "$provider" --output json > "$state/$provider.json" 2>/dev/null
  t1=$(now)
  printf '%-9s %6.1f s   %s\n' "$provider" "$(echo "($t1 - $t0) / 1000000000" | bc -l)" \
    "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("; ".join(s["store"] + (" fits" if s["passed"] else " fails " + ", ".join(r["requirement"] for r in d["results"] if r["store"] == s["store"] and r["verdict"] == "FAIL")) for s in d["stores"]))' "$state/$provider.json")"
}

echo "scale fit sessions --on redis,postgres (requirements measured one store after the other)"
DOCKER_HOST=unix:///nonexistent run embedded
if docker info >/dev/null 2>&1 && docker image inspect "${SCALE_IMAGE_REDIS:-redis:7.4}" >/dev/null 2>&1 \
   && docker image inspect "${SCALE_IMAGE_POSTGRES:-postgres:17}" >/dev/null 2>&1; then
  run docker
else
  echo "docker    skipped: no engine, or no images (set SCALE_IMAGE_REDIS / SCALE_IMAGE_POSTGRES, see .ci/build-images.sh)"
fi
