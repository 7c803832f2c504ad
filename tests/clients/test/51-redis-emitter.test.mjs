// A backend that pushes with the socket.io Redis emitter (npm @socket.io/redis-emitter, seed 000's socket.io-emitter)
// reaches Outcry's clients unchanged, on every node: to a room, to everyone, in a namespace, with several arguments;
// and socketsJoin, socketsLeave and disconnectSockets act on the clients of every node.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Emitter } from '@socket.io/redis-emitter';
import { createClient } from 'redis';
import { startServer } from './server.mjs';
import { startRedis } from './redis.mjs';
import { clientFactory, connect, eventually, once, recordAll } from './util.mjs';

let redis;
let redisClient;
let emitter;
const nodes = [];
before(async () => {
  redis = await startRedis();
  const args = ['--Outcry:Engine=redis', `--Outcry:Redis:Configuration=${redis.address}`, '--Outcry:Namespaces:0=/', '--Outcry:Namespaces:1=/admin'];
  for (let i = 0; i < 2; i++) nodes.push(await startServer({ app: 'outcry', args }));
  redisClient = createClient({ url: `redis://${redis.address}` });
  await redisClient.connect();
  emitter = new Emitter(redisClient); // the default key, "socket.io"
});
after(async () => {
  await redisClient?.quit();
  for (const node of nodes) await node.stop();
  await redis?.stop();
});
const make = clientFactory();

// Emits `marker` to everyone and waits until every socket has it: what was emitted before has arrived by then.
async function settle(sockets, of = emitter) {
  const markers = sockets.map((s) => once(s, 'marker'));
  of.emit('marker');
  await Promise.all(markers);
}

describe('the socket.io Redis emitter', () => {
  it('emitter.to(room).emit reaches the room on both nodes, and only the room', async () => {
    const [a, b, other] = await Promise.all([
      connect(make(`${nodes[0].url}?itemId=100`)), connect(make(`${nodes[1].url}?itemId=100`)), connect(make(`${nodes[1].url}?itemId=200`)),
    ]);
    const seen = [a, b, other].map(recordAll);
    emitter.to('100').emit('auction', { price: 120, leader: 'ann' });
    await settle([a, b, other]);
    assert.deepStrictEqual(seen[0], [['auction', { price: 120, leader: 'ann' }], ['marker']]);
    assert.deepStrictEqual(seen[1], seen[0]);
    assert.deepStrictEqual(seen[2], [['marker']]);
  });

  it('emitter.emit reaches everyone, with several arguments, except an excepted room', async () => {
    const [a, b, skipped] = await Promise.all([
      connect(make(`${nodes[0].url}`)), connect(make(`${nodes[1].url}`)), connect(make(`${nodes[1].url}?itemId=quiet`)),
    ]);
    const seen = [a, b, skipped].map(recordAll);
    emitter.except('quiet').emit('news', 'closing soon', 3, { lots: [1, 2] });
    await settle([a, b, skipped]);
    assert.deepStrictEqual(seen[0], [['news', 'closing soon', 3, { lots: [1, 2] }], ['marker']]);
    assert.deepStrictEqual(seen[1], seen[0]);
    assert.deepStrictEqual(seen[2], [['marker']]);
  });

  it('emitter.of("/admin") reaches that namespace only', async () => {
    const admin = await connect(make(`${nodes[1].url}/admin`));
    const main = await connect(make(`${nodes[1].url}`));
    const seen = [admin, main].map(recordAll);
    emitter.of('/admin').emit('audit', { by: 'ann' });
    await Promise.all([settle([admin], emitter.of('/admin')), settle([main])]);
    assert.deepStrictEqual(seen[0], [['audit', { by: 'ann' }], ['marker']]);
    assert.deepStrictEqual(seen[1], [['marker']]);
  });

  it('socketsJoin and socketsLeave move the clients of both nodes', async () => {
    const [a, b] = await Promise.all([connect(make(`${nodes[0].url}?itemId=300`)), connect(make(`${nodes[1].url}?itemId=300`))]);
    const seen = [a, b].map(recordAll);
    emitter.in('300').socketsJoin('vip');
    await eventually(async () => {
      emitter.to('vip').emit('vip', 'hello');
      await settle([a, b]);
      return seen.every((s) => s.some(([event]) => event === 'vip'));
    }, 'both clients in vip');

    emitter.in('300').socketsLeave('vip');
    await eventually(async () => {
      seen.forEach((s) => s.splice(0));
      emitter.to('vip').emit('vip', 'again');
      await settle([a, b]);
      return seen.every((s) => !s.some(([event]) => event === 'vip'));
    }, 'both clients out of vip');
  });

  it('disconnectSockets disconnects the selected clients of both nodes, as the server would', async () => {
    const [a, b, stays] = await Promise.all([
      connect(make(`${nodes[0].url}?itemId=400`)), connect(make(`${nodes[1].url}?itemId=400`)), connect(make(`${nodes[1].url}?itemId=401`)),
    ]);
    const gone = [a, b].map((s) => once(s, 'disconnect'));
    emitter.in('400').disconnectSockets();
    for (const [reason] of await Promise.all(gone)) assert.equal(reason, 'io server disconnect');
    assert.equal(stays.connected, true);
  });
});
