#!/usr/bin/env bash
# Builds the Docker images the integration tests use, from Debian's own packages, because
# no image registry is reachable on this machine kind. Each image is a debootstrap minbase
# root filesystem imported with `docker import`. An image whose revision label matches is kept.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
REV=1
suite=bookworm

mirror() {
  local m
  m=$(grep -hoE '^URIs: *[^ ]+' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -1 | awk '{print $2}')
  [ -n "$m" ] || m=$(grep -hoE '^deb +[^ ]+' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | grep -v security | head -1 | awk '{print $2}')
  echo "${m:-http://deb.debian.org/debian}"
}

build() { # name tag packages entrypoint cmd-json
  local image=$1 packages=$2 entry=$3 cmd=$4 expose=$5
  if [ "$(docker image inspect -f '{{ index .Config.Labels "dev.scale.ci-rev" }}' "$image" 2>/dev/null)" = "$REV" ]; then
    echo "image $image present"; return 0
  fi
  local root; root=$(mktemp -d /tmp/scale-rootfs.XXXXXX)
  trap 'rm -rf "$root"' RETURN
  echo "building $image from Debian packages: $packages"
  debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$(mirror)" > "$root.log" 2>&1 \
    || { tail -20 "$root.log"; rm -f "$root.log"; return 1; }
  rm -f "$root.log"
  install -m 0755 "$here/images/$entry" "$root/usr/local/bin/docker-entrypoint.sh"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc "$root"/usr/share/man "$root"/usr/share/locale
  tar -C "$root" -c . | docker import \
    -c 'ENTRYPOINT ["docker-entrypoint.sh"]' -c "CMD $cmd" -c "EXPOSE $expose" \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    -c "LABEL dev.scale.ci-rev=$REV" - "$image" > /dev/null
  echo "built $image"
}

build scale-ci/redis:7.0 redis-server redis-entrypoint.sh '["redis-server"]' 6379 &
r=$!
build scale-ci/postgres:15 postgresql-15 postgres-entrypoint.sh '["postgres"]' 5432 &
p=$!
wait $r; wait $p
