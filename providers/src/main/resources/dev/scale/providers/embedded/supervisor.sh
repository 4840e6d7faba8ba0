#!/bin/sh
# scale's embedded supervisor: runs one server, stops it when its time to live has passed or when
# told to (SIGTERM from `scale down`), then removes the instance's directory. If the server dies on
# its own, the directory is left so that `scale ls` shows the instance as dead.
# usage: supervisor.sh DIR TTL_SECONDS STOP_SIGNAL COMMAND...
dir=$1; ttl=$2; sig=$3; shift 3
echo $$ > "$dir/supervisor.pid"
"$@" </dev/null >>"$dir/server.log" 2>&1 &
srv=$!
echo "$srv" > "$dir/server.pid"
stopping=0
nap=
on_stop() {
  stopping=1
  kill -s "$sig" "$srv" 2>/dev/null
  [ -n "$nap" ] && kill "$nap" 2>/dev/null
}
trap on_stop TERM INT HUP
left=$ttl
while [ "$stopping" = 0 ] && kill -0 "$srv" 2>/dev/null; do
  if [ "$left" -le 0 ]; then
    on_stop
    break
  fi
  step=5
  [ "$left" -lt 5 ] && step=$left
  sleep "$step" &
  nap=$!
  wait "$nap"
  nap=
  left=$((left - step))
done
if [ "$stopping" = 1 ]; then
  # Give the server 20 s to shut down cleanly, then kill it.
  i=0
  while kill -0 "$srv" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
  kill -s KILL "$srv" 2>/dev/null
  wait "$srv" 2>/dev/null
  rm -rf "$dir"
fi
