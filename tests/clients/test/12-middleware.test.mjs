// Namespace middlewares (CONNECT_ERROR with {message, data}) and dynamic namespaces.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useServer } from './server.mjs';
import { clientFactory, connect, echo, once, TRANSPORTS } from './util.mjs';

const server = useServer();
const make = clientFactory();

for (const [name, opts] of Object.entries(TRANSPORTS)) {
  describe(`middlewares over ${name}`, () => {
    it('a refused connection gets connect_error with the middleware message and data', async () => {
      const socket = make(`${server.url}/private`, { ...opts, auth: { token: 'wrong' } });
      const error = once(socket, 'connect_error');
      socket.connect();
      const [e] = await error;
      assert.equal(e.message, 'unauthorized');
      assert.deepStrictEqual(e.data, { code: 401 });
      assert.equal(socket.connected, false);
    });

    it('an accepted connection ran every middleware, in order, before its handlers', async () => {
      const socket = make(`${server.url}/private`, { ...opts, auth: { token: 'secret' } });
      const welcome = once(socket, 'welcome');
      await connect(socket);
      assert.deepStrictEqual(await welcome, ['alice', true, '/private']);
      assert.deepStrictEqual(await echo(socket, ['in private']), ['in private']);
    });

    it('a refusal on one namespace leaves the others of the connection working', async () => {
      const main = make(server.url, opts);
      await connect(main);
      const refused = main.io.socket('/private', { auth: { token: 'nope' } });
      const error = once(refused, 'connect_error');
      refused.connect();
      assert.equal((await error)[0].message, 'unauthorized');
      assert.deepStrictEqual(await echo(main, ['still here']), ['still here']);
      refused.disconnect();
    });
  });

  describe(`dynamic namespaces over ${name}`, () => {
    it('a name matching the pattern is created on demand, with the parent\'s middlewares and handlers', async () => {
      const socket = make(`${server.url}/dynamic-42`, { ...opts, auth: { token: 'secret' } });
      const welcome = once(socket, 'welcome');
      await connect(socket);
      assert.deepStrictEqual(await welcome, ['alice', true, '/dynamic-42']);
      assert.deepStrictEqual(await echo(socket, [1, 'two']), [1, 'two']);
    });

    it('the middleware guards dynamic namespaces too', async () => {
      const socket = make(`${server.url}/dynamic-7`, opts);
      const error = once(socket, 'connect_error');
      socket.connect();
      const [e] = await error;
      assert.equal(e.message, 'unauthorized');
      assert.deepStrictEqual(e.data, { code: 401 });
    });

    it('a name that does not match is an invalid namespace', async () => {
      const socket = make(`${server.url}/dynamic-x`, { ...opts, auth: { token: 'secret' } });
      const error = once(socket, 'connect_error');
      socket.connect();
      assert.equal((await error)[0].message, 'Invalid namespace');
    });
  });
}
