#!/bin/sh
# Mirrors the official redis image's contract: arguments go to redis-server
# (a first argument that is an option or a .conf file gets redis-server prepended),
# and the server runs as the unprivileged redis user.
set -e
case "$1" in
  -*|*.conf) set -- redis-server "$@" ;;
esac
if [ "$1" = redis-server ] && [ "$(id -u)" = 0 ]; then
  mkdir -p /data && chown redis:redis /data
  cd /data
  # as the official image does: whatever a start put in its working directory becomes the redis user's
  find . \! -user redis -exec chown redis '{}' +
  exec setpriv --reuid=redis --regid=redis --init-groups "$@"
fi
exec "$@"
