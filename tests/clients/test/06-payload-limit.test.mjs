// 8. maxHttpBufferSize (1,000,000 bytes on the conformance server).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useServer } from './server.mjs';
import { clientFactory, connected, echo, once, record, TRANSPORTS } from './util.mjs';

const server = useServer();
const make = clientFactory();

const TOO_BIG = 'x'.repeat(1_100_000);
const FITS = 'y'.repeat(900_000);
const DISCONNECT_REASONS = ['transport error', 'transport close'];

for (const [name, opts] of Object.entries(TRANSPORTS)) {
  describe(`payload limit over ${name}`, () => {
    it('a 900 KB message is echoed back', async () => {
      const { socket } = await connected(make, server.url, opts);
      const [back] = await echo(socket, [FITS], 10_000);
      assert.equal(back.length, FITS.length);
      assert.equal(back, FITS);
      assert.equal(socket.connected, true);
    });

    it('a 1.1 MB message disconnects the sender, other clients are unaffected', async () => {
      const bystanders = [
        (await connected(make, server.url, TRANSPORTS.websocket)).socket,
        (await connected(make, server.url, TRANSPORTS.polling)).socket,
      ];
      const bystanderDisconnects = bystanders.map((b) => record(b, 'disconnect'));

      const { socket } = await connected(make, server.url, { ...opts, reconnection: false });
      const echoed = record(socket, 'message-back');
      const disc = once(socket, 'disconnect', 10_000);
      socket.emit('message', TOO_BIG);
      const [reason, details] = await disc;
      assert.ok(
        DISCONNECT_REASONS.includes(reason),
        `unexpected disconnect reason "${reason}" (${details?.description ?? details?.message ?? ''})`,
      );
      assert.equal(echoed.length, 0, 'oversized message must not be echoed');

      for (const b of bystanders) {
        assert.deepStrictEqual(await echo(b, ['bystander ok']), ['bystander ok']);
      }
      bystanderDisconnects.forEach((d) => assert.deepStrictEqual(d, []));
    });
  });
}
