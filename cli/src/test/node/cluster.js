// Follows a failover of `scale up rabbitmq --replicas 2` as a Node.js program would, from the contract alone: amqplib
// connects to the first node of RABBITMQ_ADDRESSES that answers (with RABBITMQ_USER, RABBITMQ_PASSWORD, RABBITMQ_VHOST),
// declares a quorum queue and publishes `before` with a confirm, prints {"ready":port}, waits for a line on stdin (the
// test kills that node meanwhile), then connects again to whichever node answers, publishes `after` with a confirm
// until that works, reads both back and prints what it saw as one JSON line.
'use strict';
const amqp = require('amqplib');
const readline = require('readline');

const e = process.env;
const addresses = e.RABBITMQ_ADDRESSES.split(',').map((hp) => {
  const [hostname, port] = hp.split(':');
  return { hostname, port: Number(port) };
});

async function connect() {
  let last;
  for (const a of addresses) {
    try {
      const conn = await amqp.connect({ protocol: 'amqp', ...a, username: e.RABBITMQ_USER, password: e.RABBITMQ_PASSWORD,
        vhost: e.RABBITMQ_VHOST }, { timeout: 2000 });
      conn.on('error', () => {}); // a node going away: the loop below connects again
      return { conn, port: a.port };
    } catch (err) {
      last = err;
    }
  }
  throw last;
}

async function publish(ch, text) {
  await new Promise((resolve, reject) => ch.sendToQueue('orders', Buffer.from(text, 'utf8'), { persistent: true },
    (err) => (err ? reject(err) : resolve())));
}

(async () => {
  const first = await connect();
  const ch = await first.conn.createConfirmChannel();
  ch.on('error', () => {});
  await ch.assertQueue('orders', { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await publish(ch, 'published before the kill');
  console.log(JSON.stringify({ ready: first.port }));
  await new Promise((resolve) => readline.createInterface({ input: process.stdin }).once('line', resolve));
  const started = Date.now();
  let failures = 0;
  let now;
  for (;;) {
    try {
      now = await connect();
      now.conn.on('close', () => {});
      const c2 = await now.conn.createConfirmChannel();
      c2.on('error', () => {});
      await publish(c2, 'published after the kill');
      const got = [];
      for (let m; (m = await c2.get('orders', { noAck: true })); ) got.push(m.content.toString('utf8'));
      await c2.deleteQueue('orders');
      await now.conn.close();
      console.log(JSON.stringify({ port: now.port, got, failures, seconds: (Date.now() - started) / 1000 }));
      process.exit(0);
    } catch (err) {
      failures++;
      if (now) now.conn.close().catch(() => {});
      now = undefined;
      if (Date.now() - started > 60000) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
})().catch((err) => { console.error(err); process.exit(1); });
