'use strict';

// Reference peer for the Outcry benchmark: a stock socket.io 4 server with the same contract as
// bench/peers/SignalR (see ../README.md). Rooms come from `?itemId=`; publishing is `POST /pub`.
//
// Start: node --expose-gc bench/peers/socketio/server.js   (env PORT=3001, HOST=127.0.0.1, REDIS_URL for a cluster)

const http = require('node:http');
const { Server } = require('socket.io');

const PORT = Number(process.env.PORT || 3001);
const HOST = process.env.HOST || '127.0.0.1';

// Kestrel's default MaxRequestBodySize, so both peers refuse the same oversized /pub/batch with 413.
const MAX_BODY_BYTES = 30_000_000;

// socket.io refuses to emit these (RESERVED_EVENTS in socket.io/lib/socket-types.ts); checked while parsing so a
// /pub/batch holding one is refused whole instead of throwing halfway through.
const RESERVED_EVENTS = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);

class BadRequest extends Error {
  constructor(message, status = 400) {
    super(message);
    this.status = status;
  }
}

function send(res, status, contentType, body) {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function readJson(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        // Keep reading but drop the bytes: destroying the request here would lose the 413 as well.
        chunks.length = 0;
        reject(new BadRequest('body too large', 413));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) return;
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        reject(new BadRequest('malformed JSON'));
      }
    });
    req.on('error', reject);
  });
}

function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Shared by /pub and /pub/all: { "channel": "m", "message": <any JSON> }
function channelAndMessage(body) {
  if (!isObject(body)) throw new BadRequest('body must be a JSON object');
  if (typeof body.channel !== 'string' || body.channel.length === 0) {
    throw new BadRequest('"channel" must be a non-empty string');
  }
  if (RESERVED_EVENTS.has(body.channel)) throw new BadRequest(`"${body.channel}" is a reserved event name`);
  if (!Object.prototype.hasOwnProperty.call(body, 'message')) throw new BadRequest('"message" is required');
  return { channel: body.channel, message: body.message };
}

// /pub body: { "itemId": "5" | 5, "channel": "m", "message": <any JSON> }
function parsePub(body) {
  const { channel, message } = channelAndMessage(body);
  const { itemId } = body;
  if (!(typeof itemId === 'string' || (typeof itemId === 'number' && Number.isFinite(itemId)))) {
    throw new BadRequest('"itemId" must be a string or a number');
  }
  return { room: String(itemId), channel, message };
}

const httpServer = http.createServer(async (req, res) => {
  const path = req.url.split('?', 1)[0];
  try {
    if (req.method === 'POST' && path === '/pub') {
      const pub = parsePub(await readJson(req));
      io.to(pub.room).emit(pub.channel, pub.message);
      send(res, 200, 'text/plain', 'ok');
    } else if (req.method === 'POST' && path === '/pub/all') {
      const pub = channelAndMessage(await readJson(req));
      io.emit(pub.channel, pub.message);
      send(res, 200, 'text/plain', 'ok');
    } else if (req.method === 'POST' && path === '/pub/batch') {
      const body = await readJson(req);
      if (!Array.isArray(body)) throw new BadRequest('body must be a JSON array');
      // Validate the whole batch first so a bad entry does not leave it half published.
      const pubs = body.map(parsePub);
      for (const pub of pubs) io.to(pub.room).emit(pub.channel, pub.message);
      send(res, 200, 'text/plain', 'ok');
    } else if (req.method === 'GET' && path === '/gc') {
      if (typeof global.gc !== 'function') {
        send(res, 500, 'text/plain', 'gc not exposed: start node with --expose-gc');
        return;
      }
      global.gc();
      const mem = process.memoryUsage();
      send(res, 200, 'application/json', JSON.stringify({ rss: mem.rss, heap: mem.heapUsed }));
    } else if (req.method === 'GET' && path === '/healthz') {
      if (ready) send(res, 200, 'text/plain', 'ok');
      else send(res, 503, 'text/plain', 'connecting to redis');
    } else {
      send(res, 404, 'text/plain', 'not found');
    }
  } catch (err) {
    if (res.headersSent) return;
    const status = err instanceof BadRequest ? err.status : 500;
    send(res, status, 'text/plain', String((err && err.message) || err));
  }
});

// Defaults except where the benchmark contract pins them down. The Server constructor takes over the
// http server's 'request' listeners and forwards everything outside /socket.io/ to the handler above.
const io = new Server(httpServer, {
  path: '/socket.io/',
  perMessageDeflate: false,
  httpCompression: false,
  cors: { origin: true },
});

// Several nodes as one (the cluster benchmark): REDIS_URL=redis://127.0.0.1:6379 joins them with socket.io's own
// Redis adapter, as seed 000 does.
let ready = !process.env.REDIS_URL;
if (process.env.REDIS_URL) {
  const { createAdapter } = require('@socket.io/redis-adapter');
  const { createClient } = require('redis');
  const pub = createClient({ url: process.env.REDIS_URL });
  const sub = pub.duplicate();
  Promise.all([pub.connect(), sub.connect()]).then(() => {
    io.adapter(createAdapter(pub, sub));
    ready = true;
  }, (e) => {
    console.error(`redis: ${e.message}`);
    process.exit(1);
  });
}

io.on('connection', (socket) => {
  const { itemId } = socket.handshake.query;
  if (itemId !== undefined && itemId !== '') socket.join(String(itemId));
});

httpServer.listen(PORT, HOST, () => {
  console.log(`socket.io peer listening on http://${HOST}:${PORT}`);
});

function shutdown() {
  io.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
