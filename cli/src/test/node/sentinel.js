// Follows a failover of `scale up redis --replicas 1 --sentinels 3` as a Node.js program would, from the contract
// alone: ioredis's Sentinel support with REDIS_SENTINELS, REDIS_SENTINEL_MASTER and REDIS_PASSWORD (the Sentinels take
// it too), and REDIS_HOST_MAP as its natMap (the Sentinels name members by their host names on the instance's network).
// Writes `before`, prints {"ready":…}, waits for a line on stdin (the test kills the primary meanwhile), then writes
// `after` until that works again and prints what it saw as one JSON line.
'use strict';
const Redis = require('ioredis');
const readline = require('readline');

const natMap = {};
for (const pair of process.env.REDIS_HOST_MAP.split(',')) {
  const [from, to] = pair.split('=');
  const [host, port] = to.split(':');
  natMap[from] = { host, port: Number(port) };
}
const sentinels = process.env.REDIS_SENTINELS.split(',').map((hp) => {
  const [host, port] = hp.split(':');
  return { host, port: Number(port) };
});
const password = process.env.REDIS_PASSWORD;
const redis = new Redis({
  sentinels, name: process.env.REDIS_SENTINEL_MASTER, password, sentinelPassword: password, natMap,
  connectTimeout: 1000, maxRetriesPerRequest: 1, enableOfflineQueue: true,
});
redis.on('error', () => {}); // a failover's refused connections: the loop below retries and counts them

async function primaryName() {
  const sentinel = new Redis({ ...sentinels[0], password });
  const [host] = await sentinel.sentinel('get-master-addr-by-name', process.env.REDIS_SENTINEL_MASTER);
  sentinel.disconnect();
  return host;
}

(async () => {
  await redis.set('before', 'written before the kill');
  await redis.wait(1, 2000);
  console.log(JSON.stringify({ ready: await primaryName() }));
  await new Promise((resolve) => readline.createInterface({ input: process.stdin }).once('line', resolve));
  const started = Date.now();
  let failures = 0;
  for (;;) {
    try {
      await redis.set('after', 'written after the kill');
      break;
    } catch (e) {
      failures++;
      if (Date.now() - started > 60000) throw e;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  const result = { before: await redis.get('before'), after: await redis.get('after'), failures,
    seconds: (Date.now() - started) / 1000, primary: await primaryName() };
  console.log(JSON.stringify(result));
  redis.disconnect();
  process.exit(0);
})().catch((e) => { console.error(e.stack || String(e)); process.exit(1); });
