// What three nodes on Redis must do to behave as one, whatever Redis they are on (one server, a cluster): a
// publication through any node reaches the room's clients on every node, in one order; presence and presence events
// count every node; the API's commands act on (and count) the connections of every node.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { connect, eventually } from './util.mjs';
import { JWT_SECRET, api, deliveredTo, jwt } from './push.mjs';

/** What each node needs for these tests beyond joining the cluster. */
export const AS_ONE_ARGS = [`--Outcry:Auth:JwtSecret=${JWT_SECRET}`, '--Outcry:Presence:Events:0=lot:*'];

const publishVia = (node, body) => api(node.url, '/api/publish', body);

/** Defines the tests, in the calling describe, on three started `nodes`; `make` makes a client. */
export function itBehavesAsOne(nodes, make) {
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
}
