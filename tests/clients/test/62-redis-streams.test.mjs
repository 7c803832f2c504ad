// Publishing through Redis streams (a real redis-server): entries are envelopes or plain bodies, read through a
// consumer group by one node at a time, in order; poison entries go to the dead-letter stream with the reason; and
// when the reading node dies mid-stream, another takes over its lease and its unacked entries, delivering every
// entry once (an entry's id is its publication id), in order.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { startServer } from './server.mjs';
import { startRedis } from './redis.mjs';
import { clientFactory, connect, eventually, once, record } from './util.mjs';
import { oneTo, queueLag } from './push.mjs';

let redis;
let client;
let engine;
const streams = ['--Outcry:Redis:Streams:0:Name=outcry:publish', '--Outcry:Redis:Streams:1:Name=lots', '--Outcry:Redis:Streams:1:Event=lot'];
const nodes = [];
before(async () => {
  redis = await startRedis();
  client = createClient({ url: `redis://${redis.address}` });
  await client.connect();
  engine = ['--Outcry:Engine=redis', `--Outcry:Redis:Configuration=${redis.address}`];
  for (let i = 0; i < 2; i++) nodes.push(await startServer({ app: 'outcry', args: [...engine, ...streams] }));
  await eventually(async () => (await Promise.all(nodes.map((n) => lag(n, 'lots')))).some((l) => l >= 0), 'a node reading the streams', 20_000);
});
after(async () => {
  await client?.quit();
  for (const node of nodes) await node.stop();
  await redis?.stop();
});
const make = clientFactory();

const lag = (node, stream) => queueLag(node, 'redis', stream);
const xadd = (stream, fields) => client.xAdd(stream, '*', fields);

describe('Redis streams', () => {
  it('envelopes reach only their room, each room in the order of the stream, on every node', async () => {
    const [a, b] = await Promise.all([make(`${nodes[0].url}?itemId=s1`), make(`${nodes[1].url}?itemId=s2`)].map((s) => connect(s)));
    const [inA, inB] = [record(a, 'bid'), record(b, 'bid')];
    for (let n = 1; n <= 200; n++) await xadd('outcry:publish', { body: JSON.stringify({ room: n % 2 ? 's1' : 's2', event: 'bid', data: n }) });

    const odd = Array.from({ length: 100 }, (_, i) => 2 * i + 1);
    await eventually(() => inA.length >= 100 && inB.length >= 100, 'both rooms have their hundred bids', 10_000);
    assert.deepStrictEqual(inA.map(([n]) => n), odd);
    assert.deepStrictEqual(inB.map(([n]) => n), odd.map((n) => n + 1));
  });

  it("plain bodies: JSON or text by content_type, to the entry's room", async () => {
    const socket = await connect(make(`${nodes[0].url}?itemId=100`));
    const lots = record(socket, 'lot');
    await xadd('lots', { room: '100', content_type: 'application/json', body: JSON.stringify({ price: 5, 比如: '中文' }) });
    await xadd('lots', { room: '100', body: 'sold' });
    await xadd('lots', { room: '101', body: 'elsewhere' });
    await eventually(() => lots.length >= 2, 'both lots');
    assert.deepStrictEqual(lots.map(([d]) => d), [{ price: 5, 比如: '中文' }, 'sold']);
  });

  it('poison entries go to the dead-letter stream with the reason; the stream goes on', async () => {
    const socket = await connect(make(`${nodes[1].url}?itemId=p2`));
    const bids = record(socket, 'bid');
    const poison = [
      [{ body: '{"room":' }, 'the body is not valid JSON'],
      [{ body: JSON.stringify({ room: 'p2' }) }, 'event is required'],
      [{ envelope: '{}' }, "the entry has no 'body' field"],
    ];
    for (const [fields] of poison) await xadd('outcry:publish', fields);
    await xadd('outcry:publish', { body: JSON.stringify({ room: 'p2', event: 'bid', data: 'after the poison' }) });

    await once(socket, 'bid', 10_000);
    assert.deepStrictEqual(bids.map(([d]) => d), ['after the poison']);
    const dead = await client.xRange('outcry:publish:dead', '-', '+');
    assert.equal(dead.length, poison.length);
    poison.forEach(([fields, reason], i) => {
      const entry = dead[i].message;
      assert.ok(entry.reason.includes(reason), `${entry.reason} says ${reason}`);
      assert.equal(entry.stream, 'outcry:publish');
      for (const [name, value] of Object.entries(fields)) assert.equal(entry[name], value, 'the original fields are kept');
    });
  });

  it('the reading node killed mid-stream: the other takes over, every entry delivered once, in order', async () => {
    const reading = (await lag(nodes[0], 'outcry:publish')) >= 0 ? 0 : 1;
    const other = nodes[1 - reading];
    const socket = await connect(make(`${other.url}?itemId=k1`, { transports: ['websocket'] }));
    const bids = record(socket, 'bid');

    const producing = (async () => {
      for (let n = 1; n <= 600; n++) {
        await xadd('outcry:publish', { body: JSON.stringify({ room: 'k1', event: 'bid', data: n }) });
        if (n % 10 === 0) await new Promise((r) => setTimeout(r, 5)); // the producer's pace
      }
    })();
    await eventually(() => bids.length >= 100, 'the first hundred bids', 20_000);
    await nodes[reading].kill();
    await producing;
    await eventually(() => bids.length >= 600, 'all 600 bids once the lease passed to the other node', 40_000);
    assert.deepStrictEqual(bids.map(([n]) => n), oneTo(600));
    await eventually(async () => (await lag(other, 'outcry:publish')) >= 0, 'the other node reporting its lag');
  });

  it('no node reading: entries wait in the stream, and a node started later delivers them once, in order', async () => {
    const viewer = await startServer({ app: 'outcry', args: engine }); // serves clients, reads no stream
    nodes.push(viewer);
    const socket = await connect(make(`${viewer.url}?itemId=w1`, { transports: ['websocket'] }));
    const bids = record(socket, 'bid');
    for (const node of nodes.slice(0, 2)) await node.kill();
    for (let n = 1; n <= 100; n++) await xadd('outcry:publish', { body: JSON.stringify({ room: 'w1', event: 'bid', data: n }) });

    nodes.push(await startServer({ app: 'outcry', args: [...engine, ...streams] })); // once the dead node's lease expires
    await eventually(() => bids.length >= 100, 'the hundred entries written while no node read', 30_000);
    assert.deepStrictEqual(bids.map(([n]) => n), oneTo(100));
  });
});
