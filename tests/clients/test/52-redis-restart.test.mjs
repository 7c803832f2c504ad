// Redis failing under the nodes. Restarting in the middle of a stream of publications (persistent Redis, killed with
// SIGKILL), and later the nodes' subscriptions cut while publishing goes on: nothing that Outcry acknowledged is lost.
// A publication made while Redis is down is refused (503), never acknowledged and lost; the backend retries it, as it
// would, and the client on another node gets every acknowledged one, in order. Losing its data: see the last test.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './server.mjs';
import { startRedis } from './redis.mjs';
import { clientFactory, connect, dropLink, eventually, once, recordAll } from './util.mjs';
import { API_KEY, api } from './push.mjs';

let redis;
const nodes = [];
before(async () => {
  redis = await startRedis({ persist: true });
  const args = [`--Outcry:ApiKey=${API_KEY}`, '--Outcry:Engine=redis', `--Outcry:Redis:Configuration=${redis.address}`];
  for (let i = 0; i < 2; i++) nodes.push(await startServer({ app: 'outcry', args }));
});
after(async () => {
  for (const node of nodes) await node.stop();
  await redis?.stop();
});
const make = clientFactory();

it('a Redis restart and a dropped subscription mid-stream lose nothing acknowledged', async () => {
  const client = await connect(make(`${nodes[0].url}?itemId=700`, { transports: ['websocket'] }));
  const received = [];
  client.on('bid', (n) => received.push(n));

  const acknowledged = [];
  let refused = 0;
  let restarted;
  for (let n = 1; n <= 120; n++) {
    if (n === 40) {
      await redis.stop(); // SIGKILL, in the middle of the stream
      restarted = new Promise((r) => setTimeout(r, 300)).then(() => redis.start());
    }
    if (n === 80) {
      // Only the nodes' subscriptions drop: publishing goes on while node 1 is not listening.
      await restarted;
      await redis.command('CLIENT', 'KILL', 'TYPE', 'pubsub');
    }
    for (;;) {
      const { status } = await api(nodes[1].url, '/api/publish', { room: '700', event: 'bid', data: n }).catch(() => ({ status: 0 }));
      if (status === 200) break;
      assert.equal(status, 503, 'a publication Redis cannot take is refused with 503');
      refused++;
      await new Promise((r) => setTimeout(r, 50)); // the backend's retry back-off
    }
    acknowledged.push(n);
  }

  await restarted;
  assert.ok(refused > 0, 'the restart was in the middle of the stream');
  await eventually(() => acknowledged.every((n) => received.includes(n)), 'the client has every acknowledged publication', 20_000);
  // A retried publication may have been kept the first time too (its answer was lost): at least once, in order.
  const firsts = received.filter((n, i) => received.indexOf(n) === i);
  assert.deepStrictEqual(firsts, acknowledged);
});

// Redis lost everything (FLUSHALL, as a restart without persistence): the history starts a new epoch. Every client's
// offset is of the old one, and what was in flight is gone: a connected client is made to reconnect and is told
// (recovered === false) with the current state, as is one that had dropped meanwhile; both then go on receiving.
it('after Redis lost its data, clients are told (recovered === false), get the current state and go on receiving', async () => {
  const publish = (body) => api(nodes[1].url, '/api/publish', body);
  const staying = await connect(make(`${nodes[0].url}?itemId=800`, { transports: ['websocket'] }));
  const dropping = await connect(make(`${nodes[0].url}?itemId=800`, { transports: ['websocket'] }));
  const [lots, live] = [[], []];
  staying.on('lot', (lot) => lots.push(lot.price));
  staying.on('live', (n) => live.push(n));
  for (let price = 1; price <= 3; price++) assert.equal((await publish({ room: '800', event: 'lot', key: 'lot', data: { price } })).status, 200);
  await eventually(() => lots.length === 3, 'the first three prices');

  const back = await dropLink(dropping);
  const reconnected = once(staying, 'connect', 10_000);
  await redis.command('FLUSHALL');
  assert.equal((await publish({ room: '800', event: 'lot', key: 'lot', data: { price: 4 } })).status, 200);
  await reconnected;
  assert.equal(staying.recovered, false, 'the connected client learns that its offset is of a lost history');
  await eventually(() => lots.length === 4, 'the current price reaches the connected client');
  assert.deepStrictEqual(lots, [1, 2, 3, 4]);

  const events = recordAll(dropping);
  await back();
  assert.equal(dropping.recovered, false);
  await publish({ room: '800', event: 'live', data: 1 });
  await eventually(() => events.some(([e]) => e === 'live') && live.length === 1, 'the live event reaches both');
  assert.deepStrictEqual(events.map((e) => e.slice(0, 2)), [['lot', { price: 4 }], ['live', 1]], 'the current state, then live');
});
