# One data member of a PostgreSQL topology (scale up postgres --replicas N), as PID 1 of its container, as root.
# $1 this member's host name, $2 every data member's host name (comma-separated), $3 the first primary, $4 the
# promoter's down-after (ms).
# It starts the image's own entrypoint (initdb on the first primary's first start, then postgres as user postgres)
# and decides before each start what this member is:
#  - the first primary, first start: initdb by the entrypoint, then the replication role and its pg_hba line;
#  - a replica, first start: pg_basebackup -R of the primary;
#  - started again with data that was a primary's (after a kill) while another member is the primary now: it
#    copies that one again and rejoins as its replica, never as a second primary;
#  - fenced while running (the promoter made it read-only: another member was promoted while it was paused or cut
#    off): it stops, copies the new primary and rejoins as its replica.
# The password reaches no process's arguments: a passfile (0600, owned by postgres) and psql's standard input.
self=$1 hosts=$2 first=$3 after=${4:-5000}
[ "$after" -ge 500 ] || after=500
members=$(echo "$hosts" | tr , ' ')
for d in /usr/lib/postgresql/*/bin; do [ -d "$d" ] && bin=$d; done
PATH="${bin:-/usr/bin}:$PATH"
: "${PGDATA:=/var/lib/postgresql/data}"
export PGDATA PATH
user=${POSTGRES_USER:-postgres}
pass=/var/lib/postgresql/.scale-pgpass
mkdir -p /var/lib/postgresql
(umask 077; printf '*:*:*:replicator:%s\n*:*:*:%s:%s\n' "$SCALE_PASSWORD" "$user" "$SCALE_PASSWORD" > "$pass")
chown postgres:postgres "$pass"
export PGPASSFILE="$pass"
log() { echo "scale $self: $*" >&2; }
as_postgres() { if command -v gosu >/dev/null 2>&1; then gosu postgres "$@"; else setpriv --reuid=postgres --regid=postgres --init-groups "$@"; fi; }
ask() { timeout 3 psql "host=$1 port=5432 user=$user dbname=postgres connect_timeout=2" -XtAqc "$2" 2>/dev/null; }
here() { psql -h /var/run/postgresql -U "$user" -d postgres -XtAq "$@" 2>/dev/null; }
# the other member that takes writes now, if one does
primary_now() {
  for m in $members; do
    [ "$m" = "$self" ] && continue
    if [ "$(ask "$m" "select not pg_is_in_recovery() and current_setting('default_transaction_read_only') = 'off'")" = t ]; then
      echo "$m"; return 0
    fi
  done
  return 1
}
# a fresh copy of the primary, as its streaming replica; the walreceiver tries every member and takes the one that
# takes writes, so it follows a promotion by itself
clone() {
  from=$(primary_now) || return 1
  log "copying $from (pg_basebackup -R -X stream -c fast)"
  mkdir -p "$PGDATA" && find "$PGDATA" -mindepth 1 -delete && chown postgres:postgres "$PGDATA" && chmod 700 "$PGDATA" || return 1
  as_postgres pg_basebackup -h "$from" -p 5432 -U replicator -D "$PGDATA" -R -X stream -c fast || return 1
  printf "primary_conninfo = 'host=%s port=5432 user=replicator passfile=%s application_name=%s target_session_attrs=read-write connect_timeout=2'\n" \
    "$hosts" "$pass" "$self" >> "$PGDATA/postgresql.auto.conf"
}
# the first primary, once its server answers: the replication role and one pg_hba line for it (scram, own subnet)
setup() {
  until [ "$(here -c 'select 1')" = 1 ]; do sleep 0.2; done
  printf "do \$s\$ begin if not exists (select from pg_roles where rolname = 'replicator') then create role replicator with replication login password '%s'; end if; end \$s\$;\n" \
    "$SCALE_PASSWORD" | here -f - || return 1
  grep -q '^host replication replicator' "$PGDATA/pg_hba.conf" || echo 'host replication replicator samenet scram-sha-256' >> "$PGDATA/pg_hba.conf"
  [ "$(here -c 'select pg_reload_conf()')" = t ]
}
stopping=0 pid=
trap 'stopping=1; [ -n "$pid" ] && kill -INT "$pid" 2>/dev/null' INT TERM
rejoin=0
while :; do
  fresh=0
  if [ "$rejoin" = 1 ]; then
    until clone; do [ "$stopping" = 1 ] && exit 0; sleep 0.5; done
  elif [ -s "$PGDATA/PG_VERSION" ]; then
    if [ ! -f "$PGDATA/standby.signal" ] && now=$(primary_now); then
      log "$now is the primary now: rejoining as its replica"
      until clone; do [ "$stopping" = 1 ] && exit 0; sleep 0.5; done
    fi
  elif [ "$self" = "$first" ]; then
    fresh=1
  else
    until clone; do [ "$stopping" = 1 ] && exit 0; sleep 0.5; done
  fi
  [ "$stopping" = 1 ] && exit 0
  docker-entrypoint.sh postgres -c cluster_name="$self" &
  pid=$!
  [ "$fresh" = 1 ] && (until setup; do sleep 0.3; done) &
  rejoin=0
  while kill -0 "$pid" 2>/dev/null; do
    t0=$(date +%s%3N)
    sleep 0.5
    [ "$stopping" = 1 ] && break
    # Frozen (docker pause, a stalled VM) for longer than down-after while a primary: the promoter may have promoted
    # another meanwhile. Read-only at once, before asking anyone (the server's backends woke up with this loop and
    # are taking writes again); back to read-write only if no other member takes writes.
    if [ $(( $(date +%s%3N) - t0 )) -ge $(( after + 500 )) ] && [ "$(here -c 'select not pg_is_in_recovery()')" = t ]; then
      here -c "alter system set default_transaction_read_only = on" -c "select pg_reload_conf()" \
        -c "select count(pg_terminate_backend(pid)) from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()" >/dev/null
      if now=$(primary_now); then
        log "was frozen, and $now is the primary now: fenced myself"
      else
        here -c "alter system reset default_transaction_read_only" -c "select pg_reload_conf()" >/dev/null
        log "was frozen; no other member is the primary: still the primary"
      fi
    fi
    if [ "$(here -c "select not pg_is_in_recovery() and current_setting('default_transaction_read_only') = 'on'")" = t ]; then
      log "fenced: another member is the primary now; stopping to rejoin as its replica"
      rejoin=1
      kill -INT "$pid"
      break
    fi
  done
  while kill -0 "$pid" 2>/dev/null; do wait "$pid"; done
  wait "$pid"; code=$?
  pid=
  [ "$stopping" = 1 ] && exit 0
  [ "$rejoin" = 1 ] || exit "$code"
done
