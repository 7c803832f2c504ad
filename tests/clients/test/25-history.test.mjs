// Room history with offsets, current state per key, and volatile publications, through the HTTP API.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useServer } from './server.mjs';
import { clientFactory, connect, once } from './util.mjs';
import { API_KEY, OFFSET, api, deliveredTo } from './push.mjs';

const server = useServer({
  app: 'outcry',
  args: [
    `--Outcry:ApiKey=${API_KEY}`, '--Outcry:History:Rooms:0:Pattern=tiny:*', '--Outcry:History:Rooms:0:Size=2',
    '--Outcry:Rooms:QueryParameters:0=lot',
  ],
});
const make = clientFactory();
const publish = (body) => api(server.url, '/api/publish', body);
const history = (room, query = '') => api(server.url, `/api/rooms/${encodeURIComponent(room)}/history${query}`, undefined, { method: 'GET' });
const state = (room) => api(server.url, `/api/rooms/${encodeURIComponent(room)}/state`, undefined, { method: 'GET' });

async function publishAll(room, values, extra = {}) {
  const offsets = [];
  for (const data of values) {
    const { json } = await publish({ room, event: 'bid', data, ...extra });
    assert.match(json.offset, OFFSET);
    offsets.push(json.offset);
  }
  return offsets;
}

describe('history', () => {
  it('keeps each room\'s publications in order with the offsets the API answered', async () => {
    const offsets = await publishAll('lot:1', [100, 110, 120]);
    await publishAll('lot:2', [5]);
    const { json } = await history('lot:1');
    assert.equal(json.complete, true);
    assert.deepStrictEqual(json.publications.map((p) => [p.offset, p.event, p.data]), offsets.map((o, i) => [o, 'bid', [100, 110, 120][i]]));
    assert.ok(offsets[0] < offsets[1] || offsets[0].length < offsets[1].length, 'offsets grow');
  });

  it('since= returns exactly what came after; limit= pages with more:true', async () => {
    const offsets = await publishAll('lot:3', [1, 2, 3]);
    const after = (await history('lot:3', `?since=${offsets[0]}`)).json;
    assert.deepStrictEqual(after.publications.map((p) => p.data), [2, 3]);
    assert.equal(after.complete, true);
    const page = (await history('lot:3', `?since=${offsets[0]}&limit=1`)).json;
    assert.deepStrictEqual([page.publications.map((p) => p.data), page.more], [[2], true]);
    const none = (await history('lot:3', `?since=${offsets[2]}`)).json;
    assert.deepStrictEqual([none.publications, none.complete, none.more], [[], true, false]);
  });

  it('a room that keeps 2 says complete:false for an offset whose successors were evicted', async () => {
    const offsets = await publishAll('tiny:1', [1, 2, 3, 4]);
    assert.deepStrictEqual((await history('tiny:1')).json.publications.map((p) => p.data), [3, 4]);
    assert.equal((await history('tiny:1', `?since=${offsets[0]}`)).json.complete, false, '2 came after 1 and is gone');
    const fine = (await history('tiny:1', `?since=${offsets[1]}`)).json;
    assert.deepStrictEqual([fine.complete, fine.publications.map((p) => p.data)], [true, [3, 4]]);
  });

  it('an offset of another epoch (a lost history) is complete:false; a malformed one is 400', async () => {
    await publishAll('lot:4', [1]);
    assert.equal((await history('lot:4', '?since=000000000000-1')).json.complete, false);
    assert.equal((await history('lot:4', '?since=garbage')).status, 400);
    assert.equal((await history('lot:4', '?limit=0')).status, 400);
  });

  it('needs the API key', async () => {
    const res = await api(server.url, '/api/rooms/lot:1/history', undefined, { method: 'GET', key: 'wrong' });
    assert.equal(res.status, 401);
  });
});

describe('current state', () => {
  it('keeps the latest publication per key', async () => {
    await publish({ room: 'lot:9', event: 'lot', key: 'lot', data: { price: 100 } });
    await publish({ room: 'lot:9', event: 'timer', key: 'timer', data: { endsAt: 1 } });
    const last = (await publish({ room: 'lot:9', event: 'lot', key: 'lot', data: { price: 130 } })).json.offset;
    await publish({ room: 'lot:9', event: 'chat', data: 'not state' });
    const { json } = await state('lot:9');
    assert.deepStrictEqual(Object.keys(json.state).sort(), ['lot', 'timer']);
    assert.deepStrictEqual([json.state.lot.data, json.state.lot.offset, json.state.lot.event], [{ price: 130 }, last, 'lot']);
  });

  it('a new subscriber gets the current state at once, without offsets (a snapshot, not an update)', async () => {
    await publish({ room: 'snap:1', event: 'lot', key: 'lot', data: { price: 100 } });
    await publish({ room: 'snap:1', event: 'lot', key: 'lot', data: { price: 130 } });
    await publish({ room: 'snap:1', event: 'timer', key: 'timer', data: { endsAt: 99 } });
    await publish({ room: 'snap:1', event: 'chat', data: 'history only' });
    const socket = make(`${server.url}?lot=snap:1`, { transports: ['websocket'] });
    const events = [];
    socket.onAny((event, ...args) => events.push([event, ...args]));
    const snapshotDone = once(socket, 'timer');
    await connect(socket);
    await snapshotDone;
    const update = once(socket, 'lot');
    await publish({ room: 'snap:1', event: 'lot', key: 'lot', data: { price: 140 } });
    await update;
    assert.deepStrictEqual(events.slice(0, 2), [['lot', { price: 130 }], ['timer', { endsAt: 99 }]]);
    assert.deepStrictEqual(events[2].slice(0, 2), ['lot', { price: 140 }]);
    assert.match(events[2][2], OFFSET, 'live updates carry their offset');
  });

  it('subscribe delivers the room\'s state before its ack', async () => {
    await publish({ room: 'snap:2', event: 'lot', key: 'lot', data: { price: 7 } });
    const socket = await connect(make(server.url, { transports: ['websocket'] }));
    const events = [];
    socket.onAny((event, ...args) => events.push([event, ...args]));
    assert.deepStrictEqual(await socket.emitWithAck('subscribe', 'snap:2'), { ok: true });
    assert.deepStrictEqual(events, [['lot', { price: 7 }]]);
  });

  it('a keyed publication cannot be volatile', async () => {
    const res = await publish({ room: 'lot:9', event: 'lot', key: 'lot', volatile: true });
    assert.equal(res.status, 400);
    assert.match(res.json.error.message, /cannot be volatile/);
  });
});

describe('volatile', () => {
  it('is delivered without an offset and kept nowhere', async () => {
    const a = await connect(make(`${server.url}?lot=v:1`, { transports: ['websocket'] }));
    let answer;
    const got = await deliveredTo({
      all: [a], expected: [a], event: 'typing', offsets: false,
      publish: async () => { answer = (await publish({ room: 'v:1', event: 'typing', data: 'x', volatile: true })).json; },
      marker: () => publish({ broadcast: true, event: 'marker' }),
    });
    assert.deepStrictEqual(got, [['x']]);
    assert.equal(answer.offset, undefined);
    assert.deepStrictEqual((await history('v:1')).json.publications, []);
  });
});

describe('configured lists replace their defaults', () => {
  it('Outcry:Rooms:QueryParameters:0=lot: ?lot= joins, ?itemId= (a default) no longer does', async () => {
    const [byLot, byItem] = await Promise.all([
      connect(make(`${server.url}?lot=5`, { transports: ['websocket'] })),
      connect(make(`${server.url}?itemId=5`, { transports: ['websocket'] })),
    ]);
    await deliveredTo({
      all: [byLot, byItem], expected: [byLot], event: 'bid',
      publish: () => publish({ room: '5', event: 'bid' }),
      marker: () => publish({ broadcast: true, event: 'marker' }),
    });
  });
});
