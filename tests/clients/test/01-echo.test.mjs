// 1. connect + echo over each transport configuration.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useServer } from './server.mjs';
import { clientFactory, connect, connected, echo, once, TRANSPORTS } from './util.mjs';

const server = useServer();
const make = clientFactory();

const SAMPLES = [
  ['hello'],
  [42, -1.5, 0, 0.1, 9007199254740991, 1e21],
  [{ a: 1, nested: { b: [1, 'two', null, true, false], empty: {} } }],
  [null],
  ['mixed', 7, { k: 'v' }, null, [1, [2, [3]]], true, ''],
  ['üñíçødé ✓ 😀 "quotes" \\ backslash \n newline'],
  [],
];

describe('connect + echo', () => {
  for (const [name, opts] of Object.entries(TRANSPORTS)) {
    describe(`transport ${name}`, () => {
      it('connects and stays on the requested transport', async () => {
        const { socket } = await connected(make, server.url, opts);
        assert.equal(socket.connected, true);
        assert.equal(typeof socket.id, 'string');
        assert.equal(socket.io.engine.transport.name, name);
      });

      it('echoes strings, numbers, objects and null', async () => {
        const { socket } = await connected(make, server.url, opts);
        for (const args of SAMPLES) {
          const back = await echo(socket, args);
          assert.deepStrictEqual(back, args);
        }
        assert.equal(socket.io.engine.transport.name, name);
      });

      it('keeps per-connection order for a burst of messages', async () => {
        const { socket } = await connected(make, server.url, opts);
        const N = 50;
        const received = [];
        const done = new Promise((resolve) => {
          socket.on('message-back', (i) => {
            received.push(i);
            if (received.length === N) resolve();
          });
        });
        for (let i = 0; i < N; i++) socket.emit('message', i);
        await Promise.race([done, once(socket, 'disconnect')]);
        assert.deepStrictEqual(received, Array.from({ length: N }, (_, i) => i));
      });
    });
  }

  describe('default transports (polling, then upgrade)', () => {
    it('starts on polling, upgrades to websocket, and echoes afterwards', async () => {
      const socket = make(server.url);
      let initial;
      const upgraded = new Promise((resolve, reject) => {
        socket.io.once('open', () => {
          initial = socket.io.engine.transport.name;
          once(socket.io.engine, 'upgrade', 5000).then(resolve, reject);
        });
      });
      await connect(socket);
      await upgraded;
      assert.equal(initial, 'polling');
      assert.equal(socket.io.engine.transport.name, 'websocket');
      for (const args of SAMPLES) {
        assert.deepStrictEqual(await echo(socket, args), args);
      }
    });

    it('survives several heartbeats (pingInterval 300 ms) while idle', async () => {
      const { socket } = await connected(make, server.url);
      // wait for three server pings instead of sleeping
      for (let i = 0; i < 3; i++) await once(socket.io.engine, 'ping', 2000);
      assert.equal(socket.connected, true);
      assert.deepStrictEqual(await echo(socket, ['still here']), ['still here']);
    });
  });
});
