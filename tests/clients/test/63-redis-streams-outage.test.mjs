// A site that runs Redis but keeps Outcry's engine in memory: one node reads a stream, and Redis restarts under it
// (SIGKILL, persistent). The consumer reconnects by itself, takes its lease again and goes on where the consumer group
// left off: every entry reaches the client once, in order.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createClient } from 'redis';
import { startServer } from './server.mjs';
import { startRedis } from './redis.mjs';
import { clientFactory, connect, eventually, record } from './util.mjs';
import { oneTo } from './push.mjs';

let redis;
let client;
let node;
before(async () => {
  redis = await startRedis({ persist: true });
  client = createClient({ url: `redis://${redis.address}` });
  client.on('error', () => {}); // it reconnects after the restart
  await client.connect();
  node = await startServer({
    app: 'outcry',
    args: [`--Outcry:Redis:Configuration=${redis.address}`, '--Outcry:Redis:Streams:0:Name=feed',
      '--Outcry:Redis:Streams:0:Event=news', '--Outcry:Redis:Streams:0:Broadcast=true'],
  });
});
after(async () => {
  await client?.quit().catch(() => {});
  await node?.stop();
  await redis?.stop();
});
const make = clientFactory();

it('Redis restarting under a stream consumer: it reconnects and delivers every entry once, in order', async () => {
  const socket = await connect(make(node.url));
  const news = record(socket, 'news');
  for (let n = 1; n <= 50; n++) await client.xAdd('feed', '*', { body: `${n}` });
  await eventually(() => news.length >= 50, 'the first fifty entries', 10_000);

  await redis.stop();
  await redis.start();
  await eventually(() => client.isReady, 'the producer reconnected');
  for (let n = 51; n <= 100; n++) await client.xAdd('feed', '*', { body: `${n}` });
  await eventually(() => news.length >= 100, 'the fifty entries added after the restart', 20_000);
  assert.deepStrictEqual(news.map(([text]) => Number(text)), oneTo(100));
  assert.match(node.logs(), /Redis stream feed: not consuming/, 'the outage was noticed and logged');
});
