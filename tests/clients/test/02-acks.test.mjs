// 2. acknowledgements client -> server, 3. acknowledgements server -> client.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useServer } from './server.mjs';
import { clientFactory, connected, once, TRANSPORTS } from './util.mjs';

const server = useServer();
const make = clientFactory();

/** emit with a plain ack callback; resolves with the ack's args. */
function emitAck(socket, event, ...args) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ack for "${event}" within 5000 ms`)), 5000);
    socket.emit(event, ...args, (...ackArgs) => {
      clearTimeout(timer);
      resolve(ackArgs);
    });
  });
}

for (const [name, opts] of Object.entries(TRANSPORTS)) {
  describe(`acks client -> server over ${name}`, () => {
    it('server acks with the same args', async () => {
      const { socket } = await connected(make, server.url, opts);
      const args = ['a', 1, { b: [true, null] }, null];
      assert.deepStrictEqual(await emitAck(socket, 'message-with-ack', ...args), args);
    });

    it('server acks with no args when none were sent', async () => {
      const { socket } = await connected(make, server.url, opts);
      assert.deepStrictEqual(await emitAck(socket, 'message-with-ack'), []);
    });

    it('several outstanding acks are matched to the right callbacks', async () => {
      const { socket } = await connected(make, server.url, opts);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => emitAck(socket, 'message-with-ack', i, `n${i}`)),
      );
      results.forEach((r, i) => assert.deepStrictEqual(r, [i, `n${i}`]));
    });

    it('socket.timeout(2000).emitWithAck resolves with the first ack arg', async () => {
      const { socket } = await connected(make, server.url, opts);
      assert.deepStrictEqual(await socket.timeout(2000).emitWithAck('message-with-ack', { x: 1 }), { x: 1 });
      assert.equal(await socket.timeout(2000).emitWithAck('message-with-ack', 'first', 'second'), 'first');
      assert.equal(await socket.emitWithAck('message-with-ack', 5), 5);
    });

    it("a namespace's handler (Namespace.On) serves each socket, and a socket's own handler wins", async () => {
      const [{ socket: a }, { socket: b }] = await Promise.all([connected(make, server.url, opts), connected(make, server.url, opts)]);
      assert.equal(await a.timeout(2000).emitWithAck('whoami'), a.id);
      assert.equal(await b.timeout(2000).emitWithAck('whoami'), b.id);
      assert.notEqual(a.id, b.id);
      assert.equal(await a.timeout(2000).emitWithAck('message-with-ack', 'own'), 'own');
    });

    it('socket.timeout(2000).emit callback gets (null, ...args)', async () => {
      const { socket } = await connected(make, server.url, opts);
      const got = await new Promise((resolve) => {
        socket.timeout(2000).emit('message-with-ack', 'x', 2, (...a) => resolve(a));
      });
      assert.deepStrictEqual(got, [null, 'x', 2]);
    });
  });

  describe(`acks server -> client over ${name}`, () => {
    it('server receives the values the client acked', async () => {
      const { socket } = await connected(make, server.url, opts);
      const handlerArgs = new Promise((resolve) => {
        socket.on('ask', (...args) => {
          const cb = args.pop();
          assert.equal(typeof cb, 'function', 'server must request an ack');
          resolve(args);
          cb('answer', 2, { y: [3] }, null);
        });
      });
      const result = once(socket, 'server-ack-result');
      socket.emit('server-ack', 'ask', 'q1', { q: 2 });
      assert.deepStrictEqual(await handlerArgs, ['q1', { q: 2 }]);
      assert.deepStrictEqual(await result, ['answer', 2, { y: [3] }, null]);
    });

    it('ack with no values yields a result with no args', async () => {
      const { socket } = await connected(make, server.url, opts);
      socket.on('ask-empty', (cb) => cb());
      const result = once(socket, 'server-ack-result');
      socket.emit('server-ack', 'ask-empty');
      assert.deepStrictEqual(await result, []);
    });
  });
}

describe('server -> client ack timeout', () => {
  it('client that never acks gets "server-ack-result" "timeout" (server timeout 2 s)', async () => {
    const { socket } = await connected(make, server.url, TRANSPORTS.websocket);
    let called = false;
    socket.on('no-answer', (...args) => {
      called = true;
      assert.equal(typeof args.at(-1), 'function', 'server must request an ack');
      // deliberately never call the ack
    });
    const started = Date.now();
    const result = once(socket, 'server-ack-result', 5000);
    socket.emit('server-ack', 'no-answer', 1);
    assert.deepStrictEqual(await result, ['timeout']);
    const elapsed = Date.now() - started;
    assert.equal(called, true);
    assert.ok(elapsed >= 1500, `timeout fired too early (${elapsed} ms)`);
  });
});
