# The promoter of a PostgreSQL topology (PostgreSQL never promotes by itself), as PID 1 of its own container.
# $1 every data member's host name (comma-separated), $2 how long (ms) the primary must be unreachable.
# Every 500 ms (100 ms while it fails): pg_isready on the primary; once it has failed for $2 ms, pg_promote() on the replica that has replayed
# the most WAL. Then, every round, any other member that takes writes (an old primary unpaused, or back on the
# network) is fenced: made read-only and its clients cut; its own supervisor then rejoins it as a replica.
hosts=$1 after=$2
members=$(echo "$hosts" | tr , ' ')
for d in /usr/lib/postgresql/*/bin; do [ -d "$d" ] && bin=$d; done
PATH="${bin:-/usr/bin}:$PATH"
user=${POSTGRES_USER:-postgres}
(umask 077; printf '*:*:*:%s:%s\n' "$user" "$SCALE_PASSWORD" > /tmp/scale-pgpass)
export PGPASSFILE=/tmp/scale-pgpass
trap 'exit 0' INT TERM
log() { echo "scale promoter: $*" >&2; }
ask() { timeout "${wait:-1}" psql "host=$1 port=5432 user=$user dbname=postgres connect_timeout=2" -XtAqc "$2" 2>/dev/null; }
ms() { date +%s%3N; }
takes_writes="select not pg_is_in_recovery() and current_setting('default_transaction_read_only') = 'off'"
primary=
until [ -n "$primary" ]; do
  for m in $members; do [ "$(ask "$m" "$takes_writes")" = t ] && primary=$m && break; done
  sleep 0.5
done
log "watching $primary: promoting a replica once it is unreachable for ${after} ms"
down=
while :; do
  # down counts from the start of the first failed check; a check gets at most 800 ms (pg_isready's own -t is whole
  # seconds, and libpq makes less than 2 s into 2 s)
  t0=$(ms)
  if timeout 0.8 pg_isready -q -h "$primary" -p 5432 -t 2; then
    down=
  else
    [ -n "$down" ] || down=$t0
    if [ $(( $(ms) - down )) -ge "$after" ]; then
      best= top=-1
      for m in $members; do
        [ "$m" = "$primary" ] && continue
        lsn=$(ask "$m" "select pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')::bigint where pg_is_in_recovery()")
        case $lsn in ''|*[!0-9]*) continue ;; esac
        [ "$lsn" -gt "$top" ] && best=$m top=$lsn
      done
      if [ -n "$best" ] && [ "$(wait=10 ask "$best" 'select pg_promote(true, 10)')" = t ]; then
        log "$primary unreachable for $(( $(ms) - down )) ms: promoted $best (replayed $top bytes of WAL)"
        primary=$best down=
      else
        log "$primary unreachable for $(( $(ms) - down )) ms and no replica to promote yet"
      fi
    fi
  fi
  for m in $members; do
    [ "$m" = "$primary" ] && continue
    if [ "$(ask "$m" "$takes_writes")" = t ]; then
      ask "$m" "alter system set default_transaction_read_only = on" >/dev/null
      ask "$m" "select pg_reload_conf(), count(pg_terminate_backend(pid)) from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()" >/dev/null
      log "fenced $m: it took writes while $primary is the primary (now read-only, its clients cut; it rejoins as a replica)"
    fi
  done
  # checked more often while the primary is failing, so that the promotion follows down-after closely
  if [ -n "$down" ]; then sleep 0.1; else sleep 0.5; fi
done
