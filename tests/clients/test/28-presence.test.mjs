// Presence with the official client: who is in a room (connections, distinct users, the user list) over the HTTP
// API, and the optional presence events to the room's members.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useServer } from './server.mjs';
import { clientFactory, connect, eventually, record } from './util.mjs';
import { API_KEY, JWT_SECRET, api, deliveredTo, jwt } from './push.mjs';

const server = useServer({
  app: 'outcry',
  args: [`--Outcry:ApiKey=${API_KEY}`, `--Outcry:Auth:JwtSecret=${JWT_SECRET}`, '--Outcry:Presence:Events:0=lot:*'],
});
const make = clientFactory();

const as = (user) => ({ auth: { token: jwt({ sub: user }) } });
const client = (query, extra = {}) => connect(make(`${server.url}${query}`, { transports: ['websocket'], ...extra }));
const presence = async (room, query = '') => {
  const res = await api(server.url, `/api/rooms/${encodeURIComponent(room)}/presence${query}`, undefined, { method: 'GET' });
  assert.equal(res.status, 200, res.text);
  return { ...res.json, users: res.json.users.sort() };
};


const presenceIs = (room, expected) =>
  eventually(async (seen) => {
    const { count, userCount, users } = await presence(room);
    seen({ count, userCount, users });
    return count === expected.count && userCount === expected.userCount && JSON.stringify(users) === JSON.stringify(expected.users);
  }, `presence of ${room} should become ${JSON.stringify(expected)}`);

describe('presence', () => {
  it('counts connections and distinct users: two tabs of one user count once in users', async () => {
    const [tab1, tab2] = [await client('?itemId=lot:1', as('42')), await client('?itemId=lot:1', as('42'))];
    await client('?itemId=lot:1', as('7'));
    await client('?itemId=lot:1'); // anonymous: a connection, no user
    assert.deepStrictEqual(await presence('lot:1'), { room: 'lot:1', namespace: '/', count: 4, userCount: 2, users: ['42', '7'] });

    tab1.disconnect();
    await presenceIs('lot:1', { count: 3, userCount: 2, users: ['42', '7'] });
    tab2.disconnect();
    await presenceIs('lot:1', { count: 2, userCount: 1, users: ['7'] });
  });

  it('follows subscribe and unsubscribe, and a user room counts that user\'s tabs', async () => {
    const [tab1, tab2] = [await client('', as('5')), await client('', as('5'))];
    assert.deepStrictEqual(await presence('user:5'), { room: 'user:5', namespace: '/', count: 2, userCount: 1, users: ['5'] });

    assert.deepStrictEqual(await tab1.emitWithAck('subscribe', { room: 'news' }), { ok: true });
    assert.equal((await presence('news')).count, 1);
    assert.deepStrictEqual(await tab1.emitWithAck('unsubscribe', { room: 'news' }), { ok: true });
    assert.deepStrictEqual(await presence('news'), { room: 'news', namespace: '/', count: 0, userCount: 0, users: [] });
    tab2.disconnect();
    await presenceIs('user:5', { count: 1, userCount: 1, users: ['5'] });
  });

  it('cuts the user list at ?limit= while the counts stay whole', async () => {
    for (const user of ['a', 'b', 'c']) await client('?itemId=lot:3', as(user));
    const { count, userCount, users } = await presence('lot:3', '?limit=2');
    assert.deepStrictEqual([count, userCount, users.length], [3, 3, 2]);
    assert.equal((await presence('lot:3', '?limit=0')).users.length, 0);
  });

  it('sends presence events to a configured room: joined and left once per user, counts on every change', async () => {
    const watcher = make(`${server.url}?itemId=lot:2`, { transports: ['websocket'] });
    const events = record(watcher, 'presence'); // before connecting: its own join event comes right after CONNECT
    await connect(watcher);
    const seen = (n) => eventually(async () => events.length >= n, `${n} presence events expected, got ${JSON.stringify(events)}`);
    await seen(1); // its own join
    const tab1 = await client('?itemId=lot:2', as('42'));
    await seen(2);
    const tab2 = await client('?itemId=lot:2', as('42'));
    await seen(3);
    tab1.disconnect();
    await seen(4);
    tab2.disconnect();
    await seen(5);
    assert.deepStrictEqual(events.map(([e]) => e), [
      { room: 'lot:2', count: 1, userCount: 0 },
      { room: 'lot:2', count: 2, userCount: 1, joined: '42' },
      { room: 'lot:2', count: 3, userCount: 1 },
      { room: 'lot:2', count: 2, userCount: 1 },
      { room: 'lot:2', count: 1, userCount: 0, left: '42' },
    ]);
    assert.ok(events.every((args) => args.length === 1), 'presence events carry no offset: they are not history');
  });

  it('sends no presence events to rooms not configured for them', async () => {
    const watcher = await client('?itemId=quiet');
    await deliveredTo({
      all: [watcher], expected: [], event: 'presence',
      marker: () => api(server.url, '/api/publish', { broadcast: true, event: 'marker' }),
      publish: async () => {
        await client('?itemId=quiet', as('9'));
        await presenceIs('quiet', { count: 2, userCount: 1, users: ['9'] });
      },
    });
  });

  it('refuses a bad limit or room, and a wrong key', async () => {
    const get = (path, opts) => api(server.url, path, undefined, { method: 'GET', ...opts });
    assert.equal((await get('/api/rooms/a/presence?limit=-1')).json.error.message, 'limit must be between 0 and 100000');
    assert.equal((await get(`/api/rooms/${'x'.repeat(300)}/presence`)).status, 400);
    assert.equal((await get('/api/rooms/a/presence', { key: 'wrong' })).status, 401);
  });
});
