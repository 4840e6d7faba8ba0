#!/usr/bin/env bash
# Builds the Docker images the integration tests use, from Debian's own packages, because
# no image registry is reachable on this machine kind. Each image is a debootstrap minbase
# root filesystem imported with `docker import`. An image whose revision label matches is kept.
#
# One folder per datastore kind, .ci/images/<kind>/, declares its image (and docker-host/, a remote machine for the
# DOCKER_HOST=ssh:// tests); adding a kind's image is
# adding a folder, no other CI file changes. The folder holds:
#   entrypoint.sh  installed as /usr/local/bin/docker-entrypoint.sh, the image's ENTRYPOINT
#   image.env      sourced by bash:
#     IMAGE_TAG       the image built, e.g. scale-ci/redis:7.0 (the tests get it as SCALE_IMAGE_<KIND>)
#     IMAGE_PACKAGES  Debian packages debootstrap adds (spaces or commas)
#     IMAGE_CMD       CMD, as JSON
#     IMAGE_EXPOSE    EXPOSE, a port
#     IMAGE_USER      USER, optional (empty: root)
#     IMAGE_ENV       ENV settings the official image has, optional: NAME=VALUE, spaces between
#     HOST_PACKAGES   Debian packages the tests need on the CI machine itself, optional
#   rootfs.sh      optional: run inside the new root filesystem (chroot) before it is imported,
#                  for what the official image does at build time (e.g. generating a locale)
#   host.sh        optional: run on this machine with the root filesystem's path as $1, for what does not come
#                  from Debian (S3Proxy's jars, from Maven Central)
#
# usage: build-images.sh                  build every missing image, in parallel
#        build-images.sh --env            print `export SCALE_IMAGE_<KIND>=<tag>` for every kind; builds nothing
#        build-images.sh --host-packages  print the kinds' HOST_PACKAGES, one a line; builds nothing
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
REV=6  # 2: the postgres image got the official one's locale (en_US.UTF-8) and so its UTF8 encoding; 3: its entrypoint chowns only what postgres does not own, as the official one; 4: the redis one chowns the files in /data as the official one does; 5: the rabbitmq one keeps no Erlang cookie, as the official one; 6: docker-host also serves its engine over TLS on 2376
suite=bookworm

kinds() { # the kind folders, sorted
  local d
  for d in "$here"/images/*/; do
    [ -f "$d/image.env" ] && basename "$d"
  done
  return 0
}

load() { # kind: sets the IMAGE_* and HOST_PACKAGES variables from its image.env
  local kind=$1 f="$here/images/$1/image.env"
  unset IMAGE_TAG IMAGE_PACKAGES IMAGE_CMD IMAGE_EXPOSE IMAGE_USER IMAGE_ENV HOST_PACKAGES
  # shellcheck disable=SC1090
  . "$f"
  local v
  for v in IMAGE_TAG IMAGE_PACKAGES IMAGE_CMD IMAGE_EXPOSE; do
    [ -n "${!v:-}" ] || { echo "build-images: $f does not set $v" >&2; return 1; }
  done
  [ -x "$here/images/$kind/entrypoint.sh" ] || { echo "build-images: $here/images/$kind/entrypoint.sh is missing or not executable" >&2; return 1; }
  IMAGE_USER=${IMAGE_USER:-}
  IMAGE_ENV=${IMAGE_ENV:-}
  HOST_PACKAGES=${HOST_PACKAGES:-}
}

words() { # a list separated by spaces or commas, one item a line
  local -a ws=()
  local w
  IFS=$', \t\n' read -r -d '' -a ws <<< "$1" || true
  for w in ${ws[@]+"${ws[@]}"}; do
    [ -z "$w" ] || echo "$w"
  done
  return 0
}

mirror() {
  local m
  m=$(grep -hoE '^URIs: *[^ ]+' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -1 | awk '{print $2}')
  [ -n "$m" ] || m=$(grep -hoE '^deb +[^ ]+' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | grep -v security | head -1 | awk '{print $2}')
  echo "${m:-http://deb.debian.org/debian}"
}

build() { # kind
  local kind=$1
  load "$kind"
  local image=$IMAGE_TAG packages cmd=$IMAGE_CMD expose=$IMAGE_EXPOSE user=$IMAGE_USER
  packages=$(words "$IMAGE_PACKAGES" | paste -sd, -)
  if [ "$(docker image inspect -f '{{ index .Config.Labels "dev.scale.ci-rev" }}' "$image" 2>/dev/null)" = "$REV" ]; then
    echo "image $image present"; return 0
  fi
  local root; root=$(mktemp -d /tmp/scale-rootfs.XXXXXX)
  trap 'rm -rf "$root"' RETURN
  echo "building $image from Debian packages: $packages"
  debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$(mirror)" > "$root.log" 2>&1 \
    || { tail -20 "$root.log"; rm -f "$root.log"; return 1; }
  rm -f "$root.log"
  install -m 0755 "$here/images/$kind/entrypoint.sh" "$root/usr/local/bin/docker-entrypoint.sh"
  if [ -f "$here/images/$kind/host.sh" ]; then
    bash "$here/images/$kind/host.sh" "$root" || { echo "build-images: $kind/host.sh failed" >&2; return 1; }
  fi
  if [ -f "$here/images/$kind/rootfs.sh" ]; then
    chroot "$root" /bin/sh -es < "$here/images/$kind/rootfs.sh" || { echo "build-images: $kind/rootfs.sh failed" >&2; return 1; }
  fi
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc "$root"/usr/share/man "$root"/usr/share/locale
  local changes=(-c 'ENTRYPOINT ["docker-entrypoint.sh"]' -c "CMD $cmd" -c "EXPOSE $expose"
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
    -c "LABEL dev.scale.ci-rev=$REV")
  [ -z "$user" ] || changes+=(-c "USER $user")
  local setting
  for setting in $IMAGE_ENV; do
    changes+=(-c "ENV $setting")
  done
  tar -C "$root" -c . | docker import "${changes[@]}" - "$image" > /dev/null
  echo "built $image"
}

case "${1:-}" in
  --env)
    for kind in $(kinds); do
      (load "$kind"; name=${kind^^}; printf 'export SCALE_IMAGE_%s=%q\n' "${name//-/_}" "$IMAGE_TAG")
    done
    ;;
  --host-packages)
    for kind in $(kinds); do
      (load "$kind"; words "$HOST_PACKAGES")
    done
    ;;
  "")
    pids=() names=()
    for kind in $(kinds); do
      build "$kind" &
      pids+=($!) names+=("$kind")
    done
    failed=()
    for i in "${!pids[@]}"; do
      wait "${pids[$i]}" || failed+=("${names[$i]}")
    done
    [ ${#failed[@]} -eq 0 ] || { echo "build-images: failed: ${failed[*]}" >&2; exit 1; }
    ;;
  *)
    echo "usage: $0 [--env | --host-packages]" >&2; exit 2
    ;;
esac
