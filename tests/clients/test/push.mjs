// Helpers for the push-service tests: the HTTP API, JWTs, and checking who got a publication.
import { createHmac, sign as cryptoSign } from 'node:crypto';
import { once } from './util.mjs';

export const API_KEY = 'test-api-key';
export const JWT_SECRET = 'a-secret-of-at-least-thirty-two-bytes!';

/** POSTs JSON (or a raw string / URLSearchParams body) to the API; resolves { status, type, body, json }. */
export async function api(url, path, body, { key = API_KEY, bearer = false, method = 'POST', headers = {} } = {}) {
  const h = { ...headers };
  if (key !== null) {
    if (bearer) h.Authorization = `Bearer ${key}`;
    else h['X-Api-Key'] = key;
  }
  let payload;
  if (body instanceof URLSearchParams) {
    payload = body.toString();
    h['Content-Type'] = 'application/x-www-form-urlencoded';
  } else if (typeof body === 'string') {
    payload = body;
    h['Content-Type'] ??= 'application/json';
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    h['Content-Type'] = 'application/json';
  }
  const res = await fetch(`${url}${path}`, { method, headers: h, body: payload, signal: AbortSignal.timeout(5000) });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, type: res.headers.get('content-type'), body: text, json };
}

const b64url = (data) => Buffer.from(typeof data === 'string' ? data : JSON.stringify(data)).toString('base64url');

/** A JWT: HS256 with `secret`, or RS256/ES256 with a private KeyObject. `claims` get `exp` one hour ahead unless given. */
export function jwt(claims, { secret = JWT_SECRET, alg = 'HS256', key } = {}) {
  const payload = { exp: Math.floor(Date.now() / 1000) + 3600, ...claims };
  for (const k of Object.keys(payload)) if (payload[k] === undefined) delete payload[k];
  const head = `${b64url({ alg, typ: 'JWT' })}.${b64url(payload)}`;
  let signature;
  if (alg === 'none') signature = '';
  else if (alg === 'HS256') signature = createHmac('sha256', secret).update(head).digest('base64url');
  else if (alg === 'RS256') signature = cryptoSign('sha256', Buffer.from(head), key).toString('base64url');
  else if (alg === 'ES256') signature = cryptoSign('sha256', Buffer.from(head), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  else throw new Error(`unsupported alg ${alg}`);
  return `${head}.${signature}`;
}

/** An offset as Outcry writes it: "{epoch}-{sequence}" (opaque to clients; tests look inside). */
export const OFFSET = /^[0-9a-f]{12}-\d+$/;

/**
 * Asserts who receives a publication: `publish()` sends it (event `event`), then `marker()` sends a second
 * publication (event 'marker') that every socket in `all` receives. Sockets deliver in order, so a socket
 * that saw the marker without the first event never gets it. Resolves with the arguments the `expected` sockets
 * got, less the offset every kept publication carries as its last argument (its `offsets` property lists them).
 */
export async function deliveredTo({ all, expected, event, publish, marker, offsets = true }) {
  const seen = new Map(all.map((s) => [s, []]));
  const handlers = all.map((s) => {
    const h = (...args) => seen.get(s).push(args);
    s.on(event, h);
    return [s, h];
  });
  try {
    const markers = all.map((s) => once(s, 'marker'));
    await publish();
    await marker();
    await Promise.all(markers);
    const got = [];
    Object.defineProperty(got, 'offsets', { value: [], enumerable: false });
    for (const s of all) {
      const received = seen.get(s);
      if (expected.includes(s)) {
        if (received.length !== 1) throw new Error(`socket ${s.id} expected "${event}" once, got ${received.length}`);
        let args = received[0];
        if (offsets) {
          const offset = args.at(-1);
          if (typeof offset !== 'string' || !OFFSET.test(offset)) throw new Error(`"${event}" should end with an offset: ${JSON.stringify(args)}`);
          got.offsets.push(offset);
          args = args.slice(0, -1);
        }
        got.push(args);
      } else if (received.length !== 0) {
        throw new Error(`socket ${s.id} must not receive "${event}", got ${JSON.stringify(received)}`);
      }
    }
    return got;
  } finally {
    for (const [s, h] of handlers) s.off(event, h);
  }
}

/**
 * A consumed queue's or stream's lag on `node`, from its /metrics: -1 while unknown, while another node consumes it,
 * or when the node does not answer.
 */
export async function queueLag(node, transport, queue) {
  const text = await fetch(`${node.url}/metrics`).then((res) => res.text()).catch(() => '');
  const match = text.match(new RegExp(`outcry_queue_lag\\{transport="${transport}",queue="${queue}"\\} (-?\\d+)`));
  return match ? Number(match[1]) : -1;
}

/** [1, 2, …, count]: what a client must have received, once each and in order. */
export const oneTo = (count) => Array.from({ length: count }, (_, i) => i + 1);
