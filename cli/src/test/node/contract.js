// Reads scale's connection contract as a Node.js program would: DATABASE_URL and the PG* variables with
// node-postgres, REDIS_URL with node-redis, MEMCACHED_HOST/PORT over a plain socket (memcached's text protocol).
// Round-trips a non-ASCII text through each and prints what came back as one JSON line.
'use strict';
const net = require('net');
const { Client } = require('pg');
const { createClient } = require('redis');

const text = process.argv[2];

async function postgres() {
  const byUrl = new Client({ connectionString: process.env.DATABASE_URL });
  await byUrl.connect();
  const encoding = (await byUrl.query('SHOW server_encoding')).rows[0].server_encoding;
  const row = (await byUrl.query('SELECT $1::text AS t, upper($1::text) AS u, length($1::text) AS n', [text])).rows[0];
  await byUrl.end();
  const byVariables = new Client(); // PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE
  await byVariables.connect();
  const database = (await byVariables.query('SELECT current_database() AS d')).rows[0].d;
  await byVariables.end();
  return { encoding, text: row.t, upper: row.u, length: Number(row.n), database };
}

async function redis() {
  const client = createClient({ url: process.env.REDIS_URL });
  await client.connect();
  await client.set('contract', text);
  const back = await client.get('contract');
  await client.quit();
  return { text: back };
}

function memcached() {
  return new Promise((resolve, reject) => {
    const value = Buffer.from(text, 'utf8');
    const socket = net.connect(Number(process.env.MEMCACHED_PORT), process.env.MEMCACHED_HOST);
    let got = Buffer.alloc(0);
    socket.on('connect', () => {
      socket.write(Buffer.concat([Buffer.from(`set contract 0 60 ${value.length}\r\n`), value, Buffer.from('\r\nget contract\r\n')]));
    });
    socket.on('data', (chunk) => {
      got = Buffer.concat([got, chunk]);
      const s = got.toString('utf8');
      if (s.endsWith('END\r\n')) {
        socket.end();
        const m = /VALUE contract \d+ (\d+)\r\n/.exec(s);
        if (!m) { reject(new Error('memcached answered ' + JSON.stringify(s))); return; }
        const start = got.indexOf('\r\n', got.indexOf('VALUE')) + 2;
        resolve({ text: got.subarray(start, start + Number(m[1])).toString('utf8') });
      }
    });
    socket.on('error', reject);
  });
}

(async () => {
  const out = { postgres: await postgres(), redis: await redis(),
    locale: { LC_ALL: process.env.LC_ALL ?? null, LC_CTYPE: process.env.LC_CTYPE ?? null } };
  if (process.env.MEMCACHED_PORT) {
    out.memcached = await memcached();
  }
  console.log(JSON.stringify(out));
})().catch((e) => { console.error('contract.js: ' + e.message); process.exit(1); });
