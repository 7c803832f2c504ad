// 5. custom namespace + unknown namespace, 6. "auth" event on connect.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useServer } from './server.mjs';
import { clientFactory, connect, connected, echo, once, TRANSPORTS } from './util.mjs';

const server = useServer();
const make = clientFactory();

for (const [name, opts] of Object.entries(TRANSPORTS)) {
  describe(`namespaces over ${name}`, () => {
    it('"/" emits "auth" with the handshake auth object on connect', async () => {
      const { socket, auth } = await connected(make, server.url, { ...opts, auth: { token: 'root', n: 1 } });
      assert.deepStrictEqual(await auth, [{ token: 'root', n: 1 }]);
      assert.equal(socket.connected, true);
    });

    it('"/" emits "auth" with an empty object when no auth was sent', async () => {
      const { auth } = await connected(make, server.url, opts);
      assert.deepStrictEqual(await auth, [{}]);
    });

    it('"/custom" emits "auth" with the handshake auth object and echoes', async () => {
      const { socket, auth } = await connected(make, `${server.url}/custom`, { ...opts, auth: { token: 'abc' } });
      assert.deepStrictEqual(await auth, [{ token: 'abc' }]);
      assert.equal(socket.nsp, '/custom');
      assert.deepStrictEqual(await echo(socket, ['in custom', { x: 1 }]), ['in custom', { x: 1 }]);
    });

    it('unknown namespace gets connect_error "Invalid namespace"', async () => {
      const socket = make(`${server.url}/nope`, opts);
      const err = once(socket, 'connect_error');
      socket.connect();
      const [e] = await err;
      assert.ok(e instanceof Error);
      assert.equal(e.message, 'Invalid namespace');
      assert.equal(socket.connected, false);
    });

    it('"/" and "/custom" multiplexed over one Engine.IO connection', async () => {
      const root = make(server.url, { ...opts, auth: { token: 'r' } });
      const rootAuth = once(root, 'auth');
      await connect(root);
      const custom = root.io.socket('/custom', { auth: { token: 'c' } });
      const customAuth = once(custom, 'auth');
      try {
        await connect(custom);
        assert.strictEqual(custom.io, root.io);
        assert.deepStrictEqual(await rootAuth, [{ token: 'r' }]);
        assert.deepStrictEqual(await customAuth, [{ token: 'c' }]);

        // each namespace gets its own echo, and only its own
        let rootGotCustomEcho = false;
        root.on('message-back', (v) => {
          if (v === 'to-custom') rootGotCustomEcho = true;
        });
        assert.deepStrictEqual(await echo(custom, ['to-custom']), ['to-custom']);
        assert.deepStrictEqual(await echo(root, ['to-root']), ['to-root']);
        assert.equal(rootGotCustomEcho, false);

        // disconnecting one namespace keeps the other alive
        custom.disconnect();
        assert.deepStrictEqual(await echo(root, ['still-root']), ['still-root']);
      } finally {
        custom.disconnect();
      }
    });

    it('an invalid namespace next to a valid one does not break the valid one', async () => {
      const root = make(server.url, opts);
      await connect(root);
      const bad = root.io.socket('/nope');
      try {
        const err = once(bad, 'connect_error');
        bad.connect();
        assert.equal((await err)[0].message, 'Invalid namespace');
        assert.deepStrictEqual(await echo(root, ['ok']), ['ok']);
      } finally {
        bad.disconnect();
      }
    });
  });
}
