// Socket.IO connection state recovery with the official client: a client whose link drops gets exactly what it
// missed — in order, once — with its id, rooms and identity back and socket.recovered === true; when that can
// no longer be done, it is told (recovered === false).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useServer } from './server.mjs';
import { clientFactory, connect, dropLink, once, recordAll, TRANSPORTS } from './util.mjs';
import { API_KEY, JWT_SECRET, OFFSET, api, jwt } from './push.mjs';

const server = useServer({
  app: 'outcry',
  args: [
    `--Outcry:ApiKey=${API_KEY}`, `--Outcry:Auth:JwtSecret=${JWT_SECRET}`,
    '--Outcry:History:Rooms:0:Pattern=small:*', '--Outcry:History:Rooms:0:Size=2',
  ],
});
const make = clientFactory();
const publish = (body) => api(server.url, '/api/publish', body);

/** Waits (5 s at most) until `events` holds an event named `name`. */
async function until(events, socket, name) {
  const deadline = Date.now() + 5000;
  while (!events.some(([e]) => e === name)) {
    if (Date.now() > deadline) throw new Error(`no "${name}" within 5 s; got ${JSON.stringify(events)}`);
    await once(socket, name, Math.max(1, deadline - Date.now())).catch(() => {});
  }
}

for (const [name, opts] of Object.entries(TRANSPORTS)) {
  describe(`recovery over ${name}`, () => {
    it('after a drop the client gets every missed event in order, once, before new ones; recovered === true', async () => {
      const socket = make(`${server.url}?itemId=7`, { ...opts, auth: { token: jwt({ sub: '42' }) } });
      await connect(socket);
      assert.equal(socket.recovered, false);
      const firstId = socket.id;
      assert.deepStrictEqual(await socket.emitWithAck('subscribe', 'lot:8'), { ok: true });
      const first = once(socket, 'bid');
      await publish({ room: '7', event: 'bid', data: 0 });
      await first;

      const back = await dropLink(socket);
      const sent = [];
      for (let i = 1; i <= 5; i++) sent.push((await publish({ room: '7', event: 'bid', data: i })).json.offset);
      sent.push((await publish({ user: '42', event: 'outbid', data: { lot: 7 } })).json.offset);
      sent.push((await publish({ room: 'lot:8', event: 'bid', data: 'subscribed' })).json.offset);
      sent.push((await publish({ broadcast: true, event: 'news', data: 'all' })).json.offset);
      await publish({ room: 'elsewhere', event: 'bid', data: 'not mine' });
      await publish({ room: '7', event: 'bid', data: 'excepted', except: ['user:42'] });
      await publish({ room: '7', event: 'typing', volatile: true });

      const events = recordAll(socket);
      await back();
      assert.equal(socket.recovered, true);
      assert.equal(socket.id, firstId);
      await publish({ room: '7', event: 'live', data: 'after' });
      await until(events, socket, 'live');

      assert.deepStrictEqual(events.map(([e, ...args]) => [e, ...args]), [
        ['bid', 1, sent[0]], ['bid', 2, sent[1]], ['bid', 3, sent[2]], ['bid', 4, sent[3]], ['bid', 5, sent[4]],
        ['outbid', { lot: 7 }, sent[5]], ['bid', 'subscribed', sent[6]], ['news', 'all', sent[7]],
        ['live', 'after', events.at(-1)[2]],
      ]);
      assert.match(events.at(-1)[2], OFFSET);
    });

    it('a drop with nothing missed recovers with nothing replayed', async () => {
      const socket = make(`${server.url}?itemId=9`, opts);
      await connect(socket);
      const back = await dropLink(socket);
      const events = recordAll(socket);
      await back();
      assert.equal(socket.recovered, true);
      await publish({ room: '9', event: 'live', data: 1 });
      await until(events, socket, 'live');
      assert.deepStrictEqual(events.map(([e]) => e), ['live']);
    });

    it('when the history lost part of the gap, the client is told (recovered === false) and gets the current state', async () => {
      const room = `small:${name}`;
      const socket = make(`${server.url}?itemId=${room}`, opts);
      await connect(socket);
      const firstId = socket.id;
      const back = await dropLink(socket);
      for (let i = 1; i <= 4; i++) await publish({ room, event: 'lot', key: 'lot', data: { price: i } });
      const events = recordAll(socket);
      await back();
      assert.equal(socket.recovered, false);
      assert.notEqual(socket.id, firstId);
      await publish({ room, event: 'live', data: 1 });
      await until(events, socket, 'live');
      assert.deepStrictEqual(events.map((e) => e.slice(0, 2)), [['lot', { price: 4 }], ['live', 1]], 'the latest state, then live');
      assert.equal(events[0].length, 2, 'the state comes without an offset: a snapshot, not the gap');
    });

    it('a manual disconnect ends the session: connecting again is a new one', async () => {
      const socket = make(server.url, opts);
      await connect(socket);
      const firstId = socket.id;
      socket.disconnect();
      await connect(socket);
      assert.equal(socket.recovered, false);
      assert.notEqual(socket.id, firstId);
    });
  });
}

describe('recovery metrics', () => {
  it('count recoveries by result', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(text, /^outcry_recoveries_total\{result="succeeded"\} [1-9]\d*$/m);
    assert.match(text, /^outcry_recoveries_total\{result="failed"\} [1-9]\d*$/m);
  });
});
