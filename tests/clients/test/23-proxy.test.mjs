// The backend proxies (seed 003): Outcry asks the site's backend who a client is from its cookies, whether it
// may join a private room, and hands it the client's events — and says clearly when the backend says no,
// is slow or is down.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { useServer } from './server.mjs';
import { clientFactory, connect, once } from './util.mjs';
import { API_KEY, api, deliveredTo } from './push.mjs';

// The site's backend: identifies users by their "session" cookie.
const calls = [];
const backend = createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    const json = body ? JSON.parse(body) : undefined;
    const session = /session=([^;]+)/.exec(req.headers.cookie ?? '')?.[1];
    calls.push({ path: req.url, cookie: req.headers.cookie, kind: req.headers['x-outcry-proxy'], body: json });
    const send = (status, answer) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(answer === undefined ? '' : JSON.stringify(answer));
    };
    if (req.url === '/connect') {
      if (session === 'slow') return setTimeout(() => send(200, { user: 'late' }), 3000);
      if (session === 'broken') return send(500, { error: 'db down' });
      if (session === 'banned') return send(403, { message: 'account suspended' });
      if (!session) return send(200, { user: null });
      if (session === 'empty') return send(200);
      if (session === 'nobody') return send(401, { message: 'please sign in' });
      return send(200, { user: session, rooms: ['lobby'], info: { name: session.toUpperCase() } });
    }
    if (req.url === '/subscribe') {
      return json.user === 'alice' && json.room === 'vip:1' ? send(200, { ok: true }) : send(403, { message: `no access to ${json.room}` });
    }
    if (req.url === '/rpc') {
      if (json.event === 'postprice') {
        return json.data.price > 100 ? send(200, { accepted: true, price: json.data.price, by: json.user }) : send(422, { message: 'bid too low' });
      }
      if (json.event === 'slow') return setTimeout(() => send(200, {}), 3000);
      return send(404, { message: 'no such action' });
    }
    send(404);
  });
});
await new Promise((r) => backend.listen(0, '127.0.0.1', r));
after(() => backend.close());
const base = `http://127.0.0.1:${backend.address().port}`;

const proxyArgs = (connectUrl) => [
  `--Outcry:ApiKey=${API_KEY}`,
  '--Outcry:Rooms:Private:0=vip:*',
  `--Outcry:Proxy:Connect:Url=${connectUrl}`, '--Outcry:Proxy:Connect:Timeout=00:00:00.500',
  `--Outcry:Proxy:Subscribe:Url=${base}/subscribe`,
  `--Outcry:Proxy:Rpc:Url=${base}/rpc`, '--Outcry:Proxy:Rpc:Timeout=00:00:00.500',
];
const server = useServer({ app: 'outcry', args: proxyArgs(`${base}/connect`) });
// A backend that is down: nothing listens on port 9 (discard) of loopback.
const down = useServer({ app: 'outcry', args: proxyArgs('http://127.0.0.1:9/connect') });
const make = clientFactory();

const withCookie = (session, url = server.url) =>
  make(url, { transports: ['websocket'], extraHeaders: session ? { Cookie: `session=${session}; theme=dark` } : {} });

async function refused(socket) {
  const error = once(socket, 'connect_error', 5000, { rejectOn: ['connect'] });
  socket.connect();
  const [e] = await error;
  return { message: e.message, code: e.data?.code };
}

describe('connect proxy', () => {
  it('the backend identifies the user from the cookies; the user gets private messages and the backend\'s rooms', async () => {
    const alice = await connect(withCookie('alice'));
    const bob = await connect(withCookie('bob'));
    const call = calls.findLast((c) => c.path === '/connect' && c.cookie?.includes('alice'));
    assert.equal(call.cookie, 'session=alice; theme=dark');
    assert.equal(call.kind, 'connect');
    assert.equal(call.body.namespace, '/');
    const marker = () => api(server.url, '/api/publish', { broadcast: true, event: 'marker' });
    await deliveredTo({
      all: [alice, bob], expected: [alice], event: 'mail', marker,
      publish: () => api(server.url, '/api/publish', { user: 'alice', event: 'mail', data: 'hi' }),
    });
    await deliveredTo({
      all: [alice, bob], expected: [alice, bob], event: 'lobby', marker,
      publish: () => api(server.url, '/api/publish', { room: 'lobby', event: 'lobby' }),
    });
  });

  it('an answer without a user, or an empty 200, leaves the connection anonymous', async () => {
    await connect(withCookie(null));
    await connect(withCookie('empty'));
  });

  const refusals = [
    ['401 becomes connect_error with the backend\'s message', 'nobody', { message: 'please sign in', code: 'unauthorized' }],
    ['403 becomes connect_error "forbidden" with the backend\'s message', 'banned', { message: 'account suspended', code: 'forbidden' }],
    ['a backend error is a clear error', 'broken', { message: 'authentication backend error (HTTP 500)', code: 'auth_backend_error' }],
    ['a backend slower than the timeout is a clear error', 'slow', { message: 'authentication backend timed out', code: 'auth_backend_timeout' }],
  ];
  for (const [label, session, expected] of refusals) {
    it(label, async () => assert.deepStrictEqual(await refused(withCookie(session)), expected));
  }

  it('a backend that is down is a clear error', async () => {
    assert.deepStrictEqual(await refused(withCookie('alice', down.url)), { message: 'authentication backend unavailable', code: 'auth_backend_unavailable' });
  });
});

describe('subscribe proxy', () => {
  it('the backend allows one private room and refuses another, with its reason', async () => {
    const alice = await connect(withCookie('alice'));
    assert.deepStrictEqual(await alice.emitWithAck('subscribe', { room: 'vip:1' }), { ok: true });
    assert.deepStrictEqual(await alice.emitWithAck('subscribe', { room: 'vip:2' }), { ok: false, error: 'no access to vip:2' });
    const call = calls.findLast((c) => c.path === '/subscribe');
    assert.deepStrictEqual({ room: call.body.room, user: call.body.user, info: call.body.info }, { room: 'vip:2', user: 'alice', info: { name: 'ALICE' } });
    await deliveredTo({
      all: [alice], expected: [alice], event: 'vip',
      publish: () => api(server.url, '/api/publish', { room: 'vip:1', event: 'vip' }),
      marker: () => api(server.url, '/api/publish', { broadcast: true, event: 'marker' }),
    });
  });
});

describe('RPC proxy (seed 001\'s postprice through the socket)', () => {
  it('an event with an ack goes to the backend with the user and cookies; the backend\'s answer is the ack', async () => {
    const alice = await connect(withCookie('alice'));
    assert.deepStrictEqual(await alice.emitWithAck('postprice', { price: 120 }), { accepted: true, price: 120, by: 'alice' });
    const call = calls.findLast((c) => c.path === '/rpc');
    assert.equal(call.cookie, 'session=alice; theme=dark');
    assert.deepStrictEqual(call.body.args, [{ price: 120 }]);
  });

  it('a refusal, an unknown action and a timeout come back as {error}', async () => {
    const alice = await connect(withCookie('alice'));
    assert.deepStrictEqual(await alice.emitWithAck('postprice', { price: 1 }), { error: { code: 'backend_error', message: 'bid too low', status: 422 } });
    assert.deepStrictEqual(await alice.emitWithAck('nope', 1), { error: { code: 'backend_error', message: 'no such action', status: 404 } });
    assert.deepStrictEqual(await alice.emitWithAck('slow'), { error: { code: 'timeout', message: 'backend timed out', status: 0 } });
  });
});
