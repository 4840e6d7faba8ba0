#!/bin/sh
# A Docker host reached over SSH, as a team's shared build machine is: an engine listening on its own unix socket,
# and sshd for a key given in SSH_AUTHORIZED_KEY (root, as the engine's socket wants). Also, as a host set up by
# Docker's "protect the daemon socket" guide: the engine on TCP port 2376 with TLS, clients verified, its certificates
# made here at start (a CA of this host's own, the server's for its addresses, one client's in /certs/client). The
# engine's log is in /var/log/dockerd.log.
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
mkdir -p /certs/client && cd /certs
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=scale-test-ca -keyout ca-key.pem -out ca.pem 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=$(hostname)" -keyout key.pem -out server.csr 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1,%s\nextendedKeyUsage=serverAuth\n' "$(hostname -I | tr ' ' '\n' | grep . | sed 's/^/IP:/' | paste -sd, -)" > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 -extfile server.ext -out cert.pem 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=client -keyout client/key.pem -out client.csr 2>/dev/null
printf 'extendedKeyUsage=clientAuth\n' > client.ext
openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 -extfile client.ext -out client/cert.pem 2>/dev/null
cp ca.pem client/ca.pem
chmod 600 key.pem ca-key.pem client/key.pem
cd /
dockerd --host=unix:///var/run/docker.sock --host=tcp://0.0.0.0:2376 --tlsverify --tlscacert=/certs/ca.pem \
  --tlscert=/certs/cert.pem --tlskey=/certs/key.pem > /var/log/dockerd.log 2>&1 &
exec "$@"
