// Shared helpers for the client test suite. No sleeps: everything waits on events
// with a deadline.
import { afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { io } from 'socket.io-client';

export const DEFAULT_TIMEOUT = 5000;

/**
 * Waits for `event` on a component-emitter / EventEmitter (socket.io-client Socket,
 * Manager, engine). Resolves with the array of event arguments; rejects when
 * `timeoutMs` passes first. If `rejectOn` events are given, the first of them rejects.
 */
export function once(emitter, event, timeoutMs = DEFAULT_TIMEOUT, { rejectOn = [] } = {}) {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      clearTimeout(timer);
      emitter.off(event, onEvent);
      for (const [ev, fn] of failHandlers) emitter.off(ev, fn);
    };
    const onEvent = (...args) => {
      cleanup();
      resolve(args);
    };
    const failHandlers = rejectOn.map((ev) => [
      ev,
      (...args) => {
        cleanup();
        const detail = args[0] instanceof Error ? args[0].message : JSON.stringify(args);
        reject(new Error(`got "${ev}" (${detail}) while waiting for "${event}"`));
      },
    ]);
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for "${event}"`));
    }, timeoutMs);
    emitter.on(event, onEvent);
    for (const [ev, fn] of failHandlers) emitter.on(ev, fn);
  });
}

/**
 * Polls `check` (sync or async) until it returns true, or fails with `what` at the deadline; for state that has no
 * event to wait on. `check` may call its argument with what it saw, which the failure message shows.
 */
export async function eventually(check, what, timeoutMs = DEFAULT_TIMEOUT) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (!(await check((seen) => (last = seen)))) {
    if (Date.now() > deadline) throw new Error(`${what} (within ${timeoutMs} ms); last seen ${JSON.stringify(last)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Records every emission of `event`; returns the live array of argument arrays. */
export function record(emitter, event) {
  const seen = [];
  emitter.on(event, (...args) => seen.push(args));
  return seen;
}

/**
 * Registers an afterEach hook that closes every client created through the returned
 * factory. The factory creates a client with autoConnect disabled and a fresh Manager
 * (forceNew), so listeners can be attached before connecting.
 */
export function clientFactory() {
  const created = [];
  afterEach(() => {
    while (created.length) {
      const s = created.pop();
      try {
        s.disconnect();
        s.io.engine?.close();
      } catch {
        /* ignore */
      }
    }
  });
  return (url, opts = {}) => {
    const s = io(url, { forceNew: true, autoConnect: false, reconnectionDelay: 100, reconnectionDelayMax: 200, ...opts });
    created.push(s);
    return s;
  };
}

/** Connects `socket` and waits for "connect" (rejects on "connect_error" or deadline). */
export async function connect(socket, timeoutMs = DEFAULT_TIMEOUT) {
  const p = once(socket, 'connect', timeoutMs, { rejectOn: ['connect_error'] });
  socket.connect();
  await p;
  return socket;
}

/**
 * Creates a client, attaches an "auth" waiter before connecting, connects.
 * Returns { socket, auth } where auth is a promise of the "auth" event's args.
 */
export async function connected(make, url, opts = {}) {
  const socket = make(url, opts);
  const auth = once(socket, 'auth');
  auth.catch(() => {}); // avoid unhandled rejection when a test does not await it
  await connect(socket);
  return { socket, auth };
}

/** Emits "message" and waits for the "message-back" echo; returns its args. */
export async function echo(socket, args, timeoutMs = DEFAULT_TIMEOUT) {
  const p = once(socket, 'message-back', timeoutMs, { rejectOn: ['disconnect'] });
  socket.emit('message', ...args);
  return p;
}

/** Transport option sets used across the suite. */
export const TRANSPORTS = {
  websocket: { transports: ['websocket'] },
  polling: { transports: ['polling'], upgrade: false },
};

/**
 * Recursively converts every binary value (Buffer, typed array, ArrayBuffer) to a
 * plain Buffer so that payloads can be compared with deepStrictEqual regardless of
 * how the client materialised them.
 */
export function normalizeBinary(value) {
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (Array.isArray(value)) return value.map(normalizeBinary);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalizeBinary(v)]));
  }
  return value;
}

export function isBinary(value) {
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

/** Records every event (name, args) the socket receives, in order. */
export function recordAll(socket) {
  const events = [];
  socket.onAny((event, ...args) => events.push([event, ...args]));
  return events;
}

/** Drops the link (not a manual disconnect) and keeps the client from reconnecting until `back()`. */
export async function dropLink(socket) {
  socket.io.reconnection(false);
  const gone = once(socket, 'disconnect');
  socket.io.engine.close();
  const [reason] = await gone;
  assert.equal(reason, 'forced close'); // the client's name for closing its transport; the server sees the link go
  return async () => {
    socket.io.reconnection(true);
    const back = once(socket, 'connect');
    socket.connect();
    await back;
  };
}
