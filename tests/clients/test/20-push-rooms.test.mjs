// The push service's rooms with the official client: joined from the query, by subscribe, by the backend;
// private rooms only when authorized; publishing to a room, a user, everyone, with exceptions.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useServer } from './server.mjs';
import { clientFactory, connect, once, TRANSPORTS } from './util.mjs';
import { API_KEY, JWT_SECRET, OFFSET, api, deliveredTo, jwt } from './push.mjs';

const server = useServer({
  app: 'outcry',
  args: [`--Outcry:ApiKey=${API_KEY}`, `--Outcry:Auth:JwtSecret=${JWT_SECRET}`, '--Outcry:Rooms:Private:0=vip:*', '--Outcry:Rooms:MaxPerConnection=4'],
});
const make = clientFactory();

const publish = (body) => api(server.url, '/api/publish', body);
const marker = () => publish({ broadcast: true, event: 'marker' });
const as = (user, rooms) => ({ auth: { token: jwt({ sub: user, rooms }) } });

for (const [name, opts] of Object.entries(TRANSPORTS)) {
  describe(`rooms over ${name}`, () => {
    const client = (query = '', extra = {}) => connect(make(`${server.url}${query}`, { ...opts, ...extra }));

    it('?itemId=100 joins room 100 (seed 000): a publication to 100 reaches it and not a watcher of 200', async () => {
      const [a, b] = await Promise.all([client('?itemId=100'), client('?itemId=200')]);
      const got = await deliveredTo({
        all: [a, b], expected: [a], event: 'auction', marker,
        publish: async () => assert.equal((await publish({ room: '100', event: 'auction', data: { price: 120 } })).status, 200),
      });
      assert.deepStrictEqual(got, [[{ price: 120 }]]);
    });

    it('several query values join several rooms; a room publication reaches each member once', async () => {
      const [a, b] = await Promise.all([client('?room=a&room=b'), client('?room=b')]);
      await deliveredTo({
        all: [a, b], expected: [a, b], event: 'news', marker,
        publish: async () => {
          const { json } = await publish({ rooms: ['a', 'b'], event: 'news' });
          assert.equal(json.ok, true);
          assert.equal(json.recipients, 2);
          assert.match(json.offset, OFFSET);
        },
      });
    });

    it('a query parameter never joins a private room (user:42, vip:1)', async () => {
      const sneaky = await client('?room=user:42&itemId=vip:1');
      const owner = await client('', as('42'));
      await deliveredTo({
        all: [sneaky, owner], expected: [owner], event: 'mail', marker,
        publish: () => publish({ user: '42', event: 'mail', data: 'secret' }),
      });
      await deliveredTo({ all: [sneaky, owner], expected: [], event: 'vip', marker, publish: () => publish({ room: 'vip:1', event: 'vip' }) });
    });

    it('subscribe {room} acks {ok:true} and joins; unsubscribe leaves', async () => {
      const a = await client();
      assert.deepStrictEqual(await a.emitWithAck('subscribe', { room: 'lot:7' }), { ok: true });
      await deliveredTo({ all: [a], expected: [a], event: 'lot', marker, publish: () => publish({ room: 'lot:7', event: 'lot' }) });
      assert.deepStrictEqual(await a.emitWithAck('unsubscribe', { room: 'lot:7' }), { ok: true });
      await deliveredTo({ all: [a], expected: [], event: 'lot', marker, publish: () => publish({ room: 'lot:7', event: 'lot' }) });
    });

    it('subscribe to a private room is refused without a grant, and allowed by the token\'s rooms claim', async () => {
      const anonymous = await client();
      assert.deepStrictEqual(await anonymous.emitWithAck('subscribe', { room: 'vip:1' }), { ok: false, error: "room 'vip:1' is private" });
      assert.deepStrictEqual(await anonymous.emitWithAck('subscribe', { room: 'user:42' }), { ok: false, error: "room 'user:42' is private" });
      assert.deepStrictEqual(await anonymous.emitWithAck('subscribe', { room: '' }), { ok: false, error: 'room must be a non-empty string' });
      const member = await client('', as('7', ['vip:*', 'lobby']));
      assert.deepStrictEqual(await member.emitWithAck('subscribe', 'vip:1'), { ok: true });
      await deliveredTo({
        all: [anonymous, member], expected: [member], event: 'vip', marker,
        publish: () => publish({ room: 'vip:1', event: 'vip' }),
      });
      // exact names in the claim are joined at connect
      await deliveredTo({ all: [anonymous, member], expected: [member], event: 'hi', marker, publish: () => publish({ room: 'lobby', event: 'hi' }) });
    });

    it('a client can subscribe to only so many rooms (Outcry:Rooms:MaxPerConnection, its own id room included)', async () => {
      const a = await client();
      for (const room of ['r1', 'r2', 'r3']) assert.deepStrictEqual(await a.emitWithAck('subscribe', room), { ok: true });
      assert.deepStrictEqual(await a.emitWithAck('subscribe', 'r4'), { ok: false, error: 'a connection may be in at most 4 rooms' });
      assert.deepStrictEqual(await a.emitWithAck('subscribe', 'r3'), { ok: true }, 'a room it is already in is fine');
      assert.deepStrictEqual(await a.emitWithAck('unsubscribe', 'r1'), { ok: true });
      assert.deepStrictEqual(await a.emitWithAck('subscribe', 'r4'), { ok: true });
    });

    it('a private message reaches every connection of that user and no one else', async () => {
      const [tab1, tab2, other, anonymous] = await Promise.all([client('', as('42')), client('', as('42')), client('', as('43')), client()]);
      for (let i = 0; i < 3; i++) {
        const got = await deliveredTo({
          all: [tab1, tab2, other, anonymous], expected: [tab1, tab2], event: 'outbid', marker,
          publish: () => publish({ user: '42', event: 'outbid', data: { lot: 100, i } }),
        });
        assert.deepStrictEqual(got, [[{ lot: 100, i }], [{ lot: 100, i }]]);
      }
      await deliveredTo({
        all: [tab1, tab2, other, anonymous], expected: [tab1, tab2, other], event: 'both', marker,
        publish: async () => assert.equal((await publish({ users: ['42', '43'], event: 'both' })).json.recipients, 3),
      });
    });

    it('broadcast reaches everyone; except leaves out a room or one connection', async () => {
      const [a, b, c] = await Promise.all([client('?room=x'), client('?room=y'), client()]);
      await deliveredTo({ all: [a, b, c], expected: [a, b, c], event: 'all', marker, publish: () => publish({ broadcast: true, event: 'all' }) });
      await deliveredTo({
        all: [a, b, c], expected: [c], event: 'some', marker,
        publish: () => publish({ broadcast: true, event: 'some', except: ['x', b.id] }),
      });
    });

    it('the backend subscribes a user\'s connections to a private room, and unsubscribes them', async () => {
      const [mine, other] = await Promise.all([client('', as('9')), client('', as('10'))]);
      const res = await api(server.url, '/api/subscribe', { user: '9', room: 'vip:9' });
      assert.deepStrictEqual(res.json, { ok: true, connections: 1 });
      await deliveredTo({ all: [mine, other], expected: [mine], event: 'vip', marker, publish: () => publish({ room: 'vip:9', event: 'vip' }) });
      await api(server.url, '/api/unsubscribe', { connection: mine.id, room: 'vip:9' });
      await deliveredTo({ all: [mine, other], expected: [], event: 'vip', marker, publish: () => publish({ room: 'vip:9', event: 'vip' }) });
    });

    it('the backend disconnects a user: each of its connections gets "io server disconnect"', async () => {
      const [mine, other] = await Promise.all([client('', as('11')), client('', as('12'))]);
      const gone = once(mine, 'disconnect');
      const res = await api(server.url, '/api/disconnect', { user: '11' });
      assert.deepStrictEqual(res.json, { ok: true, connections: 1 });
      assert.equal((await gone)[0], 'io server disconnect');
      assert.equal(other.connected, true);
    });
  });
}
