#!/bin/sh
# A Docker host reached over SSH, as a team's shared build machine is: an engine listening on its own unix socket
# only, and sshd for a key given in SSH_AUTHORIZED_KEY (root, as the engine's socket wants). The engine's log is in
# /var/log/dockerd.log.
set -e
if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
  # cgroup v2: an engine inside a container needs its own processes out of the root group before it can delegate
  mkdir -p /sys/fs/cgroup/outer
  while read -r pid; do echo "$pid" > /sys/fs/cgroup/outer/cgroup.procs 2>/dev/null || true; done < /sys/fs/cgroup/cgroup.procs
  sed -e 's/ / +/g' -e 's/^/+/' /sys/fs/cgroup/cgroup.controllers > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || true
fi
mkdir -p /root/.ssh /run/sshd
chmod 700 /root/.ssh
if [ -n "$SSH_AUTHORIZED_KEY" ]; then
  printf '%s\n' "$SSH_AUTHORIZED_KEY" > /root/.ssh/authorized_keys
  chmod 600 /root/.ssh/authorized_keys
fi
ssh-keygen -A > /dev/null
dockerd --host=unix:///var/run/docker.sock > /var/log/dockerd.log 2>&1 &
exec "$@"
