// At least once, delivered once: Outcry consumes RabbitMQ queues while its nodes die. Killed mid-stream (SIGKILL), a
// node's unacked messages wait in the queue with the ones sent while it is down; restarted, it publishes them all,
// and the ids make the redelivered ones that were already published harmless. With two nodes on one queue, one
// consumes (an exclusive consumer) and the other takes over when it dies. Nodes share a Redis engine, so the client
// on a surviving node gets every message, once, in order; and while Redis itself is away, the message in hand is
// retried and the queue waits.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './server.mjs';
import { startRedis } from './redis.mjs';
import { producer, startRabbitMq } from './rabbitmq.mjs';
import { clientFactory, connect, eventually, record } from './util.mjs';
import { oneTo, queueLag } from './push.mjs';

let redis;
let rabbit;
let send;
let common;
before(async () => {
  [redis, rabbit] = await Promise.all([startRedis({ persist: true }), startRabbitMq()]);
  common = ['--Outcry:Engine=redis', `--Outcry:Redis:Configuration=${redis.address}`, `--Outcry:RabbitMq:Uri=${rabbit.url}`];
  send = await producer(rabbit);
});
after(async () => {
  await send?.close().catch(() => {});
  for (const node of started) await node.stop();
  await Promise.all([redis?.stop(), rabbit?.stop()]);
});
const make = clientFactory();
const started = [];
async function startNode(...queues) {
  const node = await startServer({ app: 'outcry', args: [...common, ...queues.flatMap((q, i) => [`--Outcry:RabbitMq:Queues:${i}:Name=${q}`])] });
  started.push(node);
  return node;
}

const lag = (node, queue) => queueLag(node, 'rabbitmq', queue);

// Sends bids 1..count to `queue`, each with its id, paced so that a node dies in the middle of the stream.
async function produce(queue, room, count) {
  for (let n = 1; n <= count; n++) {
    await send.send(queue, { room, event: 'bid', data: n, id: `${queue}-${n}` });
    if (n % 10 === 0) await new Promise((r) => setTimeout(r, 5)); // the producer's pace
  }
}

it('a consumer killed mid-stream and restarted: every message delivered once, in order', async () => {
  const [viewer, consumer] = [await startNode(), await startNode('bids')];
  await eventually(async () => (await lag(consumer, 'bids')) >= 0, 'the node consuming bids', 20_000);
  const client = await connect(make(`${viewer.url}?itemId=r1`, { transports: ['websocket'] }));
  const bids = record(client, 'bid');

  const producing = produce('bids', 'r1', 600);
  await eventually(() => bids.length >= 100, 'the first hundred bids', 20_000);
  await consumer.kill();
  const atKill = bids.length;
  await producing; // the rest waits in the queue
  assert.ok(atKill < 600, `killed mid-stream (after ${atKill})`);

  const restarted = await startNode('bids');
  await eventually(() => bids.length >= 600, 'all 600 bids after the restart', 30_000);
  assert.deepStrictEqual(bids.map(([n]) => n), oneTo(600));
  await eventually(async () => (await lag(restarted, 'bids')) === 0, 'the queue drained');
});

it('two nodes on one queue: one consumes, the other takes over when it dies, and nothing is doubled', async () => {
  const [first, second] = [await startNode('bids.ha'), await startNode('bids.ha')];
  let active;
  await eventually(async () => {
    const [a, b] = [await lag(first, 'bids.ha'), await lag(second, 'bids.ha')];
    active = a >= 0 ? first : second;
    return (a >= 0) !== (b >= 0);
  }, 'exactly one node consuming', 20_000);
  const standby = active === first ? second : first;
  const client = await connect(make(`${standby.url}?itemId=r2`, { transports: ['websocket'] }));
  const bids = record(client, 'bid');

  const producing = produce('bids.ha', 'r2', 600);
  await eventually(() => bids.length >= 100, 'the first hundred bids', 20_000);
  await active.kill();
  await producing;
  await eventually(() => bids.length >= 600, 'all 600 bids through the standby', 30_000);
  assert.deepStrictEqual(bids.map(([n]) => n), oneTo(600));
  assert.ok((await lag(standby, 'bids.ha')) >= 0, 'the standby consumes now');
});

it('Redis (the engine) away mid-stream: the message in hand is retried, the queue waits, nothing is lost or doubled', async () => {
  const [viewer, consumer] = [await startNode(), await startNode('bids.retry')];
  await eventually(async () => (await lag(consumer, 'bids.retry')) >= 0, 'the node consuming bids.retry', 20_000);
  const client = await connect(make(`${viewer.url}?itemId=r3`, { transports: ['websocket'] }));
  const bids = record(client, 'bid');

  const producing = produce('bids.retry', 'r3', 300);
  await eventually(() => bids.length >= 50, 'the first fifty bids', 20_000);
  await redis.stop(); // SIGKILL; every acknowledged write is in its append-only file
  await eventually(async () => /outcry_queue_retries_total\{transport="rabbitmq",queue="bids.retry"\} [1-9]/.test(await (await fetch(`${consumer.url}/metrics`)).text()),
    'the consumer retrying while Redis is away', 10_000);
  await redis.start();
  await producing;
  await eventually(() => bids.length >= 300, 'all 300 bids once Redis is back', 30_000);
  assert.deepStrictEqual(bids.map(([n]) => n), oneTo(300));
});
