// 11. WebSocket connections served below Kestrel's HTTP layer (Outcry:DirectWebSockets, on by default): on their bare
// sockets when the upgrade is the connection's first request and arrives whole (Outcry:DirectTransport, on by default),
// else on Kestrel's transport, by its connection middleware; and the same connections through ASP.NET Core's request
// pipeline when it is off. Raw TCP here, so that the request can arrive in
// pieces, carry frames behind it, or follow another request on the same connection; the official client for the rest.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { startServer, useServer } from './server.mjs';
import { clientFactory, connected, echo, eventually, TRANSPORTS } from './util.mjs';
import { withRaw } from './rawhttp.mjs';
import { RawSocket } from './raw.mjs';

const KEY = randomBytes(16).toString('base64');
const ACCEPT = createHash('sha1').update(KEY + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');

function upgradeRequest(path, { headers = {} } = {}) {
  const lines = [
    `GET ${path} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Connection: keep-alive, Upgrade',
    'upgrade: WebSocket',
    'Sec-WebSocket-Version: 13',
    `Sec-WebSocket-Key: ${KEY}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  return Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
}

/** A masked client text frame. */
function textFrame(text) {
  const payload = Buffer.from(text, 'utf8');
  const mask = randomBytes(4);
  const masked = Buffer.from(payload.map((b, i) => b ^ mask[i % 4]));
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]);
}

async function assertOpened(connection) {
  const answer = await connection.response();
  assert.equal(answer.status, 101, answer.head);
  assert.match(answer.head, new RegExp(`\\r\\nSec-WebSocket-Accept: ${ACCEPT.replace(/[+/]/g, '\\$&')}(\\r|$)`, 'i'));
  const open = await connection.frame();
  assert.equal(open.opcode, 1);
  assert.match(open.payload, /^0\{"sid":"[\w-]{20}"/);
  return answer;
}

/**
 * The official client echoes over WebSocket, and over polling that then upgrades to WebSocket; and a message close to
 * the size limit comes back whole, in one frame of its own, with a small one after it in order. (A send the kernel
 * takes only in part is 27-slow-consumer's stalled reader: with Outcry:WriteToSocket, the rest of it leaves by an
 * asynchronous send, and that test fails without it.)
 */
function servesTheOfficialClient(server) {
  const make = clientFactory();
  for (const [name, opts] of Object.entries({ websocket: TRANSPORTS.websocket, 'polling then upgrade': {} })) {
    it(`serves the official client (${name})`, async () => {
      const { socket } = await connected(make, server.url, opts);
      assert.deepEqual(await echo(socket, ['echoed', { n: 1 }]), ['echoed', { n: 1 }]);
      await eventually(() => socket.io.engine.transport.name === 'websocket', 'the upgrade to WebSocket');
    });
  }

  it('echoes a 900 kB message whole, and the next one after it', async () => {
    const { socket } = await connected(make, server.url, TRANSPORTS.websocket);
    const big = randomBytes(450_000).toString('hex');
    const back = [];
    socket.on('message-back', (...args) => back.push(args));
    socket.emit('message', big);
    socket.emit('message', 'after');
    await eventually(() => back.length === 2, 'both echoes');
    assert.equal(back[0][0].length, big.length);
    assert.ok(back[0][0] === big, 'the big message came back unchanged');
    assert.deepEqual(back[1], ['after']);
  });
}

const ENGINE = '/engine.io/?EIO=4&transport=websocket';
// Kestrel names itself in the answers of its HTTP layer; a direct answer carries only the upgrade's own headers.
const FROM_KESTREL = /\r\nServer: Kestrel/i;

describe('WebSockets served below the HTTP layer (the default)', () => {
  const server = useServer();

  it('answers an upgrade that arrives in pieces, without the HTTP layer', async () => {
    await withRaw(server.url, async (connection) => {
      const request = upgradeRequest(ENGINE);
      // Pauses shape the input into several TCP segments; nothing waits on them for a result.
      const cuts = [0, 5, 30, request.length - 10, request.length];
      for (let i = 1; i < cuts.length; i++) {
        await connection.write(request.subarray(cuts[i - 1], cuts[i]));
        await new Promise((r) => setTimeout(r, 20));
      }
      const answer = await assertOpened(connection);
      assert.doesNotMatch(answer.head, FROM_KESTREL);
    });
  });

  it('keeps the bytes that follow the request for the WebSocket', async () => {
    await withRaw(server.url, async (connection) => {
      await connection.write(Buffer.concat([upgradeRequest(ENGINE), textFrame('4right behind the request')]));
      await assertOpened(connection);
      assert.deepEqual(await connection.frame(), { opcode: 1, payload: '4right behind the request' });
    });
  });

  it('hands any other first request to the HTTP layer unread, and the connection stays usable', async () => {
    await withRaw(server.url, async (connection) => {
      await connection.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      const health = await connection.response();
      assert.equal(health.status, 200);
      assert.equal(health.body, 'ok');

      // A later upgrade on that connection is the HTTP layer's, and still works.
      await connection.write(upgradeRequest(ENGINE));
      const answer = await assertOpened(connection);
      assert.match(answer.head, FROM_KESTREL);
    });
  });

  it('leaves an upgrade it does not serve to the HTTP endpoint, which answers it as always', async () => {
    await withRaw(server.url, async (connection) => {
      await connection.write(upgradeRequest('/engine.io/?EIO=3&transport=websocket'));
      const answer = await connection.response();
      assert.equal(answer.status, 400);
      assert.equal(answer.body, JSON.stringify({ code: 5, message: 'Unsupported protocol version' }));
    });

    // An unknown session: accepted, then closed, as the reference server does.
    await withRaw(server.url, async (unknown) => {
      await unknown.write(upgradeRequest('/engine.io/?EIO=4&transport=websocket&sid=nosuchsessionxxxxxxx'));
      assert.equal((await unknown.response()).status, 101);
      assert.equal((await unknown.frame()).opcode, 8);
    });
  });

  servesTheOfficialClient(server);
});

// The other ways of serving a WebSocket below the HTTP layer: a raw upgrade with a frame behind it, and the official client.
for (const [how, flag] of [
  ['written through the transport\'s pipe', 'WriteToSocket'],
  ['on Kestrel\'s transport', 'DirectTransport'],
]) {
  describe(`WebSockets served below the HTTP layer, ${how} (Outcry:${flag}=false)`, () => {
    const server = useServer({ args: [`--Outcry:${flag}=false`] });

    it('answers a raw upgrade without the HTTP layer, and the frames behind it', async () => {
      await withRaw(server.url, async (connection) => {
        await connection.write(Buffer.concat([upgradeRequest(ENGINE), textFrame(`4${how}`)]));
        const answer = await assertOpened(connection);
        assert.doesNotMatch(answer.head, FROM_KESTREL);
        assert.deepEqual(await connection.frame(), { opcode: 1, payload: `4${how}` });
      });
    });

    servesTheOfficialClient(server);
  });
}

describe('WebSockets through the HTTP layer (Outcry:DirectWebSockets=false)', () => {
  const server = useServer({ args: ['--Outcry:DirectWebSockets=false'] });

  it('answers a raw upgrade from the HTTP layer', async () => {
    await withRaw(server.url, async (connection) => {
      await connection.write(Buffer.concat([upgradeRequest(ENGINE), textFrame('4hello')]));
      const answer = await assertOpened(connection);
      assert.match(answer.head, FROM_KESTREL);
      assert.deepEqual(await connection.frame(), { opcode: 1, payload: '4hello' });
    });
  });

  servesTheOfficialClient(server);
});

describe('a server stopping', () => {
  // The conformance server closes no session itself on stopping: the transport does, and waits for the close frames.
  it('closes its bare WebSockets with a close frame before it exits', async () => {
    const server = await startServer();
    try {
      const socket = new RawSocket(`${server.url.replace(/^http/, 'ws')}${ENGINE}`);
      assert.match(await socket.next(), /^0\{"sid"/);
      await server.stop();
      assert.equal((await socket.closed).code, 1000, 'a close frame, not a dropped connection (1006)');
    } finally {
      await server.stop();
    }
  });
});
