#!/usr/bin/env bash
# scale probe objects beside s3cmd (Debian's, the reference S3 client), on the same S3Proxy instance in one run,
# interleaved round by round (which tool goes first alternates), with the same workload for two object sizes:
# 64 objects of 1 MiB and 4 objects of 64 MiB, stored one after another by one client, then read back one after
# another. Prints each tool's PUT and GET MB/s (MB = 10^6 bytes), the medians, and scale's ratio to s3cmd (goal: >= 0.9).
# Then the memory each used for one 1 GiB object: scale's live heap and resident peak as the probe reports them
# (--phases largest: 64 MiB, 256 MiB, 1 GiB streamed), and s3cmd's resident peak (GNU time) for a put and a get.
#
# What is equal: the server and its bucket, object sizes and counts, incompressible bytes, sequential requests, a
# `sync` before every timed step (neither tool pays the other's write-back), both read back every byte and check it
# (scale: CRC-32C of each object; s3cmd: its MD5 check, and the script compares the files, untimed).
# What is not: s3cmd is timed as a user runs it, one `s3cmd put F1..FN s3://bucket/prefix/` and one
# `s3cmd get --recursive` (a LIST first) into a directory, so each includes its Python start-up (~0.1 s); scale's
# rates are timed inside the probe (no JVM start-up), and each size is the second of three equal batches in the
# probe run (its small, medium and large sizes all set to it; the medium one is read), so the JVM is warm. s3cmd
# reads its source files from the page cache (made beforehand from /dev/urandom, read once before timing) and
# writes what it gets into files (page cache, not synced while timed); scale generates bytes in memory and drops
# what it reads. Dropping the kernel's caches needs privileges this script does not ask for. s3cmd keeps its
# defaults: multipart above multipart_chunk_size_mb = 15 (parts of 15 MiB), MD5 of each file stored as metadata,
# SigV4 with the SHA-256 of each body; scale's probe (AWS SDK v2) uses parts of 8 MiB above 8 MiB.
# usage: bench/objects.sh [ROUNDS] [PROVIDER] [SIZE1_MIB COUNT1 SIZE2_MIB COUNT2]
#        (defaults: 3, embedded (no Docker; or docker: the scale-ci/s3proxy:2.6.0 image), 1 64 64 4; sizes up to
#        64 MiB, counts 2..1000)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
provider=${2:-embedded}
sizes=("${3:-1}" "${5:-64}")
counts=("${4:-64}" "${6:-4}")
export SCALE_IMAGE_S3=${SCALE_IMAGE_S3:-scale-ci/s3proxy:2.6.0}
for tool in s3cmd python3 /usr/bin/time; do
  command -v $tool >/dev/null || { echo "bench: needs $tool (apt-get install $(basename $tool))" >&2; exit 3; }
done
for i in 0 1; do
  (( sizes[i] >= 1 && sizes[i] <= 64 && counts[i] >= 2 && counts[i] <= 1000 )) ||
    { echo "bench: sizes are 1..64 MiB, counts 2..1000" >&2; exit 2; }
done
./scale --version >/dev/null
state=$(mktemp -d); export SCALE_STATE_DIR=$state SCALE_CONFIG_DIR=$state/config
cleanup() { ./scale down --all >/dev/null 2>&1 || true; rm -rf "$state"; }
trap cleanup EXIT

./scale up s3 --provider "$provider" --name bench-s3 --output json > "$state/s3.json"
read -r endpoint key secret region bucket version < <(python3 -c "import json,sys; i=json.load(open(sys.argv[1]))[0]; e=i['env']
print(e['AWS_ENDPOINT_URL_S3'], e['AWS_ACCESS_KEY_ID'], e['AWS_SECRET_ACCESS_KEY'], e['AWS_REGION'], e['S3_BUCKET'], i['version'])" "$state/s3.json")
hostport=${endpoint#http://}
cfg=$state/s3cfg
(umask 077; cat > "$cfg" <<EOF
[default]
access_key = $key
secret_key = $secret
bucket_location = $region
host_base = $hostport
host_bucket = $hostport
use_https = False
signature_v2 = False
progress_meter = False
EOF
)
s3c() { s3cmd -c "$cfg" "$@"; }

# s3cmd works against this server: put, list, get, the same bytes back, delete.
mkdir "$state/check"; head -c 100000 /dev/urandom > "$state/check/a"
s3c -q put "$state/check/a" "s3://$bucket/bench-check/" >/dev/null
s3c ls "s3://$bucket/bench-check/" | grep -q "s3://$bucket/bench-check/a$" || { echo "bench: s3cmd ls does not list its object" >&2; exit 1; }
s3c -q get "s3://$bucket/bench-check/a" "$state/check/b" >/dev/null
cmp -s "$state/check/a" "$state/check/b" || { echo "bench: s3cmd read back other bytes" >&2; exit 1; }
s3c -q del "s3://$bucket/bench-check/a" >/dev/null; rm -rf "$state/check"

# the files s3cmd stores (not timed)
for i in 0 1; do
  mkdir "$state/src$i"
  for n in $(seq 1 "${counts[i]}"); do head -c $((sizes[i] << 20)) /dev/urandom > "$state/src$i/o$n"; done
done

now() { date +%s%N; }
mbps() { python3 -c "import sys; print(f'{int(sys.argv[1])/1e6/(int(sys.argv[2])/1e9):.1f}')" "$1" "$2"; }
s3cmd_run() { # SIZE_INDEX ROUND -> "put_mb_s get_mb_s"
  local i=$1 prefix="s3://$bucket/s3cmd-r$2-$1/" out=$state/get$1 bytes t0 t1 t1b t2
  bytes=$(( (sizes[i] << 20) * counts[i] ))
  cat "$state/src$i"/* > /dev/null; mkdir "$out"; sync
  t0=$(now); s3c -q put "$state/src$i"/* "$prefix" >/dev/null; t1=$(now)
  sync
  t1b=$(now); s3c -q get --recursive "$prefix" "$out/" >/dev/null; t2=$(now)
  for f in "$state/src$i"/*; do
    cmp -s "$f" "$out/$(basename "$f")" || { echo "bench: s3cmd read back other bytes for $f" >&2; exit 1; }
  done
  rm -rf "$out"; s3c -q del --recursive --force "$prefix" >/dev/null
  echo "$(mbps "$bytes" $((t1 - t0))) $(mbps "$bytes" $((t2 - t1b)))"
}
probe() { # ARGS... -> the probe's JSON
  ./scale probe objects --on bench-s3 "$@" --output json 2>"$state/probe.err" || { cat "$state/probe.err" >&2; exit 1; }
}
scale_run() { # SIZE_INDEX -> "put_mb_s get_mb_s"
  local i=$1 s=${sizes[i]}MB
  probe --phases throughput --small "$s" --medium "$s" --large "$s" --bytes $((sizes[i] * counts[i]))MB |
    python3 -c "import json,sys
d=json.load(sys.stdin); m=d['metrics']; row=d['rows'][1]; want=int(sys.argv[1])
assert row['objects'] == want and m['corrupt'] == 0, (row, m['corrupt'])
print(m['medium_put_mb_per_s'], m['medium_get_mb_per_s'])" "${counts[i]}"
}

label() { echo "${counts[$1]} x ${sizes[$1]} MiB"; }
echo "server: S3Proxy $version ($provider); client: $(s3cmd --version); $rounds rounds"
printf '%-6s %-7s %16s %16s %16s %16s\n' round tool "put $(label 0)" "get $(label 0)" "put $(label 1)" "get $(label 1)"
declare -A res
for r in $(seq 1 "$rounds"); do
  order=(s3cmd scale); (( r % 2 == 0 )) && order=(scale s3cmd)
  for tool in "${order[@]}"; do
    line=()
    for i in 0 1; do
      if [[ $tool == s3cmd ]]; then read -r p g < <(s3cmd_run "$i" "$r"); else read -r p g < <(scale_run "$i"); fi
      [[ -n ${p:-} && -n ${g:-} ]] || { echo "bench: $tool gave no rates" >&2; exit 1; }
      res[$tool,put$i]+="$p "; res[$tool,get$i]+="$g "; line+=("$p" "$g")
    done
    printf '%-6s %-7s %16s %16s %16s %16s\n' "$r" "$tool" "${line[@]}"
  done
done
median() { printf '%s\n' $@ | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A med
for tool in s3cmd scale; do for k in put0 get0 put1 get1; do med[$tool,$k]=$(median "${res[$tool,$k]}"); done
  printf '%-6s %-7s %16s %16s %16s %16s\n' median "$tool" "${med[$tool,put0]}" "${med[$tool,get0]}" "${med[$tool,put1]}" "${med[$tool,get1]}"
done
python3 -c "import sys; a=list(map(float,sys.argv[3:])); s,c=a[:4],a[4:]
print(f'scale / s3cmd: put {sys.argv[1]} MiB {s[0]/c[0]:.2f}x, get {sys.argv[1]} MiB {s[1]/c[1]:.2f}x, put {sys.argv[2]} MiB {s[2]/c[2]:.2f}x, get {sys.argv[2]} MiB {s[3]/c[3]:.2f}x (goal >= 0.9)')" \
  "${sizes[0]}" "${sizes[1]}" "${med[scale,put0]}" "${med[scale,get0]}" "${med[scale,put1]}" "${med[scale,get1]}" \
  "${med[s3cmd,put0]}" "${med[s3cmd,get0]}" "${med[s3cmd,put1]}" "${med[s3cmd,get1]}"

echo "memory for one 1 GiB object:"
rm -rf "$state/src0" "$state/src1"
read -r heap rss < <(probe --phases largest --largest 1GB | python3 -c "import json,sys; m=json.load(sys.stdin)['metrics']
assert m['largest_intact_bytes'] == 1 << 30, m; print(m['heap_live_peak_bytes'], m['rss_peak_bytes'])")
head -c $((1 << 30)) /dev/urandom > "$state/big"; sync
putkb=$( { /usr/bin/time -f '%M' s3cmd -c "$cfg" -q put "$state/big" "s3://$bucket/s3cmd-big/big" >/dev/null; } 2>&1 | tail -1)
sync
getkb=$( { /usr/bin/time -f '%M' s3cmd -c "$cfg" -q get "s3://$bucket/s3cmd-big/big" "$state/big.back" >/dev/null; } 2>&1 | tail -1)
cmp -s "$state/big" "$state/big.back" || { echo "bench: s3cmd read back other bytes of the 1 GiB object" >&2; exit 1; }
rm -f "$state/big" "$state/big.back"; s3c -q del "s3://$bucket/s3cmd-big/big" >/dev/null
python3 -c "import sys; h,r,p,g=map(float,sys.argv[1:]); print(f'  scale probe objects: live heap peak {h/2**20:.0f} MiB, resident peak {r/2**20:.0f} MiB;  s3cmd: resident peak {p/1024:.0f} MiB put, {g/1024:.0f} MiB get')" \
  "$heap" "$rss" "$putkb" "$getkb"
