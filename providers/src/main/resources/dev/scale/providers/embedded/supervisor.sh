#!/bin/sh
# scale's embedded supervisor: started as soon as an instance's directory exists, before its server is
# prepared. It waits for scale to write server.sh; if the scale process that is starting the instance dies
# first (kill -9 during initdb, say), it removes the directory at once: nothing is left without a scale
# command. Then it runs the server, stops it when its time to live has passed or when told to (SIGTERM
# from `scale down`), and removes the instance's directory. SIGUSR1 restarts the server (a clean stop, then
# server.sh again, on the same data and port) within the same time to live. If the server dies on its own, the directory
# is left so that `scale ls` shows the instance as dead.
# usage: supervisor.sh DIR TTL_SECONDS STOP_SIGNAL OWNER_PID
dir=$1; ttl=$2; sig=$3; owner=$4
echo $$ > "$dir/supervisor.pid"
trap 'exit 0' TERM INT HUP   # scale removes the directory itself when it cancels a start
# Removes the directory, again while something still writes into it (a copy of a start cut short ends within a
# second): one rm -rf racing a writer fails with "Directory not empty" and would leave it, record gone, for good.
remove_dir() {
  i=0
  while [ -e "$dir" ] && [ $i -lt 50 ]; do
    rm -rf "$dir" 2>/dev/null || sleep 0.1
    i=$((i + 1))
  done
}
# Looked for every 20 ms in the first second (a Redis is prepared in a few ms: the wait for this loop was up to a
# quarter of its start), every 100 ms after. waited counts hundredths of a second.
waited=0
while [ ! -f "$dir/server.sh" ]; do
  if ! kill -0 "$owner" 2>/dev/null || [ "$waited" -ge $((ttl * 100)) ]; then
    remove_dir
    exit 0
  fi
  if [ "$waited" -lt 100 ]; then
    sleep 0.02
    waited=$((waited + 2))
  else
    sleep 0.1
    waited=$((waited + 10))
  fi
done
sh "$dir/server.sh" </dev/null >>"$dir/server.log" 2>&1 &
srv=$!
echo "$srv" > "$dir/server.pid"
stopping=0
nap=
on_stop() {
  stopping=1
  kill -s "$sig" "$srv" 2>/dev/null
  [ -n "$nap" ] && kill "$nap" 2>/dev/null
}
restarting=0
on_restart() {
  restarting=1
  kill -s "$sig" "$srv" 2>/dev/null
  [ -n "$nap" ] && kill "$nap" 2>/dev/null
}
trap on_stop TERM INT HUP
trap on_restart USR1
# the end as a time of day: a nap cut short by a restart does not count as slept
end=$(( $(date +%s) + ttl - waited / 100 ))
while [ "$stopping" = 0 ]; do
  if [ "$restarting" = 1 ]; then
    # 20 s to stop cleanly, as for a stop, then the same server.sh again
    i=0
    while kill -0 "$srv" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
    kill -s KILL "$srv" 2>/dev/null
    wait "$srv" 2>/dev/null
    restarting=0
    [ "$stopping" = 1 ] && break
    sh "$dir/server.sh" </dev/null >>"$dir/server.log" 2>&1 &
    srv=$!
    echo "$srv" > "$dir/server.pid"
    continue
  fi
  kill -0 "$srv" 2>/dev/null || break
  left=$((end - $(date +%s)))
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
done
if [ "$stopping" = 1 ]; then
  # Give the server 20 s to shut down cleanly, then kill it.
  i=0
  while kill -0 "$srv" 2>/dev/null && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
  kill -s KILL "$srv" 2>/dev/null
  wait "$srv" 2>/dev/null
  remove_dir
fi
