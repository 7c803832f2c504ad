// The HTTP publish API as a backend uses it: keys, errors, limits, batches, seed 000's POST /pub (JSON and
// PHP forms), stats — and the allowed origins of browser connections.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useServer } from './server.mjs';
import { clientFactory, connect } from './util.mjs';
import { API_KEY, api, deliveredTo } from './push.mjs';

const MAX_BODY = 4096;
const server = useServer({
  app: 'outcry',
  args: [`--Outcry:ApiKey=${API_KEY}`, `--Outcry:Api:MaxBodyBytes=${MAX_BODY}`, '--Outcry:EngineIO:AllowedOrigins:0=https://shop.example'],
});
const make = clientFactory();
const publish = (body, opts) => api(server.url, '/api/publish', body, opts);
const marker = () => publish({ broadcast: true, event: 'marker' });
const watcher = (query = '') => connect(make(`${server.url}${query}`, { transports: ['websocket'], extraHeaders: { Origin: 'https://shop.example' } }));

const assertError = (res, status, code, message) => {
  assert.equal(res.status, status, res.body);
  assert.match(res.type, /^application\/json/);
  assert.equal(res.json.error.code, code);
  if (message) assert.match(res.json.error.message, message);
};

describe('API key', () => {
  it('is accepted from X-Api-Key and from Authorization: Bearer', async () => {
    assert.equal((await publish({ broadcast: true, event: 'x' })).status, 200);
    assert.equal((await publish({ broadcast: true, event: 'x' }, { bearer: true })).status, 200);
  });

  it('a missing or wrong key is 401 and publishes nothing', async () => {
    const a = await watcher();
    await deliveredTo({
      all: [a], expected: [], event: 'forged', marker,
      publish: async () => {
        assertError(await publish({ broadcast: true, event: 'forged' }, { key: null }), 401, 'unauthorized', /API key/);
        assertError(await publish({ broadcast: true, event: 'forged' }, { key: 'wrong' }), 401, 'unauthorized');
        assertError(await publish({ broadcast: true, event: 'forged' }, { key: `${API_KEY}x`, bearer: true }), 401, 'unauthorized');
        assert.equal((await api(server.url, '/pub', { itemId: 1, channel: 'forged', message: 1 }, { key: 'wrong' })).status, 401);
      },
    });
  });
});

describe('publish errors are 400 with {error:{code,message}} and publish nothing', () => {
  const cases = [
    ['malformed JSON', '{"room": "1", ', 'invalid_json', /malformed JSON/],
    ['not an object', '[1]', 'invalid_request', /JSON object/],
    ['no event', { room: '1' }, 'invalid_request', /event is required/],
    ['no target', { event: 'e' }, 'invalid_request', /exactly one target/],
    ['two targets', { room: '1', user: '2', event: 'e' }, 'invalid_request', /exactly one target/],
    ['a reserved event', { room: '1', event: 'disconnect' }, 'invalid_request', /reserved/],
    ['an empty room', { room: '', event: 'e' }, 'invalid_request', /non-empty/],
    ['rooms not an array', { rooms: 'a', event: 'e' }, 'invalid_request', /array/],
    ['a namespace without /', { room: '1', event: 'e', namespace: 'chat' }, 'invalid_request', /namespace/],
    ['broadcast not a boolean', { broadcast: 'yes', event: 'e' }, 'invalid_request', /broadcast/],
    ['an id not a string or number', { room: '1', event: 'e', id: true }, 'invalid_request', /id must be a string or a number/],
  ];
  for (const [label, body, code, message] of cases) {
    it(label, async () => assertError(await publish(body), 400, code, message));
  }

  it(`a body over ${MAX_BODY} bytes is 413`, async () => {
    assertError(await publish({ room: '1', event: 'big', data: 'x'.repeat(MAX_BODY) }), 413, 'payload_too_large');
  });
});

describe('an id makes publishing again harmless', () => {
  it('the same id again is answered "duplicate" with the first offset and reaches nobody twice', async () => {
    const a = await watcher('?room=i1');
    const seen = [];
    a.on('bid', (price, offset) => seen.push([price, offset]));
    const first = await publish({ room: 'i1', event: 'bid', data: 140, id: 'bid-981' });
    assert.deepStrictEqual(first.json, { ok: true, offset: first.json.offset, recipients: 1 });
    const again = await publish({ room: 'i1', event: 'bid', data: 140, id: 'bid-981' });
    assert.deepStrictEqual(again.json, { ok: true, offset: first.json.offset, recipients: 0, duplicate: true });
    const numeric = await publish({ room: 'i1', event: 'bid', data: 150, id: 982 });
    assert.equal((await publish({ room: 'i1', event: 'bid', data: 150, id: '982' })).json.duplicate, true, 'a number id is its digits');
    const batch = await api(server.url, '/api/publish/batch', [{ room: 'i1', event: 'bid', data: 140, id: 'bid-981' }]);
    assert.deepStrictEqual(batch.json.results, [{ offset: first.json.offset, recipients: 0, duplicate: true }]);
    await deliveredTo({ all: [a], expected: [], event: 'none', marker, publish: async () => {} });
    assert.deepStrictEqual(seen, [[140, first.json.offset], [150, numeric.json.offset]]);
  });
});

describe('batch', () => {
  it('publishes every item, in order', async () => {
    const a = await watcher('?room=b1');
    const seen = [];
    a.on('n', (n, offset) => seen.push([n, offset]));
    const res = await api(server.url, '/api/publish/batch', [1, 2, 3].map((n) => ({ room: 'b1', event: 'n', data: n })));
    assert.equal(res.json.ok, true);
    assert.deepStrictEqual(res.json.results.map((r) => r.recipients), [1, 1, 1]);
    await deliveredTo({ all: [a], expected: [], event: 'none', marker, publish: async () => {} });
    assert.deepStrictEqual(seen, res.json.results.map((r, i) => [i + 1, r.offset]), 'in order, each with the offset the API answered');
  });

  it('with one invalid item is refused whole: 400 naming the item, nothing published', async () => {
    const a = await watcher('?room=b2');
    await deliveredTo({
      all: [a], expected: [], event: 'n', marker,
      publish: async () => assertError(
        await api(server.url, '/api/publish/batch', [{ room: 'b2', event: 'n' }, { room: 'b2' }]), 400, 'invalid_request', /^\[1\]: event is required/),
    });
  });
});

describe('POST /pub (seed 000)', () => {
  it('JSON {itemId, channel, message} reaches the watchers of the item and answers plain "ok"', async () => {
    const [a, b] = await Promise.all([watcher('?itemId=100'), watcher('?itemId=101')]);
    let res;
    const got = await deliveredTo({
      all: [a, b], expected: [a], event: 'auction', marker,
      publish: async () => {
        res = await api(server.url, '/pub', { itemId: 100, channel: 'auction', message: { price: 120, leader: '张' } });
      },
    });
    assert.equal(res.status, 200);
    assert.equal(res.body, 'ok');
    assert.deepStrictEqual(got, [[{ price: 120, leader: '张' }]]);
  });

  it('a PHP http_build_query form with nested arrays arrives as the same nested object', async () => {
    const a = await watcher('?itemId=100');
    // What PHP's http_build_query(['itemId'=>100,'channel'=>'auction','message'=>[...]]) writes.
    const form = new URLSearchParams([
      ['itemId', '100'], ['channel', 'auction'],
      ['message[price]', '120'], ['message[bidder][name]', '张三'], ['message[bids][0]', '100'], ['message[bids][1]', '120'],
    ]);
    let res;
    const [[data]] = await deliveredTo({ all: [a], expected: [a], event: 'auction', marker, publish: async () => { res = await api(server.url, '/pub', form); } });
    assert.equal(res.body, 'ok');
    assert.deepStrictEqual(data, { price: '120', bidder: { name: '张三' }, bids: ['100', '120'] });
  });

  it('bad input is 400 with a message', async () => {
    assertError(await api(server.url, '/pub', '{"itemId":'), 400, 'invalid_json', /data error/);
    assertError(await api(server.url, '/pub', { channel: 'auction', message: 1 }), 400, 'invalid_request', /data error/);
    assertError(await api(server.url, '/pub', new URLSearchParams([['message[x', '1']])), 400, 'invalid_request', /data error/);
  });
});

describe('stats', () => {
  it('counts connections by transport and sockets by namespace', async () => {
    await watcher();
    const res = await api(server.url, '/api/stats', undefined, { method: 'GET' });
    assert.equal(res.status, 200);
    assert.ok(res.json.connections.websocket >= 1, res.body);
    assert.ok(res.json.namespaces['/'].sockets >= 1, res.body);
    assert.ok(res.json.memory.rss > 10e6 && res.json.memory.managedHeap > 0, res.body);
  });
});

describe('metrics', () => {
  it('count publications by source and deliveries', async () => {
    await watcher('?room=m1');
    await publish({ room: 'm1', event: 'counted' });
    const text = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(text, /^outcry_publications_total\{source="http"\} [1-9]\d*$/m);
    assert.match(text, /^outcry_deliveries_total [1-9]\d*$/m);
  });
});

describe('allowed origins', () => {
  it('a browser page from another origin is refused with 403 before any session exists', async () => {
    const res = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`, { headers: { Origin: 'https://evil.example' } });
    assert.equal(res.status, 403);
    assert.deepStrictEqual(await res.json(), { code: 4, message: 'Forbidden' });
    const ok = await fetch(`${server.url}/socket.io/?EIO=4&transport=polling`, { headers: { Origin: 'https://shop.example' } });
    assert.equal(ok.status, 200);
    await ok.text();
  });
});
