// 10. raw HTTP checks with fetch (no Socket.IO client).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useServer } from './server.mjs';

const server = useServer();
const RS = '\x1e'; // Engine.IO v4 polling payload record separator

async function get(path, init) {
  const res = await fetch(server.url + path, { signal: AbortSignal.timeout(5000), ...init });
  const body = await res.text();
  return { res, body };
}

async function expectError(path, code, message, init) {
  const { res, body } = await get(path, init);
  assert.equal(res.status, 400, `status for ${path}: body ${body}`);
  assert.deepStrictEqual(JSON.parse(body), { code, message });
}

describe('Engine.IO polling handshake over raw HTTP', () => {
  it('GET handshake returns "0" + JSON open packet', async () => {
    const { res, body } = await get('/socket.io/?EIO=4&transport=polling');
    assert.equal(res.status, 200);
    assert.ok(body.startsWith('0{'), `body: ${body}`);
    const open = JSON.parse(body.slice(1));
    assert.equal(typeof open.sid, 'string');
    assert.ok(open.sid.length > 0);
    assert.deepStrictEqual(open.upgrades, ['websocket']);
    assert.equal(open.pingInterval, 300);
    assert.equal(open.pingTimeout, 200);
    assert.equal(open.maxPayload, 1_000_000);
  });

  it('handshake answers CORS with Access-Control-Allow-Origin', async () => {
    const { res } = await get('/socket.io/?EIO=4&transport=polling', { headers: { origin: 'http://example.test' } });
    assert.equal(res.status, 200);
    assert.ok(res.headers.get('access-control-allow-origin'), 'missing access-control-allow-origin');
  });

  it('a Socket.IO CONNECT over raw polling is answered with a CONNECT carrying a sid', async () => {
    const { body } = await get('/socket.io/?EIO=4&transport=polling');
    const { sid } = JSON.parse(body.slice(1));
    const base = `/socket.io/?EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`;
    const post = await get(base, { method: 'POST', body: '40', headers: { 'content-type': 'text/plain;charset=UTF-8' } });
    assert.equal(post.res.status, 200);
    assert.equal(post.body, 'ok');

    const packets = [];
    const deadline = Date.now() + 5000;
    while (!packets.some((p) => p.startsWith('40')) && Date.now() < deadline) {
      const poll = await get(base);
      assert.equal(poll.res.status, 200, `poll body: ${poll.body}`);
      for (const p of poll.body.split(RS)) {
        packets.push(p);
        if (p === '2') await get(base, { method: 'POST', body: '3' }); // answer heartbeats
      }
    }
    const connect = packets.find((p) => p.startsWith('40'));
    assert.ok(connect, `no CONNECT packet in ${JSON.stringify(packets)}`);
    assert.equal(typeof JSON.parse(connect.slice(2)).sid, 'string');
    // close the session politely
    await get(base, { method: 'POST', body: '1' });
  });
});

describe('Engine.IO error responses', () => {
  it('unknown transport -> 400 {code:0, "Transport unknown"}', async () => {
    await expectError('/socket.io/?EIO=4&transport=foo', 0, 'Transport unknown');
  });

  it('missing transport -> 400 {code:0, "Transport unknown"}', async () => {
    await expectError('/socket.io/?EIO=4', 0, 'Transport unknown');
  });

  it('unknown sid -> 400 {code:1, "Session ID unknown"}', async () => {
    await expectError('/socket.io/?EIO=4&transport=polling&sid=does-not-exist', 1, 'Session ID unknown');
  });

  it('POST handshake -> 400 {code:2, "Bad handshake method"}', async () => {
    await expectError('/socket.io/?EIO=4&transport=polling', 2, 'Bad handshake method', { method: 'POST', body: '40' });
  });

  it('plain GET on the websocket transport (no upgrade) -> 400 {code:3, "Bad request"}', async () => {
    await expectError('/socket.io/?EIO=4&transport=websocket', 3, 'Bad request');
  });

  for (const [label, query] of [
    ['EIO=3', 'EIO=3&transport=polling'],
    ['EIO=5', 'EIO=5&transport=polling'],
    ['missing EIO', 'transport=polling'],
  ]) {
    it(`${label} -> 400 {code:5, "Unsupported protocol version"}`, async () => {
      await expectError(`/socket.io/?${query}`, 5, 'Unsupported protocol version');
    });
  }
});

describe('client bundle', () => {
  for (const file of ['socket.io.js', 'socket.io.min.js']) {
    it(`GET /socket.io/${file} -> 200 javascript with ETag, then 304 with If-None-Match`, async () => {
      const first = await get(`/socket.io/${file}`);
      assert.equal(first.res.status, 200);
      assert.match(first.res.headers.get('content-type') ?? '', /javascript/);
      const etag = first.res.headers.get('etag');
      assert.ok(etag, 'missing ETag');
      assert.match(first.body, /Socket\.IO v4\./);
      assert.ok(first.body.length > 10_000, `bundle suspiciously small (${first.body.length} chars)`);

      const second = await get(`/socket.io/${file}`, { headers: { 'if-none-match': etag } });
      assert.equal(second.res.status, 304);
      assert.equal(second.body, '');
    });
  }
});

describe('health', () => {
  it('GET /healthz -> 200', async () => {
    const { res } = await get('/healthz');
    assert.equal(res.status, 200);
  });
});
