// Three Outcry nodes on one real Redis (Outcry:Engine=redis), with the official client: they behave as one to
// clients and to publishers — a publication through any node reaches the room's clients on every node, presence
// counts them all, and a client whose node stops comes back through another and recovers exactly what it missed.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './server.mjs';
import { startFront, startRedis } from './redis.mjs';
import { AS_ONE_ARGS, itBehavesAsOne } from './as-one.mjs';
import { clientFactory, connect, eventually } from './util.mjs';
import { API_KEY, api } from './push.mjs';

let redis;
const nodes = [];
/** A node of the cluster; `extra` for what a test needs beyond joining it. */
const startNode = (extra = []) => startServer({
  app: 'outcry',
  args: [`--Outcry:ApiKey=${API_KEY}`, '--Outcry:Engine=redis', `--Outcry:Redis:Configuration=${redis.address}`, ...extra],
});
before(async () => {
  redis = await startRedis();
  for (let i = 0; i < 3; i++) nodes.push(await startNode(AS_ONE_ARGS));
});
after(async () => {
  for (const node of nodes) await node.stop();
  await redis?.stop();
});
const make = clientFactory();
const publishVia = (node, body) => api(node.url, '/api/publish', body);

describe('three nodes on one Redis', () => {
  itBehavesAsOne(nodes, make);

  it('a client whose node stops comes back through another node and recovers exactly what it missed', async () => {
    let target = nodes[1].port;
    const front = await startFront(() => target); // as a load balancer: new connections go to `target`
    try {
      const client = make(`${front.url}?itemId=500`, { transports: ['websocket'] });
      const bids = [];
      client.on('bid', (n) => bids.push(n));
      await connect(client);
      await publishVia(nodes[2], { room: '500', event: 'bid', data: 1 });
      await eventually(() => bids.length === 1, 'the first bid');

      target = nodes[0].port;
      await nodes[1].stop();
      for (let n = 2; n <= 5; n++) await publishVia(nodes[2], { room: '500', event: 'bid', data: n });
      await eventually((saw) => saw({ connected: client.connected, bids, recovered: client.recovered }) && client.connected && bids.length >= 5, 'the client is back with every bid');
      assert.equal(client.recovered, true, 'the session was recovered on another node');
      assert.deepStrictEqual(bids, [1, 2, 3, 4, 5]);
    } finally {
      await front.close();
    }
  });

  it('a client whose node crashes comes back through another node and recovers exactly what it missed', async () => {
    const doomed = await startNode();
    let target = doomed.port;
    const front = await startFront(() => target);
    try {
      const client = make(`${front.url}?itemId=900`, { transports: ['websocket'] });
      const bids = [];
      client.on('bid', (n) => bids.push(n));
      await connect(client);
      await client.emitWithAck('subscribe', { room: 'lot:900' }); // a room joined after connecting
      await publishVia(nodes[2], { rooms: ['900', 'lot:900'], event: 'bid', data: 1 });
      await eventually(() => bids.length === 1, 'the first bid');

      target = nodes[0].port;
      await doomed.kill(); // SIGKILL: it saves nothing
      await publishVia(nodes[2], { room: '900', event: 'bid', data: 2 });
      await publishVia(nodes[2], { room: 'lot:900', event: 'bid', data: 3 });
      await eventually(() => client.connected && bids.length >= 3, 'the client is back with every bid');
      assert.equal(client.recovered, true, 'the live session was restored on another node');
      assert.deepStrictEqual(bids, [1, 2, 3]);
    } finally {
      await front.close();
      await doomed.stop();
    }
  });
});

// Last: it stops Redis.
describe('when Redis goes away', () => {
  it('publishing answers 503 (never accepted and lost), /readyz says so; both come back with Redis, its loss told to clients', async () => {
    const client = await connect(make(`${nodes[0].url}?itemId=600`));
    const bids = [];
    client.on('bid', (n) => bids.push(n));
    let connects = 0;
    client.on('connect', () => connects++);
    await redis.stop();

    const refused = await publishVia(nodes[0], { room: '600', event: 'bid', data: 1 });
    assert.equal(refused.status, 503);
    assert.equal(refused.json.error.code, 'unavailable');
    const ready = await fetch(`${nodes[0].url}/readyz`);
    assert.deepStrictEqual([ready.status, await ready.text()], [503, 'redis unreachable']);

    await redis.start();
    await eventually(async () => (await fetch(`${nodes[0].url}/readyz`)).status === 200, 'the node is ready again', 20_000);
    // This Redis keeps nothing across a restart: a new epoch, so the node has its clients reconnect, and they learn
    // that what they might have missed is gone.
    await eventually(() => connects === 1 && client.connected, 'the client reconnected', 20_000);
    assert.equal(client.recovered, false);
    await eventually(async () => (await publishVia(nodes[0], { room: '600', event: 'bid', data: 2 })).status === 200, 'publishing works again', 20_000);
    await eventually(() => bids.includes(2), 'the client gets what was published after Redis came back', 20_000);
    assert.ok(!bids.includes(1), 'the refused publication was not delivered');
  });
});


describe('a node started while Redis is down', () => {
  it('starts, says it is not ready, serves clients, and joins in once Redis is up', async () => {
    await redis.stop();
    const late = await startNode();
    try {
      const ready = await fetch(`${late.url}/readyz`);
      assert.equal(ready.status, 503);
      const client = await connect(make(`${late.url}?itemId=800`)); // without recovery, but connected
      const bids = [];
      client.on('bid', (n) => bids.push(n));
      assert.equal((await publishVia(late, { room: '800', event: 'bid', data: 1 })).status, 503);

      await redis.start();
      await eventually(async () => (await fetch(`${late.url}/readyz`)).status === 200, 'the node is ready once Redis is up', 20_000);
      // Published through another node: the late node subscribed on its own once Redis was reachable.
      await eventually(async () => {
        await publishVia(nodes[0], { room: '800', event: 'bid', data: 2 });
        return bids.includes(2);
      }, 'the late node delivers what other nodes publish', 20_000);
      assert.ok(!bids.includes(1));
    } finally {
      await late.stop();
    }
  });
});
