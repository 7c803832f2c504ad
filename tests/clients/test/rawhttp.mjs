// A raw TCP connection to the server, for requests that must arrive in pieces, carry bytes behind them, or follow one
// another on the same connection (11-direct-websockets, 13-direct-polling).
import { connect as tcpConnect } from 'node:net';
import { withDeadline, DEADLINE } from './raw.mjs';

/** A raw TCP connection that collects what the server sends. */
export class RawConnection {
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

/** Opens a raw connection for `use`, and closes it afterwards whatever happened. */
export async function withRaw(url, use) {
  const connection = new RawConnection(url);
  try {
    await connection.ready;
    return await use(connection);
  } finally {
    connection.end();
  }
}

