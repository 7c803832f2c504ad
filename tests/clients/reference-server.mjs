// Reference implementation of the Outcry conformance-server contract, built on the
// OFFICIAL socket.io 4.8 server. It exists so that the client test suite can be
// validated against the reference behaviour (OUTCRY_REFERENCE=1 npm test).
//
// Usage: node reference-server.mjs --urls http://127.0.0.1:PORT
import { createServer } from 'node:http';
import { Server } from 'socket.io';

function parseUrls(argv) {
  let value;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--urls') value = argv[i + 1];
    else if (argv[i].startsWith('--urls=')) value = argv[i].slice('--urls='.length);
  }
  if (!value) throw new Error('missing --urls http://HOST:PORT');
  const u = new URL(value.split(';')[0]);
  return { host: u.hostname, port: Number(u.port) };
}

const { host, port } = parseUrls(process.argv.slice(2));

const httpServer = createServer((req, res) => {
  if (req.url === '/healthz' || req.url.startsWith('/healthz?')) {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    return;
  }
  res.writeHead(404).end();
});

const io = new Server(httpServer, {
  cors: { origin: '*' },
  pingInterval: 300,
  pingTimeout: 200,
  connectTimeout: 1000,
  maxHttpBufferSize: 1e6,
  serveClient: true,
});

function register(nsp) {
  nsp.on('connection', (socket) => {
    socket.emit('auth', socket.handshake.auth);

    socket.on('message', (...args) => {
      socket.emit('message-back', ...args);
    });

    socket.on('message-with-ack', (...args) => {
      const ack = args.pop();
      if (typeof ack === 'function') ack(...args);
    });

    socket.on('join', (room, ack) => {
      socket.join(room);
      if (typeof ack === 'function') ack('joined');
    });

    socket.on('leave', (room, ack) => {
      socket.leave(room);
      if (typeof ack === 'function') ack('left');
    });

    socket.on('emit-to-room', (room, event, ...args) => {
      nsp.to(room).emit(event, ...args);
    });

    socket.on('server-ack', (event, ...args) => {
      socket.timeout(2000).emit(event, ...args, (err, ...results) => {
        if (err) socket.emit('server-ack-result', 'timeout');
        else socket.emit('server-ack-result', ...results);
      });
    });

    socket.on('disconnect-me', () => {
      socket.disconnect();
    });

    socket.on('close-transport', () => {
      socket.conn.close();
    });
  });
}

register(io.of('/'));
register(io.of('/custom'));

// A middleware-guarded namespace and dynamic namespaces (same contract as the conformance server).
function registerPrivate(nsp) {
  nsp.use((socket, next) => {
    if (socket.handshake.auth?.token !== 'secret') {
      const err = new Error('unauthorized');
      err.data = { code: 401 };
      return next(err);
    }
    socket.data.user = 'alice';
    next();
  });
  nsp.use(async (socket, next) => {
    await Promise.resolve();
    socket.data.checked = true;
    next();
  });
  nsp.on('connection', (socket) => {
    socket.emit('welcome', socket.data.user, socket.data.checked, socket.nsp.name);
  });
  register(nsp);
}

registerPrivate(io.of('/private'));
registerPrivate(io.of(/^\/dynamic-\d+$/));

httpServer.listen(port, host, () => {
  process.stdout.write(`reference server listening on http://${host}:${port}\n`);
});

const shutdown = () => {
  io.close();
  httpServer.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 500).unref();
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
