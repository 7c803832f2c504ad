// Raw-protocol helpers (no Socket.IO / Engine.IO client library): HTTP long-polling through
// fetch and WebSockets through the `ws` package. Nothing here sleeps: every wait is on an
// event (a frame, a close, a response) with a deadline.
import { afterEach } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';

export const RS = '\x1e'; // Engine.IO v4 polling payload record separator
export const DEADLINE = 3000; // default deadline (ms) for anything expected to happen "soon"

/** The conformance server's Engine.IO settings. */
export const PING_INTERVAL = 300;
export const PING_TIMEOUT = 200;
export const MAX_PAYLOAD = 1_000_000;

/** Rejects with `message` (a string, or a function called at the deadline) after `ms` unless `promise` settles first. */
export function withDeadline(promise, ms, message) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${typeof message === 'function' ? message() : message} (deadline ${ms} ms)`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---------------------------------------------------------------------------------------------
// HTTP

/**
 * One HTTP request. Resolves with { status, headers, type, body (string), bytes (Buffer) },
 * or, when the server aborts the connection, with { status: 0, aborted: true, error }.
 */
export async function request(baseUrl, path, { method = 'GET', body, headers, timeout = DEADLINE } = {}) {
  try {
    const res = await fetch(baseUrl + path, {
      method,
      body,
      headers,
      signal: AbortSignal.timeout(timeout),
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    return { status: res.status, headers: res.headers, type: res.headers.get('content-type'), body: bytes.toString('utf8'), bytes };
  } catch (error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError') {
      throw new Error(`${method} ${path}: no response within ${timeout} ms`);
    }
    return { status: 0, aborted: true, error };
  }
}

/** Asserts an Engine.IO JSON error answer: HTTP 400, application/json, exact body. */
export function assertEngineError(res, code, message, what = '') {
  assert.equal(res.status, 400, `${what}: status (body ${JSON.stringify(res.body)})`);
  assert.match(res.type ?? '', /^application\/json\b/, `${what}: content-type`);
  assert.equal(res.body, JSON.stringify({ code, message }), `${what}: body`);
}

export const ENGINE_ERRORS = {
  unknownTransport: [0, 'Transport unknown'],
  unknownSid: [1, 'Session ID unknown'],
  badHandshakeMethod: [2, 'Bad handshake method'],
  badRequest: [3, 'Bad request'],
  unsupportedProtocol: [5, 'Unsupported protocol version'],
};

/** Parses and checks an open packet ("0{...}"); returns its JSON. */
export function assertOpenPacket(packet, upgrades) {
  assert.equal(typeof packet, 'string', 'open packet must be text');
  assert.equal(packet[0], '0', `open packet: ${packet}`);
  const open = JSON.parse(packet.slice(1));
  assert.deepStrictEqual(Object.keys(open).sort(), ['maxPayload', 'pingInterval', 'pingTimeout', 'sid', 'upgrades']);
  assert.equal(typeof open.sid, 'string');
  assert.ok(open.sid.length > 0, 'empty sid');
  assert.deepStrictEqual(open.upgrades, upgrades);
  assert.equal(open.pingInterval, PING_INTERVAL);
  assert.equal(open.pingTimeout, PING_TIMEOUT);
  assert.equal(open.maxPayload, MAX_PAYLOAD);
  return open;
}

/** A raw Engine.IO long-polling session on `path` ("/engine.io/" or "/socket.io/"). */
export class PollingSession {
  constructor(baseUrl, path, sid) {
    this.baseUrl = baseUrl;
    this.path = path;
    this.sid = sid;
  }

  static async open(baseUrl, path = '/engine.io/') {
    const res = await request(baseUrl, `${path}?EIO=4&transport=polling`);
    assert.equal(res.status, 200, `handshake: ${res.status} ${res.body}`);
    const open = assertOpenPacket(res.body, ['websocket']);
    return new PollingSession(baseUrl, path, open.sid);
  }

  query(transport = 'polling') {
    return `${this.path}?EIO=4&transport=${transport}&sid=${encodeURIComponent(this.sid)}`;
  }

  get(opts = {}) {
    return request(this.baseUrl, this.query(), opts);
  }

  post(body, opts = {}) {
    return request(this.baseUrl, this.query(), {
      method: 'POST',
      body,
      ...opts,
      headers: { 'content-type': 'text/plain;charset=UTF-8', ...opts.headers },
    });
  }

  /** POSTs and asserts the "ok" answer. */
  async send(body) {
    const res = await this.post(body);
    assert.equal(res.status, 200, `POST ${JSON.stringify(body.slice?.(0, 80))}: ${res.status} ${res.body}`);
    assert.equal(res.body, 'ok');
    return res;
  }

  /** GETs and asserts a 200 answer; returns the packets (split on \x1e). */
  async poll(opts) {
    const res = await this.get(opts);
    assert.equal(res.status, 200, `GET: ${res.status} ${res.body}`);
    return res.body.split(RS);
  }

  /**
   * GETs until a non-heartbeat packet arrives, answering each ping "2" with a pong "3".
   * Returns the remaining packets of that payload.
   */
  async pollSkippingPings(deadlineMs = DEADLINE) {
    const end = Date.now() + deadlineMs;
    for (;;) {
      const remaining = end - Date.now();
      if (remaining <= 0) throw new Error(`no packet other than pings within ${deadlineMs} ms`);
      const packets = await this.poll({ timeout: remaining });
      const rest = packets.filter((p) => p !== '2');
      if (rest.length !== packets.length) await this.send('3');
      if (rest.length) return rest;
    }
  }

  /** Asserts the session is gone: a GET is answered 400 {code:1}. */
  async assertGone(what = 'session') {
    assertEngineError(await this.get(), ...ENGINE_ERRORS.unknownSid, `${what} should be closed`);
  }
}

// ---------------------------------------------------------------------------------------------
// WebSocket

const openSockets = new Set();
afterEach(() => {
  for (const c of openSockets) c.terminate();
  openSockets.clear();
});

/**
 * A raw WebSocket whose frames are queued: `await next()` returns the next frame (text → string,
 * binary → Buffer). Options:
 *   autoPong  (default true): answer every Engine.IO ping "2" with a pong "3".
 *   showPings (default false): also queue the pings (otherwise they are swallowed).
 * `closed` resolves (never rejects) with { code, reason, opened, rejected } once the socket closed;
 * `rejected` is { status, body } when the server refused the upgrade with an HTTP answer.
 */
export class RawSocket {
  constructor(url, { autoPong = true, showPings = false } = {}) {
    this.url = url;
    this.autoPong = autoPong;
    this.showPings = showPings;
    this.frames = [];
    this.waiters = [];
    this.opened = false;
    this.isClosed = false;
    this.closeInfo = null;
    this.errors = [];
    this.rejected = null;
    this.ws = new WebSocket(url, { perMessageDeflate: false });
    this.ws.binaryType = 'nodebuffer';
    openSockets.add(this);
    this.closed = new Promise((resolve) => {
      this.ws.on('close', (code, reason) => {
        this.isClosed = true;
        this.closeInfo = { code, reason: reason.toString(), opened: this.opened, rejected: this.rejected };
        openSockets.delete(this);
        this.flushWaiters();
        resolve(this.closeInfo);
      });
    });
    this.ws.on('open', () => {
      this.opened = true;
    });
    this.ws.on('error', (err) => this.errors.push(err));
    this.ws.on('unexpected-response', (req, res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        this.rejected = { status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') };
        this.ws.terminate();
      });
      res.on('error', () => this.ws.terminate());
    });
    this.ws.on('message', (data, isBinary) => {
      const frame = isBinary ? Buffer.from(data) : data.toString('utf8');
      if (!isBinary && frame === '2' && this.autoPong) {
        this.send('3');
        if (!this.showPings) return;
      }
      this.frames.push(frame);
      this.flushWaiters();
    });
  }

  flushWaiters() {
    while (this.waiters.length && (this.frames.length || this.isClosed)) {
      const w = this.waiters.shift();
      if (this.frames.length) w.resolve(this.frames.shift());
      else w.reject(new Error(`connection closed (${JSON.stringify(this.closeInfo)}) while waiting for a frame`));
    }
  }

  /** Next frame within `timeoutMs` (text → string, binary → Buffer). */
  next(timeoutMs = DEADLINE) {
    if (this.frames.length) return Promise.resolve(this.frames.shift());
    if (this.isClosed) return Promise.reject(new Error(`connection closed (${JSON.stringify(this.closeInfo)}) while waiting for a frame`));
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no frame within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Next frame, asserted to be exactly `expected` (string, or Buffer/array for binary). */
  async expect(expected, timeoutMs = DEADLINE) {
    const frame = await this.next(timeoutMs);
    if (typeof expected === 'string') {
      assert.equal(typeof frame, 'string', `expected text ${JSON.stringify(expected)}, got binary ${frame?.toString?.('hex')}`);
      assert.equal(frame, expected);
    } else {
      assert.ok(Buffer.isBuffer(frame), `expected a binary frame, got ${JSON.stringify(frame)}`);
      assert.deepStrictEqual([...frame], [...expected]);
    }
    return frame;
  }

  /** Resolves once the socket is open; rejects if it closes first or the deadline passes. */
  async waitOpen(timeoutMs = DEADLINE) {
    if (this.opened) return;
    await withDeadline(
      new Promise((resolve, reject) => {
        this.ws.once('open', resolve);
        this.closed.then((info) => reject(new Error(`closed before opening: ${JSON.stringify(info)} ${this.errors.map((e) => e.message)}`)));
      }),
      timeoutMs,
      `WebSocket ${this.url} did not open`,
    );
  }

  /** Resolves with the close info once closed; rejects when still open after `timeoutMs`. */
  waitClosed(timeoutMs = DEADLINE, why = 'the server should close the connection') {
    return withDeadline(this.closed, timeoutMs, () => `${why}; frames so far: ${JSON.stringify(this.frames.map(String))}`);
  }

  /**
   * Sends `frames`, then `probe` (a packet the server would answer if it kept the connection), and
   * asserts that the server closes the connection without sending any frame (pings aside).
   */
  async expectCloseAfter(frames, { probe, timeoutMs = DEADLINE } = {}) {
    for (const f of frames) this.send(f);
    if (probe !== undefined) this.send(probe);
    const what = `after ${JSON.stringify(frames.map(String))}`;
    let frame;
    try {
      frame = await this.next(timeoutMs);
    } catch (err) {
      if (this.isClosed && !this.frames.length) return this.closeInfo;
      throw new Error(`the server should close the connection ${what}: ${err.message}`);
    }
    assert.fail(`the server should close the connection ${what}, but it sent ${JSON.stringify(String(frame))}`);
  }

  /** Sends now, or once open when still connecting (frames keep their order); dropped once closed. */
  send(data) {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(data);
    else if (this.ws.readyState === WebSocket.CONNECTING) this.ws.once('open', () => this.ws.send(data));
  }

  terminate() {
    try {
      this.ws.terminate();
    } catch {
      /* ignore */
    }
  }
}

/** ws:// URL for an HTTP base URL and a path + query. */
export function wsUrl(baseUrl, pathAndQuery) {
  return baseUrl.replace(/^http/, 'ws') + pathAndQuery;
}

/** Opens an Engine.IO WebSocket session on `path`; returns { socket, sid } after the open packet. */
export async function openWsSession(baseUrl, path = '/engine.io/', opts = {}) {
  const socket = new RawSocket(wsUrl(baseUrl, `${path}?EIO=4&transport=websocket`), opts);
  const open = assertOpenPacket(await socket.next(), []);
  return { socket, sid: open.sid };
}
