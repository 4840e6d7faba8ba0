// RabbitMQ's part of the connection contract, read by amqplib (npm) from the variables `scale run` exports:
// a persistent message with a header, published with a confirm to a durable queue through AMQP_URL, read back and
// acknowledged; then a second connection built from RABBITMQ_HOST/PORT/USER/PASSWORD/VHOST alone sees the queue empty.
// usage: scale run --with rabbitmq -- node amqp.js TEXT   (prints one JSON line)
const amqp = require('amqplib');

async function main() {
  const text = process.argv[2];
  const queue = 'contract-' + process.pid;
  const out = {};
  const conn = await amqp.connect(process.env.AMQP_URL);
  const ch = await conn.createConfirmChannel();
  await ch.assertQueue(queue, { durable: true });
  await new Promise((resolve, reject) => ch.sendToQueue(queue, Buffer.from(text, 'utf8'),
    { persistent: true, headers: { greeting: text } }, (err) => (err ? reject(err) : resolve())));
  const msg = await ch.get(queue, { noAck: false });
  out.text = msg ? msg.content.toString('utf8') : null;
  out.header = msg ? String(msg.properties.headers.greeting) : null;
  out.persistent = msg ? msg.properties.deliveryMode === 2 : null;
  if (msg) ch.ack(msg);
  await ch.close();
  await conn.close();

  const e = process.env;
  const parts = await amqp.connect({ protocol: 'amqp', hostname: e.RABBITMQ_HOST, port: Number(e.RABBITMQ_PORT),
    username: e.RABBITMQ_USER, password: e.RABBITMQ_PASSWORD, vhost: e.RABBITMQ_VHOST });
  const ch2 = await parts.createChannel();
  out.leftAfterAck = (await ch2.checkQueue(queue)).messageCount;
  await ch2.deleteQueue(queue);
  await parts.close();
  console.log(JSON.stringify(out));
}

main().catch((err) => { console.error(String(err && err.stack || err)); process.exit(1); });
