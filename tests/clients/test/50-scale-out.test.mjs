// Three Outcry nodes on one real Redis (Outcry:Engine=redis), with the official client: they behave as one to
// clients and to publishers — a publication through any node reaches the room's clients on every node, presence
// counts them all, and a client whose node stops comes back through another and recovers exactly what it missed.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer } from './server.mjs';
import { startFront, startRedis } from './redis.mjs';
import { clientFactory, connect, eventually } from './util.mjs';
import { API_KEY, JWT_SECRET, api, deliveredTo, jwt } from './push.mjs';

let redis;
const nodes = [];
/** A node of the cluster; `extra` for what a test needs beyond joining it. */
const startNode = (extra = []) => startServer({
  app: 'outcry',
  args: [`--Outcry:ApiKey=${API_KEY}`, '--Outcry:Engine=redis', `--Outcry:Redis:Configuration=${redis.address}`, ...extra],
});
before(async () => {
  redis = await startRedis();
  for (let i = 0; i < 3; i++) nodes.push(await startNode([`--Outcry:Auth:JwtSecret=${JWT_SECRET}`, '--Outcry:Presence:Events:0=lot:*']));
});
after(async () => {
  for (const node of nodes) await node.stop();
  await redis?.stop();
});
const make = clientFactory();
const publishVia = (node, body) => api(node.url, '/api/publish', body);

describe('three nodes on one Redis', () => {
  it('a publication through node 3 reaches the room on nodes 1 and 2, once each, with one offset', async () => {
    const a = await connect(make(`${nodes[0].url}?itemId=100`));
    const b = await connect(make(`${nodes[1].url}?itemId=100`));
    const other = await connect(make(`${nodes[1].url}?itemId=200`));
    const got = await deliveredTo({
      all: [a, b, other], expected: [a, b], event: 'auction',
      marker: () => publishVia(nodes[2], { broadcast: true, event: 'marker' }),
      publish: async () => {
        const { status, json } = await publishVia(nodes[2], { room: '100', event: 'auction', data: { price: 120 } });
        assert.equal(status, 200);
        assert.equal(json.recipients, 0, 'recipients counts the publishing node\'s own connections');
      },
    });
    assert.deepStrictEqual(got, [[{ price: 120 }], [{ price: 120 }]]);
    assert.equal(got.offsets[0], got.offsets[1]);
  });

  it('publications from several nodes reach every client in one order', async () => {
    const clients = await Promise.all(nodes.map((n) => connect(make(`${n.url}?itemId=300`))));
    const seen = clients.map(() => []);
    clients.forEach((c, i) => c.on('bid', (n) => seen[i].push(n)));
    for (let n = 0; n < 30; n++) {
      assert.equal((await publishVia(nodes[n % 3], { room: '300', event: 'bid', data: n })).status, 200);
    }
    await eventually(() => seen.every((s) => s.length === 30), 'every client has the 30 bids');
    // Each node published its own in turn, so the one order is the order they were published in.
    for (const s of seen) assert.deepStrictEqual(s, [...Array(30).keys()]);
  });

  it('presence counts the room\'s connections on every node', async () => {
    await Promise.all([connect(make(`${nodes[0].url}?itemId=400`)), connect(make(`${nodes[1].url}?itemId=400`))]);
    await eventually(async (saw) => saw((await api(nodes[2].url, '/api/rooms/400/presence', undefined, { method: 'GET' })).json)?.count === 2,
      'presence through node 3 counts the connections of nodes 1 and 2');
  });

  it('presence events reach the room\'s members on every node', async () => {
    const watcher = await connect(make(`${nodes[0].url}?itemId=lot:9`));
    const events = [];
    watcher.on('presence', (p) => events.push(p));
    await connect(make(`${nodes[1].url}?itemId=lot:9`, { auth: { token: jwt({ sub: 'ann' }) } }));
    await eventually(() => events.some((p) => p.joined === 'ann' && p.count === 2), 'node 1\'s client hears ann join on node 2');
  });

  it('the API\'s subscribe and disconnect through node 3 act on the user\'s connections on every node', async () => {
    const as = { auth: { token: jwt({ sub: 'bob' }) } };
    const [tab1, tab2] = await Promise.all([connect(make(nodes[0].url, as)), connect(make(nodes[1].url, as))]);
    const { json } = await api(nodes[2].url, '/api/subscribe', { user: 'bob', room: 'vip:1' });
    assert.deepStrictEqual(json, { ok: true, connections: 2 });
    await deliveredTo({
      all: [tab1, tab2], expected: [tab1, tab2], event: 'vip',
      marker: () => publishVia(nodes[2], { broadcast: true, event: 'marker' }),
      publish: () => publishVia(nodes[2], { room: 'vip:1', event: 'vip' }),
    });

    const gone = [tab1, tab2].map((s) => new Promise((r) => s.once('disconnect', r)));
    assert.deepStrictEqual((await api(nodes[2].url, '/api/disconnect', { user: 'bob' })).json, { ok: true, connections: 2 });
    assert.deepStrictEqual(await Promise.all(gone), ['io server disconnect', 'io server disconnect']);
  });

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
  it('publishing answers 503 (never accepted and lost), /readyz says so, and both come back with Redis', async () => {
    const client = await connect(make(`${nodes[0].url}?itemId=600`));
    const bids = [];
    client.on('bid', (n) => bids.push(n));
    await redis.stop();

    const refused = await publishVia(nodes[0], { room: '600', event: 'bid', data: 1 });
    assert.equal(refused.status, 503);
    assert.equal(refused.json.error.code, 'unavailable');
    const ready = await fetch(`${nodes[0].url}/readyz`);
    assert.deepStrictEqual([ready.status, await ready.text()], [503, 'redis unreachable']);

    await redis.start();
    await eventually(async () => (await fetch(`${nodes[0].url}/readyz`)).status === 200, 'the node is ready again', 20_000);
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
