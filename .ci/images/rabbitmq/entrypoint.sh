#!/bin/sh
# Mirrors the official rabbitmq image's entrypoint (3.9 and later): started as root, it gives the data directory
# to the rabbitmq user and runs the command as that user (gosu); RABBITMQ_DEFAULT_USER, RABBITMQ_DEFAULT_PASS
# and RABBITMQ_DEFAULT_VHOST are read by rabbitmq-server itself. The server is PID 1 after exec, so signals
# reach it. rabbitmq-server is Debian's, on PATH; the package's init scripts never run here.
set -e
case "$1" in
  rabbitmq*)
    if [ "$(id -u)" = 0 ]; then
      if [ "$1" = rabbitmq-server ]; then
        find /var/lib/rabbitmq \! -user rabbitmq -exec chown rabbitmq '{}' +
      fi
      exec gosu rabbitmq "$0" "$@"
    fi
    ;;
esac
exec "$@"
