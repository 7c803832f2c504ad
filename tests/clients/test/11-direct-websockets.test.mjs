// 11. WebSocket connections served below Kestrel's HTTP layer (Outcry:DirectWebSockets, on by default), and the same
// connections through ASP.NET Core's request pipeline when it is off. Raw TCP here, so that the request can arrive in
// pieces, carry frames behind it, or follow another request on the same connection; the official client for the rest.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { connect as tcpConnect } from 'node:net';
import { useServer } from './server.mjs';
import { clientFactory, connected, echo, eventually, TRANSPORTS } from './util.mjs';
import { withDeadline, DEADLINE } from './raw.mjs';

/** A raw TCP connection that collects what the server sends. */
class RawConnection {
  constructor(url) {
    const { hostname, port } = new URL(url);
    this.received = Buffer.alloc(0);
    this.closed = false;
    this.waiters = [];
    this.socket = tcpConnect({ host: hostname, port: Number(port), noDelay: true });
    this.socket.on('data', (chunk) => {
      this.received = Buffer.concat([this.received, chunk]);
      this.wake();
    });
    this.socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    this.socket.on('error', () => {});
    this.ready = new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
  }

  wake() {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  write(bytes) {
    return new Promise((resolve) => this.socket.write(bytes, resolve));
  }

  /** Waits until `take(received)` returns a value (not undefined), which it consumes; rejects at the deadline. */
  async read(take, what) {
    const attempt = () => {
      const got = take(this.received);
      if (got !== undefined) return got;
      if (this.closed) throw new Error(`${what}: the connection closed; received ${JSON.stringify(this.received.toString('latin1'))}`);
      return undefined;
    };
    return withDeadline(
      (async () => {
        for (;;) {
          const got = attempt();
          if (got !== undefined) return got;
          await new Promise((resolve) => this.waiters.push(resolve));
        }
      })(),
      DEADLINE,
      () => `${what}: received ${JSON.stringify(this.received.toString('latin1'))}`,
    );
  }

  /** The next HTTP response head (status line and headers), and its body when it has a Content-Length. */
  response() {
    return this.read((buf) => {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return undefined;
      const head = buf.subarray(0, end).toString('latin1');
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (buf.length < end + 4 + length) return undefined;
      this.received = buf.subarray(end + 4 + length);
      return { head, status: Number(head.split(' ')[1]), body: buf.subarray(end + 4, end + 4 + length).toString('utf8') };
    }, 'an HTTP response');
  }

  /** The next WebSocket frame from the server (unmasked): { opcode, payload }. */
  frame() {
    return this.read((buf) => {
      if (buf.length < 2) return undefined;
      let length = buf[1] & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (buf.length < 4) return undefined;
        length = buf.readUInt16BE(2);
        offset = 4;
      }
      if (buf.length < offset + length) return undefined;
      this.received = buf.subarray(offset + length);
      return { opcode: buf[0] & 0x0f, payload: buf.subarray(offset, offset + length).toString('utf8') };
    }, 'a WebSocket frame');
  }

  end() {
    this.socket.destroy();
  }
}

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

async function openRaw(url) {
  const connection = new RawConnection(url);
  await connection.ready;
  return connection;
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

const ENGINE = '/engine.io/?EIO=4&transport=websocket';
// Kestrel names itself in the answers of its HTTP layer; a direct answer carries only the upgrade's own headers.
const FROM_KESTREL = /\r\nServer: Kestrel/i;

describe('WebSockets served below the HTTP layer (the default)', () => {
  const server = useServer();

  it('answers an upgrade that arrives in pieces, without the HTTP layer', async () => {
    const connection = await openRaw(server.url);
    try {
      const request = upgradeRequest(ENGINE);
      // Pauses shape the input into several TCP segments; nothing waits on them for a result.
      const cuts = [0, 5, 30, request.length - 10, request.length];
      for (let i = 1; i < cuts.length; i++) {
        await connection.write(request.subarray(cuts[i - 1], cuts[i]));
        await new Promise((r) => setTimeout(r, 20));
      }
      const answer = await assertOpened(connection);
      assert.doesNotMatch(answer.head, FROM_KESTREL);
    } finally {
      connection.end();
    }
  });

  it('keeps the bytes that follow the request for the WebSocket', async () => {
    const connection = await openRaw(server.url);
    try {
      await connection.write(Buffer.concat([upgradeRequest(ENGINE), textFrame('4right behind the request')]));
      await assertOpened(connection);
      assert.deepEqual(await connection.frame(), { opcode: 1, payload: '4right behind the request' });
    } finally {
      connection.end();
    }
  });

  it('hands any other first request to the HTTP layer unread, and the connection stays usable', async () => {
    const connection = await openRaw(server.url);
    try {
      await connection.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
      const health = await connection.response();
      assert.equal(health.status, 200);
      assert.equal(health.body, 'ok');

      // A later upgrade on that connection is the HTTP layer's, and still works.
      await connection.write(upgradeRequest(ENGINE));
      const answer = await assertOpened(connection);
      assert.match(answer.head, FROM_KESTREL);
    } finally {
      connection.end();
    }
  });

  it('leaves an upgrade it does not serve to the HTTP endpoint, which answers it as always', async () => {
    const connection = await openRaw(server.url);
    try {
      await connection.write(upgradeRequest('/engine.io/?EIO=3&transport=websocket'));
      const answer = await connection.response();
      assert.equal(answer.status, 400);
      assert.equal(answer.body, JSON.stringify({ code: 5, message: 'Unsupported protocol version' }));
    } finally {
      connection.end();
    }

    // An unknown session: accepted, then closed, as the reference server does.
    const unknown = await openRaw(server.url);
    try {
      await unknown.write(upgradeRequest('/engine.io/?EIO=4&transport=websocket&sid=nosuchsessionxxxxxxx'));
      assert.equal((await unknown.response()).status, 101);
      assert.equal((await unknown.frame()).opcode, 8);
    } finally {
      unknown.end();
    }
  });

  it('serves the official client over WebSocket and over polling upgraded to WebSocket', async () => {
    const make = clientFactory();
    for (const opts of [TRANSPORTS.websocket, {}]) {
      const { socket } = await connected(make, server.url, opts);
      assert.deepEqual(await echo(socket, ['direct', { n: 1 }]), ['direct', { n: 1 }]);
      socket.disconnect();
    }
  });
});

describe('WebSockets through the HTTP layer (Outcry:DirectWebSockets=false)', () => {
  const server = useServer({ args: ['--Outcry:DirectWebSockets=false'] });
  const make = clientFactory();

  it('answers a raw upgrade from the HTTP layer', async () => {
    const connection = await openRaw(server.url);
    try {
      await connection.write(Buffer.concat([upgradeRequest(ENGINE), textFrame('4hello')]));
      const answer = await assertOpened(connection);
      assert.match(answer.head, FROM_KESTREL);
      assert.deepEqual(await connection.frame(), { opcode: 1, payload: '4hello' });
    } finally {
      connection.end();
    }
  });

  for (const [name, opts] of Object.entries({ websocket: TRANSPORTS.websocket, 'polling then upgrade': {} })) {
    it(`serves the official client (${name})`, async () => {
      const { socket } = await connected(make, server.url, opts);
      assert.deepEqual(await echo(socket, ['through the pipeline']), ['through the pipeline']);
      await eventually(() => socket.io.engine.transport.name === 'websocket', 'the upgrade to WebSocket');
    });
  }
});
