# As the official image's build: its defaults in conf.d (guest may log in from anywhere, AMQP on 5672, logs on
# the console), the data directory owned by rabbitmq, and no server started by the package.
mkdir -p /etc/rabbitmq/conf.d /var/lib/rabbitmq
printf '%s\n' 'loopback_users.guest = false' 'listeners.tcp.default = 5672' 'log.console = true' > /etc/rabbitmq/conf.d/10-defaults.conf
chown -R rabbitmq:rabbitmq /var/lib/rabbitmq /etc/rabbitmq
