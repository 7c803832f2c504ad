// 7. server-side namespace disconnect (no auto-reconnect) and transport drop (auto-reconnect).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useServer } from './server.mjs';
import { clientFactory, connect, connected, echo, once, record, TRANSPORTS } from './util.mjs';

const server = useServer();
const make = clientFactory();

const CONFIGS = { ...TRANSPORTS, default: {} };

for (const [name, opts] of Object.entries(CONFIGS)) {
  describe(`reconnect behaviour over ${name}`, () => {
    it('"disconnect-me" -> "io server disconnect", no auto-reconnect, manual connect() works', async () => {
      const { socket } = await connected(make, server.url, opts);
      const firstId = socket.id;
      const attempts = record(socket.io, 'reconnect_attempt');

      const disc = once(socket, 'disconnect');
      socket.emit('disconnect-me');
      const [reason] = await disc;
      assert.equal(reason, 'io server disconnect');
      assert.equal(socket.connected, false);
      assert.equal(socket.active, false, 'socket must not try to reconnect by itself');

      // The namespace was left, the Engine.IO connection stays usable.
      const auth = once(socket, 'auth');
      await connect(socket);
      await auth;
      assert.notEqual(socket.id, firstId);
      assert.deepStrictEqual(await echo(socket, ['after manual reconnect']), ['after manual reconnect']);
      assert.equal(attempts.length, 0, 'no reconnection attempt should have happened');
    });

    it('"close-transport" -> transport-level disconnect, then automatic reconnect', async () => {
      const { socket } = await connected(make, server.url, { ...opts, reconnectionDelay: 100, reconnectionDelayMax: 100 });
      const firstId = socket.id;
      const firstEngineId = socket.io.engine.id;

      const disc = once(socket, 'disconnect');
      socket.emit('close-transport');
      const [reason] = await disc;
      assert.ok(['transport close', 'transport error'].includes(reason), `unexpected disconnect reason "${reason}"`);
      assert.equal(socket.active, true, 'socket should be reconnecting');

      await once(socket, 'connect', 5000);
      assert.equal(socket.connected, true);
      assert.notEqual(socket.id, firstId);
      assert.notEqual(socket.io.engine.id, firstEngineId);
      assert.deepStrictEqual(await echo(socket, ['after auto reconnect']), ['after auto reconnect']);
    });
  });
}
