// 14. WebSockets over HTTP/2 (RFC 8441): an extended CONNECT with :protocol websocket opens a session as an HTTP/1.1
// upgrade does, and Outcry's WebSocket reader serves it (fragments, pings, the close handshake). No official client
// speaks it, so the frames are written by hand over Node's HTTP/2 client.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { randomBytes } from 'node:crypto';
import { freePort, useServer } from './server.mjs';
import { withDeadline, DEADLINE } from './raw.mjs';

const h2port = await freePort();
// Cleartext HTTP/2 needs an endpoint of its own (prior knowledge); HTTP/1.1 stays on the usual port.
const server = useServer({
  args: [
    '--Kestrel:Endpoints:h1:Url=http://127.0.0.1:{port}',
    `--Kestrel:Endpoints:h2:Url=http://127.0.0.1:${h2port}`,
    '--Kestrel:Endpoints:h2:Protocols=Http2',
  ],
});

/** A masked client frame. */
function frame(opcode, payload, { fin = true } = {}) {
  const data = Buffer.from(payload);
  const mask = randomBytes(4);
  return Buffer.concat([
    Buffer.from([(fin ? 0x80 : 0) | opcode, 0x80 | data.length]),
    mask,
    Buffer.from(data.map((b, i) => b ^ mask[i % 4])),
  ]);
}

/** An extended CONNECT to the Engine.IO endpoint; collects and parses the server's (unmasked) frames. */
async function openWebSocket() {
  const session = http2.connect(`http://127.0.0.1:${h2port}`);
  session.on('error', () => {});
  await withDeadline(new Promise((resolve) => session.once('remoteSettings', resolve)), DEADLINE, () => 'no HTTP/2 settings');
  assert.equal(session.remoteSettings.enableConnectProtocol, true);
  const stream = session.request({
    ':method': 'CONNECT',
    ':protocol': 'websocket',
    ':scheme': 'http',
    ':path': '/socket.io/?EIO=4&transport=websocket',
    ':authority': `127.0.0.1:${h2port}`,
    'sec-websocket-version': '13',
  });
  let received = Buffer.alloc(0);
  let ended = false;
  const waiters = [];
  const wake = () => waiters.splice(0).forEach((w) => w());
  stream.on('data', (chunk) => { received = Buffer.concat([received, chunk]); wake(); });
  stream.on('end', () => { ended = true; wake(); });
  stream.on('error', () => { ended = true; wake(); });
  const status = await withDeadline(new Promise((resolve) => stream.once('response', (h) => resolve(h[':status']))), DEADLINE, () => 'no response');

  const next = () => withDeadline((async () => {
    for (;;) {
      if (received.length >= 2) {
        let length = received[1] & 0x7f;
        let offset = 2;
        if (length === 126) { length = received.readUInt16BE(2); offset = 4; }
        if (received.length >= offset + length) {
          const f = { opcode: received[0] & 0x0f, payload: received.subarray(offset, offset + length) };
          received = received.subarray(offset + length);
          return f;
        }
      }
      if (ended) throw new Error('the stream ended before a whole frame');
      await new Promise((resolve) => waiters.push(resolve));
    }
  })(), DEADLINE, () => `waiting for a frame; received ${JSON.stringify(received.toString('latin1'))}`);

  const closed = () => withDeadline((async () => {
    while (!ended) await new Promise((resolve) => waiters.push(resolve));
  })(), DEADLINE, () => 'the stream did not end');

  return { status, next, closed, send: (bytes) => stream.write(bytes), dispose: () => session.destroy() };
}

describe('WebSockets over HTTP/2 (extended CONNECT)', () => {
  it('opens a session, joins the namespace, and echoes a fragmented event with a ping between its frames', async () => {
    const ws = await openWebSocket();
    try {
      assert.equal(ws.status, 200);
      const open = await ws.next();
      assert.equal(open.opcode, 1);
      assert.match(open.payload.toString(), /^0\{"sid":"[\w-]{20}","upgrades":\[\]/);

      ws.send(frame(1, '40'));
      const connect = await ws.next();
      assert.match(connect.payload.toString(), /^40\{"sid":"[\w-]{20}"/);
      const auth = await ws.next(); // the conformance server emits "auth" on connection
      assert.match(auth.payload.toString(), /^42\["auth"/);

      ws.send(frame(1, '42["message",', { fin: false }));
      ws.send(frame(9, 'hb'));
      ws.send(frame(0, '"über"]'));
      const pong = await ws.next();
      assert.deepStrictEqual([pong.opcode, pong.payload.toString()], [10, 'hb']);
      const echoed = await ws.next();
      assert.equal(echoed.payload.toString(), '42["message-back","über"]');
    } finally {
      ws.dispose();
    }
  });

  // What the client sends, and the close code the server answers with before it ends the stream.
  const CLOSES = [
    ["the client's close frame", frame(8, Buffer.from([0x03, 0xe8])), 1000],
    ['an unmasked frame', Buffer.from([0x81, 0x02, 0x34, 0x30]), 1002],
  ];
  for (const [what, bytes, code] of CLOSES) {
    it(`answers ${what} with a close frame of code ${code} and ends the stream`, async () => {
      const ws = await openWebSocket();
      try {
        await ws.next(); // open
        ws.send(bytes);
        const close = await ws.next();
        assert.equal(close.opcode, 8);
        assert.equal(close.payload.readUInt16BE(0), code);
        await ws.closed();
      } finally {
        ws.dispose();
      }
    });
  }
});
