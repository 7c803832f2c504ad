// Server-Sent Events: the stream's exact format, resuming with Last-Event-ID, the current state on a fresh start,
// rooms, authentication and presence, read with a raw reader that sees every field.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useServer } from './server.mjs';
import { API_KEY, JWT_SECRET, OFFSET, api, jwt } from './push.mjs';
import { SseStream } from './sse.mjs';

const server = useServer({
  app: 'outcry',
  args: [`--Outcry:ApiKey=${API_KEY}`, `--Outcry:Auth:JwtSecret=${JWT_SECRET}`, '--Outcry:Rooms:Private:0=vip:*', '--Outcry:Sse:KeepAlive=00:00:00.300'],
});

const publish = async (body) => {
  const res = await api(server.url, '/api/publish', body);
  assert.equal(res.status, 200, res.text);
  return res.json;
};
const sse = (query, opts) => SseStream.open(`${server.url}/sse${query}`, opts);

/** Publishes a broadcast marker and returns the stream's events before it (the marker proves nothing else is coming). */
async function eventsUntilMarker(stream) {
  const name = `marker-${Math.random()}`;
  await publish({ broadcast: true, event: name });
  await stream.take(1, (m) => m.event === name);
  const all = stream.events;
  return all.slice(all.findIndex((m) => m.event === 'connect') + 1, all.findIndex((m) => m.event === name)).filter((m) => !m.event.startsWith('marker-'));
}

const view = (m) => ({ id: m.id, event: m.event, data: m.json });

describe('server-sent events', () => {
  it('streams text/event-stream: retry, a connect event with an offset id, the current state without id, then live events with their offsets', async () => {
    await publish({ room: 'sse:1', event: 'lot', key: 'lot', data: { price: 100 } });
    const stream = await sse('?room=sse:1');
    assert.equal(stream.status, 200);
    assert.match(stream.response.headers.get('content-type'), /^text\/event-stream/);
    assert.equal(stream.response.headers.get('cache-control'), 'no-cache, no-transform');

    const [connect] = await stream.take(1);
    assert.equal(stream.messages[0].retry, '2000', 'the first message sets the reconnection delay');
    assert.equal(connect.event, 'connect');
    assert.match(connect.id, OFFSET);
    assert.deepStrictEqual(connect.json, { recovered: false, rooms: ['sse:1'] });

    const live = await publish({ room: 'sse:1', event: 'bid', data: { price: 110, note: 'two\nlines' } });
    await publish({ room: 'elsewhere', event: 'bid', data: 'not for us' });
    await publish({ room: 'sse:1', event: 'typing', volatile: true });
    assert.deepStrictEqual((await eventsUntilMarker(stream)).map(view), [
      { id: undefined, event: 'lot', data: { price: 100 } },
      { id: live.offset, event: 'bid', data: { price: 110, note: 'two\nlines' } },
      { id: undefined, event: 'typing', data: null },
    ]);
  });

  for (const how of ['Last-Event-ID header', '?lastEventId=']) {
    it(`resumes exactly with the ${how}: every missed event once, in order, and no state snapshot`, async () => {
      await publish({ room: 'sse:2', event: 'lot', key: 'lot', data: { price: 1 } });
      const first = await sse('?room=sse:2&room=sse:3');
      await first.take(1);
      const seen = await publish({ rooms: ['sse:2', 'sse:3'], event: 'bid', data: 0 });
      await first.take(1, (m) => m.id === seen.offset);
      first.close();

      const missed = [];
      for (let i = 1; i <= 3; i++) missed.push(await publish({ room: i === 2 ? 'sse:3' : 'sse:2', event: 'bid', data: i }));
      await publish({ room: 'sse:other', event: 'bid', data: 'not for us' });

      const resumed = how === '?lastEventId='
        ? await sse(`?room=sse:2&room=sse:3&lastEventId=${encodeURIComponent(seen.offset)}`)
        : await sse('?room=sse:2&room=sse:3', { headers: { 'Last-Event-ID': seen.offset } });
      const [connect] = await resumed.take(1);
      assert.deepStrictEqual(connect.json, { recovered: true, rooms: ['sse:2', 'sse:3'] });
      assert.equal(connect.id, seen.offset, 'the connect event keeps the id resumed from');
      assert.deepStrictEqual((await eventsUntilMarker(resumed)).map(view), missed.map((m, i) => ({ id: m.offset, event: 'bid', data: i + 1 })));
    });
  }

  it('an id it cannot resume from (unknown, or from an earlier run) gives recovered:false and the current state', async () => {
    await publish({ room: 'sse:4', event: 'lot', key: 'lot', data: { price: 7 } });
    for (const id of ['000000000000-5', 'garbage']) {
      const stream = await sse('?room=sse:4', { headers: { 'Last-Event-ID': id } });
      const [connect] = await stream.take(1);
      assert.equal(connect.json.recovered, false, id);
      assert.deepStrictEqual((await eventsUntilMarker(stream)).map(view), [{ id: undefined, event: 'lot', data: { price: 7 } }]);
      stream.close();
    }
  });

  it('a publication to several of its rooms arrives once; except and broadcast apply', async () => {
    const stream = await sse('?room=m:1&room=m:2');
    await stream.take(1);
    await publish({ rooms: ['m:1', 'm:2'], event: 'both' });
    await publish({ room: 'm:1', except: ['m:2'], event: 'excepted' });
    await publish({ broadcast: true, event: 'everyone' });
    assert.deepStrictEqual((await eventsUntilMarker(stream)).map((m) => m.event), ['both', 'everyone']);
  });

  it('authenticates as sockets do: a token joins the user\'s room and grants private rooms; refusals are clear HTTP errors', async () => {
    const token = jwt({ sub: '42', rooms: ['vip:1'] });
    const stream = await sse(`?room=vip:1&token=${token}`);
    const [connect] = await stream.take(1);
    assert.deepStrictEqual(connect.json, { recovered: false, user: '42', rooms: ['user:42', 'vip:1'] });
    const bearer = await sse('', { headers: { Authorization: `Bearer ${jwt({ sub: '43' })}` } });
    assert.deepStrictEqual((await bearer.take(1))[0].json.rooms, ['user:43']);

    await publish({ user: '42', event: 'mail', data: 'for 42' });
    await publish({ user: '43', event: 'mail', data: 'for 43' });
    await publish({ room: 'vip:1', event: 'vip' });
    assert.deepStrictEqual((await eventsUntilMarker(stream)).map((m) => [m.event, m.json]), [['mail', 'for 42'], ['vip', null]]);
    assert.deepStrictEqual((await eventsUntilMarker(bearer)).map((m) => [m.event, m.json]), [['mail', 'for 43']]);

    const refused = async (query, status, code, message) => {
      const res = await sse(query);
      assert.equal(res.status, status, query);
      assert.deepStrictEqual(await res.response.json(), { error: { code, message } });
    };
    await refused('?room=vip:2', 403, 'forbidden', "room 'vip:2' is private");
    await refused('?room=user:42', 403, 'forbidden', "room 'user:42' is private");
    await refused('?token=not.a.jwt', 401, 'token_invalid', 'invalid token: malformed');
    await refused(`?room=${'x'.repeat(300)}`, 400, 'invalid_request', 'room is longer than 256 characters');
    await refused('?namespace=/nope', 404, 'not_found', "namespace '/nope' is not served");
  });

  it('sends keep-alive comments while idle, and counts in stats and presence', async () => {
    const stream = await sse('?room=idle&token=' + jwt({ sub: '8' }));
    await stream.take(2, (m) => m.comment === 'keep-alive', 3000);
    const stats = (await api(server.url, '/api/stats', undefined, { method: 'GET' })).json;
    assert.ok(stats.connections.sse >= 1, JSON.stringify(stats));
    const presence = (await api(server.url, '/api/rooms/idle/presence', undefined, { method: 'GET' })).json;
    assert.deepStrictEqual([presence.count, presence.users], [1, ['8']]);

    stream.close();
    const deadline = Date.now() + 5000;
    while ((await api(server.url, '/api/rooms/idle/presence', undefined, { method: 'GET' })).json.count !== 0) {
      assert.ok(Date.now() < deadline, 'a closed stream leaves the room');
      await new Promise((r) => setImmediate(r));
    }
  });
});
