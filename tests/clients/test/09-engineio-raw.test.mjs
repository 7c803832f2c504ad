// 9. Engine.IO v4 over raw HTTP (fetch) and raw WebSockets (ws) against the conformance
// server's echo endpoint /engine.io/ (every message is sent back as it came).
// pingInterval 300 ms, pingTimeout 200 ms, maxHttpBufferSize 1e6, CORS "*".
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useServer } from './server.mjs';
import {
  ENGINE_ERRORS,
  MAX_PAYLOAD,
  PING_INTERVAL,
  PollingSession,
  RS,
  RawSocket,
  assertEngineError,
  assertOpenPacket,
  openWsSession,
  request,
  withDeadline,
  wsUrl,
} from './raw.mjs';

const server = useServer();
const PATH = '/engine.io/';
const POLLING_TYPE = 'text/plain; charset=UTF-8';
// Closing on a missed pong is due at pingInterval + pingTimeout = 500 ms; allow generous slack.
const CLOSE_DEADLINE = 1500;


const open = () => PollingSession.open(server.url, PATH);
const openWs = (opts) => openWsSession(server.url, PATH, opts);
const upgradeSocket = (session, opts) => new RawSocket(wsUrl(server.url, session.query('websocket')), opts);

describe('Engine.IO handshake over HTTP long-polling', () => {
  it('GET opens a session: 200, text/plain; charset=UTF-8, body is exactly the open packet', async () => {
    const res = await request(server.url, `${PATH}?EIO=4&transport=polling`);
    assert.equal(res.status, 200);
    assert.equal(res.type, POLLING_TYPE);
    assert.ok(!res.body.includes(RS), `only the open packet expected, got ${JSON.stringify(res.body)}`);
    const first = assertOpenPacket(res.body, ['websocket']);
    const second = assertOpenPacket((await request(server.url, `${PATH}?EIO=4&transport=polling`)).body, ['websocket']);
    assert.notEqual(first.sid, second.sid, 'each handshake gets its own sid');
  });

  const errors = [
    ['missing EIO', 'GET', '?transport=polling', 'unsupportedProtocol'],
    ['EIO=abc', 'GET', '?EIO=abc&transport=polling', 'unsupportedProtocol'],
    ['EIO=3', 'GET', '?EIO=3&transport=polling', 'unsupportedProtocol'],
    ['missing transport', 'GET', '?EIO=4', 'unknownTransport'],
    ['transport=abc', 'GET', '?EIO=4&transport=abc', 'unknownTransport'],
    ['POST handshake', 'POST', '?EIO=4&transport=polling', 'badHandshakeMethod'],
    ['PUT handshake', 'PUT', '?EIO=4&transport=polling', 'badHandshakeMethod'],
    ['unknown sid (GET)', 'GET', '?EIO=4&transport=polling&sid=unknown-sid', 'unknownSid'],
    ['unknown sid (POST)', 'POST', '?EIO=4&transport=polling&sid=unknown-sid', 'unknownSid'],
    ['GET transport=websocket without upgrade', 'GET', '?EIO=4&transport=websocket', 'badRequest'],
  ];
  for (const [label, method, query, error] of errors) {
    it(`${label} -> 400 application/json ${JSON.stringify(ENGINE_ERRORS[error])}`, async () => {
      const body = method === 'GET' ? undefined : '4hello';
      const res = await request(server.url, PATH + query, { method, body });
      assertEngineError(res, ...ENGINE_ERRORS[error], `${method} ${query}`);
    });
  }

  it('CORS: a handshake with an Origin header gets Access-Control-Allow-Origin', async () => {
    const res = await request(server.url, `${PATH}?EIO=4&transport=polling`, { headers: { origin: 'http://example.test' } });
    assert.equal(res.status, 200);
    assert.ok(['*', 'http://example.test'].includes(res.headers.get('access-control-allow-origin')), `ACAO: ${res.headers.get('access-control-allow-origin')}`);
  });

  it('CORS: error answers carry Access-Control-Allow-Origin too', async () => {
    const res = await request(server.url, `${PATH}?EIO=4&transport=abc`, { headers: { origin: 'http://example.test' } });
    assertEngineError(res, ...ENGINE_ERRORS.unknownTransport);
    assert.ok(res.headers.get('access-control-allow-origin'), 'missing access-control-allow-origin on an error answer');
  });

  it('CORS: a preflight OPTIONS is answered 2xx with the allow headers', async () => {
    const res = await request(server.url, `${PATH}?EIO=4&transport=polling`, {
      method: 'OPTIONS',
      headers: { origin: 'http://example.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    assert.ok(res.status >= 200 && res.status < 300, `status ${res.status}`);
    assert.ok(res.headers.get('access-control-allow-origin'), 'missing access-control-allow-origin');
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /POST/);
  });
});

describe('Engine.IO handshake over WebSocket', () => {
  it('opens a session: the first frame is the open packet with upgrades []', async () => {
    const { socket } = await openWs();
    assert.equal(socket.opened, true);
  });

  for (const [label, query] of [
    ['missing EIO', '?transport=websocket'],
    ['EIO=abc', '?EIO=abc&transport=websocket'],
    ['missing transport', '?EIO=4'],
    ['transport=abc', '?EIO=4&transport=abc'],
  ]) {
    it(`${label}: refused (HTTP 400, or closed) without an open packet`, async () => {
      const socket = new RawSocket(wsUrl(server.url, PATH + query));
      const info = await socket.waitClosed();
      assert.deepStrictEqual(socket.frames, [], 'no frame expected');
      if (info.rejected) assert.equal(info.rejected.status, 400, `rejected with ${JSON.stringify(info.rejected)}`);
    });
  }

  it('a WebSocket with an unknown sid is refused or closed, never served', async () => {
    const socket = new RawSocket(wsUrl(server.url, `${PATH}?EIO=4&transport=websocket&sid=unknown-sid`));
    socket.send('2probe');
    const info = await socket.waitClosed();
    assert.deepStrictEqual(socket.frames, [], 'no frame expected');
    if (info.rejected) assert.equal(info.rejected.status, 400);
  });
});

describe('Engine.IO messages over HTTP long-polling', () => {
  it('one text packet: POST answers "ok" (text/html), the next GET carries the echo (text/plain; charset=UTF-8)', async () => {
    const s = await open();
    const post = await s.post('4hello');
    assert.equal(post.status, 200);
    assert.equal(post.body, 'ok');
    assert.match(post.type ?? '', /^text\/html\b/);
    const get = await s.get();
    assert.equal(get.status, 200);
    assert.equal(get.type, POLLING_TYPE);
    assert.equal(get.body, '4hello');
  });

  // A client sends its next request the moment it has the answer to the previous one (socket.io-client does):
  // the server must have finished with a request before answering it, or that next one looks like an overlap.
  it('requests sent the moment the previous one is answered are never taken for an overlap (300 POST/GET rounds)', async () => {
    const s = await open();
    for (let i = 0; i < 300; i++) {
      await s.send(`4m${i}`);
      assert.deepStrictEqual(await s.pollSkippingPings(), [`4m${i}`], `round ${i}`);
    }
  });

  it('several text packets joined by \\x1e are echoed in one payload, in order', async () => {
    const s = await open();
    const payload = ['4test1', '4test2', '4test3'].join(RS);
    await s.send(payload);
    assert.equal((await s.get()).body, payload);
  });

  it('text and binary ("b" + base64) packets are echoed as they came', async () => {
    const s = await open();
    const payload = `4hello${RS}bAQIDBA==`;
    await s.send(payload);
    assert.equal((await s.get()).body, payload);
  });

  it('non-ASCII text survives the round trip byte for byte', async () => {
    const s = await open();
    const payload = `4h\u00e9llo \u20ac \u{1F600} \u4e2d${RS}4\u0000nul`;
    await s.send(payload);
    const get = await s.get();
    assert.equal(get.body, payload);
  });

  // The POST itself may be answered 400 (Outcry), "ok" (the Node reference) or aborted.
  const answeredOrAborted = (res) => res.aborted || res.status === 400 || (res.status === 200 && res.body === 'ok');

  it('an invalid packet closes the session (the sid is unknown afterwards)', async () => {
    const s = await open();
    const res = await s.post('abc');
    assert.ok(answeredOrAborted(res), `POST abc: ${res.status} ${res.body}`);
    await s.assertGone();
  });

  it('an empty packet in a payload is invalid and closes the session', async () => {
    const s = await open();
    const res = await s.post(`4a${RS}${RS}4b`);
    assert.ok(answeredOrAborted(res), `POST: ${res.status} ${res.body}`);
    await s.assertGone();
  });
});

describe('Engine.IO messages over WebSocket', () => {
  it('a text packet is echoed', async () => {
    const { socket } = await openWs();
    socket.send('4hello');
    await socket.expect('4hello');
  });

  it('a binary packet is echoed as a binary frame', async () => {
    const { socket } = await openWs();
    socket.send(Buffer.from([1, 2, 3, 4]));
    await socket.expect([1, 2, 3, 4]);
  });

  it('an invalid packet closes the connection', async () => {
    // pings are answered, so only the invalid packet can explain a close
    const { socket } = await openWs({ autoPong: true });
    await socket.expectCloseAfter(['abc'], { probe: '4still open?' });
  });
});

describe('Engine.IO close', () => {
  it('duplicate polling GET: one gets exactly "1", the other 400, then the session is gone', async () => {
    const s = await open();
    const [a, b] = await Promise.all([s.get(), s.get()]);
    const answers = [a, b].map((r) => `${r.status}:${r.body}`).sort();
    assert.deepStrictEqual(answers, ['200:1', '400:'], `answers: ${JSON.stringify(answers)}`);
    await s.assertGone();
  });

  it('client POST "1" while a GET is pending: the GET gets exactly "6", then the session is gone', async () => {
    // The GET must reach the server before the POST. If it did not (GET answered 400 {code:1}),
    // that attempt proves nothing and is repeated on a fresh session.
    for (let attempt = 1; ; attempt++) {
      const s = await open();
      const pending = s.get();
      const post = await s.post('1');
      assert.ok(post.aborted || post.status === 200, `POST 1: ${post.status} ${post.body}`);
      const get = await pending;
      if (get.status === 400 && get.body === JSON.stringify({ code: 1, message: 'Session ID unknown' }) && attempt < 5) continue;
      assert.equal(get.status, 200, `pending GET: ${get.status} ${get.body}`);
      assert.equal(get.body, '6');
      await s.assertGone();
      return;
    }
  });

  // (The Node reference ignores "1" on a WebSocket and relies on the ping timeout; Outcry closes at once.)
  it('WebSocket: a "1" packet from the client closes the connection', async () => {
    const { socket } = await openWs({ autoPong: true });
    await socket.expectCloseAfter(['1'], { probe: '4still open?' });
  });

  it('WebSocket: a client closing its socket ends the session (its sid is unknown afterwards)', async () => {
    const { socket, sid } = await openWs();
    socket.ws.close();
    await socket.waitClosed();
    const res = await request(server.url, `${PATH}?EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`);
    assertEngineError(res, ...ENGINE_ERRORS.unknownSid);
  });
});

describe('Engine.IO heartbeat', () => {
  it('polling: GET returns exactly "2" after ~pingInterval; pongs keep the session alive across 3 cycles', async () => {
    const s = await open();
    for (let cycle = 1; cycle <= 3; cycle++) {
      const started = Date.now();
      const get = await s.get();
      const waited = Date.now() - started;
      assert.equal(get.status, 200, `cycle ${cycle}: ${get.status} ${get.body}`);
      assert.equal(get.body, '2', `cycle ${cycle}`);
      assert.ok(waited >= PING_INTERVAL / 2, `cycle ${cycle}: ping after ${waited} ms, expected ~${PING_INTERVAL} ms`);
      await s.send('3');
    }
    // > pingInterval + pingTimeout has passed since the handshake: still alive thanks to the pongs
    await s.send('4still here');
    assert.deepStrictEqual(await s.pollSkippingPings(), ['4still here']);
  });

  it('polling: without a pong the session is closed (pending GET released, sid unknown)', async () => {
    const s = await open();
    const handshakeAt = Date.now();
    assert.equal((await s.get()).body, '2');
    // not answering the ping: the next GET is released when the session dies
    const get = await s.get({ timeout: CLOSE_DEADLINE });
    assert.ok(
      (get.status === 200 && get.body === '1') || get.status === 400,
      `GET after an unanswered ping: ${get.status} ${JSON.stringify(get.body)}`,
    );
    assert.ok(Date.now() - handshakeAt < CLOSE_DEADLINE, 'session should be closed by the ping timeout');
    await s.assertGone();
  });

  it('WebSocket: the server pings ("2"), pongs keep the connection alive across 3 cycles', async () => {
    const { socket } = await openWs({ autoPong: false });
    for (let cycle = 1; cycle <= 3; cycle++) {
      await socket.expect('2');
      socket.send('3');
    }
    socket.send('4still here');
    const frame = await socket.next();
    assert.equal(frame, '4still here');
  });

  it('WebSocket: without a pong the server closes the connection', async () => {
    const startedAt = Date.now();
    const { socket } = await openWs({ autoPong: false, showPings: true });
    await socket.waitClosed(CLOSE_DEADLINE, 'no pong: the connection should be closed by the ping timeout');
    assert.deepStrictEqual(socket.frames, ['2'], 'one ping, then the close');
    assert.ok(Date.now() - startedAt >= PING_INTERVAL, 'closed before the ping was even due');
  });

  it('polling: a ping "2" from the client is a protocol violation and closes the session', async () => {
    const s = await open();
    const res = await s.post('2');
    assert.ok(res.aborted || res.status === 200 || res.status === 400, `POST 2: ${res.status} ${res.body}`);
    await s.assertGone();
  });

  it('WebSocket: a ping "2" from the client is a protocol violation and closes the connection', async () => {
    const { socket } = await openWs({ autoPong: true });
    await socket.expectCloseAfter(['2'], { probe: '4still open?' });
  });
});

/**
 * Upgrades polling session `s` as engine.io-client does: WebSocket open, a GET pending, "2probe" ->
 * "3probe", the pending GET released with a noop "6", then "5". Returns the upgraded socket.
 */
async function upgrade(s) {
  const ws = upgradeSocket(s);
  await ws.waitOpen();
  const pending = s.get();
  ws.send('2probe');
  await ws.expect('3probe');
  // The pending GET is released with a noop. (If the ping raced ahead of it, answer and poll again.)
  let packets = (await pending).body.split(RS);
  while (!packets.includes('6')) {
    assert.deepStrictEqual(packets, ['2'], 'only a ping may precede the noop');
    await s.send('3');
    packets = await s.poll();
  }
  assert.deepStrictEqual(packets.filter((p) => p !== '2'), ['6']);
  ws.send('5');
  return ws;
}

describe('Engine.IO upgrade', () => {
  it('polling -> WebSocket: 2probe/3probe, the pending GET is released with "6", 5, then echo over WebSocket', async () => {
    const s = await open();
    const ws = await upgrade(s);
    ws.send('4hello');
    await ws.expect('4hello');
    ws.send(Buffer.from([9, 8, 7]));
    await ws.expect([9, 8, 7]);
  });

  it('2probe and 5 sent back to back (no GET pending): the WebSocket carries exactly "3probe", then the echo', async () => {
    const s = await open();
    const ws = upgradeSocket(s);
    ws.send('2probe');
    ws.send('5');
    ws.send('4hello');
    await ws.expect('3probe');
    await ws.expect('4hello');
  });

  it('after the upgrade, polling GET and POST with that sid get 400 {code:3}', async () => {
    const s = await open();
    const ws = await upgrade(s);
    ws.send('4upgraded');
    // the echo can only come over the WebSocket once the upgrade is done
    await ws.expect('4upgraded');
    assertEngineError(await s.get(), ...ENGINE_ERRORS.badRequest, 'GET after upgrade');
    assertEngineError(await s.post('4hello'), ...ENGINE_ERRORS.badRequest, 'POST after upgrade');
    ws.send('4hello');
    await ws.expect('4hello');
  });

  it('a second WebSocket with the same sid after the upgrade is accepted (101) then closed; the first keeps working', async () => {
    const s = await open();
    const ws = await upgrade(s);
    ws.send('4first');
    await ws.expect('4first');
    const second = upgradeSocket(s);
    const info = await second.waitClosed();
    assert.equal(info.opened, true, `second WebSocket should be accepted then closed, got ${JSON.stringify(info)}`);
    assert.deepStrictEqual(second.frames, []);
    ws.send('4hello');
    await ws.expect('4hello');
  });

  it('a second WebSocket while an upgrade is in progress is closed; the first upgrade completes', async () => {
    const s = await open();
    const ws = upgradeSocket(s);
    ws.send('2probe');
    await ws.expect('3probe');
    const second = upgradeSocket(s);
    second.send('2probe');
    await second.waitClosed();
    assert.deepStrictEqual(second.frames, []);
    const polled = await s.poll(); // the noop queued by the probe
    assert.deepStrictEqual(polled.filter((p) => p !== '2'), ['6']);
    ws.send('5');
    ws.send('4hello');
    await ws.expect('4hello');
  });

  it('a packet other than "5" after the probe aborts the upgrade; the session goes on over polling', async () => {
    const s = await open();
    const ws = upgradeSocket(s);
    ws.send('2probe');
    await ws.expect('3probe');
    ws.send('4not an upgrade');
    await ws.waitClosed();
    await s.send('4still polling');
    const seen = [];
    for (let i = 0; i < 5 && !seen.includes('4still polling'); i++) seen.push(...(await s.pollSkippingPings()));
    // a noop may precede the echo (it released, or would have released, a GET during the probe)
    assert.deepStrictEqual(seen.filter((p) => p !== '6'), ['4still polling']);
  });

  // Outcry's rule (the Node reference answers the probe of such a socket): nothing to upgrade, closed.
  it('a WebSocket upgrade of a session opened over WebSocket is closed; the session keeps working', async () => {
    const { socket, sid } = await openWs();
    const second = new RawSocket(wsUrl(server.url, `${PATH}?EIO=4&transport=websocket&sid=${encodeURIComponent(sid)}`));
    second.send('2probe');
    await second.waitClosed();
    assert.deepStrictEqual(second.frames, []);
    socket.send('4hello');
    await socket.expect('4hello');
  });
});

describe('Engine.IO payload limits', () => {
  it(`a POST of exactly maxHttpBufferSize (${MAX_PAYLOAD} bytes) is accepted and echoed`, async () => {
    const s = await open();
    const payload = `4${'x'.repeat(MAX_PAYLOAD - 1)}`;
    await s.send(payload);
    const packets = await s.pollSkippingPings();
    assert.equal(packets.length, 1);
    assert.equal(packets[0].length, MAX_PAYLOAD);
    assert.ok(packets[0] === payload, 'echo differs');
  });

  it('a POST over maxHttpBufferSize is answered 413 and its packets are dropped', async () => {
    const s = await open();
    const res = await s.post(`4${'x'.repeat(MAX_PAYLOAD)}`);
    assert.equal(res.status, 413);
  });

  it('the limit counts UTF-8 bytes, not characters', async () => {
    const s = await open();
    // 1 + 2 * 500000 = 1,000,001 bytes in 500,001 characters
    const res = await s.post(`4${'\u00e9'.repeat(MAX_PAYLOAD / 2)}`);
    assert.equal(res.status, 413);
  });

  it('WebSocket: a message of exactly maxPayload bytes is echoed', async () => {
    const { socket } = await openWs();
    const payload = `4${'y'.repeat(MAX_PAYLOAD - 1)}`;
    socket.send(payload);
    const frame = await socket.next(10_000);
    assert.equal(frame.length, MAX_PAYLOAD);
    assert.ok(frame === payload, 'echo differs');
  });

  it('WebSocket: a message over maxPayload closes the connection', async () => {
    const { socket } = await openWs();
    await socket.expectCloseAfter([`4${'y'.repeat(MAX_PAYLOAD)}`], { probe: '4still open?', timeoutMs: 10_000 });
  });

  it('a POST with Content-Type application/octet-stream is an error and closes the session', async () => {
    const s = await open();
    const res = await s.post('4hello', { headers: { 'content-type': 'application/octet-stream' } });
    assert.ok(res.aborted || res.status >= 400, `POST octet-stream: ${res.status} ${res.body}`);
    await s.assertGone();
  });
});

describe('Engine.IO transport mismatch', () => {
  it('a polling request with a sid for a session opened over WebSocket -> 400 {code:3}', async () => {
    const { socket, sid } = await openWs();
    const res = await request(server.url, `${PATH}?EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`);
    assertEngineError(res, ...ENGINE_ERRORS.badRequest);
    socket.send('4alive');
    await socket.expect('4alive');
  });

  it('the frame-queue helper really times out (so every "expect a frame" assertion can fail)', async () => {
    // guards the helpers themselves: a frame that never comes must fail the wait
    const { socket } = await openWs();
    await assert.rejects(socket.next(100), /no frame within 100 ms/);
    await assert.rejects(withDeadline(new Promise(() => {}), 50, 'never'), /never/);
  });
});
