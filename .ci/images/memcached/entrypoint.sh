#!/bin/sh
# Mirrors the official memcached image's contract: the image runs as the unprivileged memcache
# user (USER memcache), a first argument that is an option gets memcached prepended, and the
# server is PID 1 after exec, so signals reach it. memcached is Debian's /usr/bin/memcached, on
# PATH; the package's init scripts never run here.
set -e
if [ "${1#-}" != "$1" ]; then
  set -- memcached "$@"
fi
exec "$@"
