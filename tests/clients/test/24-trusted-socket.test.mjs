// Trusted backend sockets (seed 003's elephant.io pattern): a backend connects with the API key and publishes
// through the socket. Nobody else can.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useServer } from './server.mjs';
import { clientFactory, connect, once } from './util.mjs';
import { API_KEY, JWT_SECRET, api, deliveredTo, jwt } from './push.mjs';

const server = useServer({ app: 'outcry', args: [`--Outcry:ApiKey=${API_KEY}`, `--Outcry:Auth:JwtSecret=${JWT_SECRET}`] });
const make = clientFactory();
const marker = () => api(server.url, '/api/publish', { broadcast: true, event: 'marker' });

describe('trusted backend sockets', () => {
  it('a socket with auth {apiKey} publishes to a room and to a user, with an ack', async () => {
    const backend = await connect(make(server.url, { transports: ['websocket'], auth: { apiKey: API_KEY } }));
    const [watcher, user] = await Promise.all([
      connect(make(`${server.url}?itemId=100`, { transports: ['websocket'] })),
      connect(make(server.url, { transports: ['websocket'], auth: { token: jwt({ sub: '42' }) } })),
    ]);
    let ack;
    const got = await deliveredTo({
      all: [watcher, user], expected: [watcher], event: 'auction', marker,
      publish: async () => { ack = await backend.emitWithAck('publish', { room: '100', event: 'auction', data: { price: 130 } }); },
    });
    assert.deepStrictEqual(ack, { ok: true, recipients: 1, offset: got.offsets[0] });
    assert.deepStrictEqual(got, [[{ price: 130 }]]);
    await deliveredTo({
      all: [watcher, user], expected: [user], event: 'message_event_type', marker,
      publish: () => backend.emitWithAck('publish', { user: '42', event: 'message_event_type', data: 'you have mail' }),
    });
    assert.deepStrictEqual(await backend.emitWithAck('publish', { room: '100' }), { ok: false, error: 'event is required' });
  });

  it('a wrong API key is refused at connect', async () => {
    const socket = make(server.url, { transports: ['websocket'], auth: { apiKey: 'guess' } });
    const error = once(socket, 'connect_error', 5000, { rejectOn: ['connect'] });
    socket.connect();
    const [e] = await error;
    assert.equal(e.message, 'invalid API key');
    assert.equal(e.data.code, 'invalid_api_key');
  });

  it('an ordinary client\'s "publish" reaches no one', async () => {
    const [intruder, watcher] = await Promise.all([
      connect(make(server.url, { transports: ['websocket'], auth: { token: jwt({ sub: '66' }) } })),
      connect(make(`${server.url}?itemId=100`, { transports: ['websocket'] })),
    ]);
    await deliveredTo({
      all: [watcher], expected: [], event: 'auction', marker,
      publish: async () => {
        intruder.emit('publish', { room: '100', event: 'auction', data: { price: 1 } });
        // the server handles one connection's packets in order: once this is acked, the publish was seen
        await intruder.emitWithAck('subscribe', { room: 'sync' });
      },
    });
  });
});
