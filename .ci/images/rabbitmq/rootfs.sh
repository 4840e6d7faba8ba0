# As the official image's build: its defaults in conf.d (guest may log in from anywhere, AMQP on 5672, logs on
# the console), the data directory owned by rabbitmq, and no server started by the package.
mkdir -p /etc/rabbitmq/conf.d /var/lib/rabbitmq
printf '%s\n' 'loopback_users.guest = false' 'listeners.tcp.default = 5672' 'log.console = true' > /etc/rabbitmq/conf.d/10-defaults.conf
# and no Erlang cookie: the official build removes the one its CLI checks left, so each container makes its own at its
# first start (Debian's package made one at install, which every container of this image would have shared)
rm -f /var/lib/rabbitmq/.erlang.cookie
chown -R rabbitmq:rabbitmq /var/lib/rabbitmq /etc/rabbitmq
