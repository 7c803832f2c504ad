// 4. binary payloads both ways over websocket and polling.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { useServer } from './server.mjs';
import { clientFactory, connected, echo, isBinary, normalizeBinary, once, TRANSPORTS } from './util.mjs';

const server = useServer();
const make = clientFactory();

function assertSameBinaryPayload(back, sent) {
  assert.deepStrictEqual(normalizeBinary(back), normalizeBinary(sent));
}

for (const [name, opts] of Object.entries(TRANSPORTS)) {
  describe(`binary over ${name}`, () => {
    it('echoes a Buffer', async () => {
      const { socket } = await connected(make, server.url, opts);
      const buf = Buffer.from([0, 1, 2, 3, 250, 255]);
      const back = await echo(socket, [buf]);
      assert.equal(back.length, 1);
      assert.ok(isBinary(back[0]), `expected binary, got ${JSON.stringify(back[0])}`);
      assertSameBinaryPayload(back, [buf]);
    });

    it('echoes a Uint8Array', async () => {
      const { socket } = await connected(make, server.url, opts);
      const u8 = new Uint8Array([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
      const back = await echo(socket, [u8]);
      assert.ok(isBinary(back[0]));
      assertSameBinaryPayload(back, [u8]);
    });

    it('echoes binary nested in objects and arrays, with several attachments and plain args', async () => {
      const { socket } = await connected(make, server.url, opts);
      const args = [
        'before',
        {
          title: 'doc',
          file: Buffer.from('hello binary'),
          parts: [Buffer.from([1]), new Uint8Array([2, 2]), { deep: Buffer.from([3, 3, 3]) }],
          meta: { n: 1, none: null },
        },
        Buffer.from([0xde, 0xad, 0xbe, 0xef]),
        42,
      ];
      const back = await echo(socket, args);
      assert.ok(isBinary(back[1].file));
      assert.ok(isBinary(back[1].parts[0]));
      assert.ok(isBinary(back[1].parts[2].deep));
      assert.ok(isBinary(back[2]));
      assertSameBinaryPayload(back, args);
    });

    it('echoes an empty Buffer', async () => {
      const { socket } = await connected(make, server.url, opts);
      const back = await echo(socket, [Buffer.alloc(0), 'after']);
      assert.ok(isBinary(back[0]));
      assertSameBinaryPayload(back, [Buffer.alloc(0), 'after']);
    });

    it('echoes a 256 KiB random buffer', async () => {
      const { socket } = await connected(make, server.url, opts);
      const big = randomBytes(256 * 1024);
      const back = await echo(socket, [big]);
      assertSameBinaryPayload(back, [big]);
    });

    it('binary in client -> server acks', async () => {
      const { socket } = await connected(make, server.url, opts);
      const args = [Buffer.from([5, 6, 7]), { b: Buffer.from([8]) }];
      const ack = await socket.timeout(2000).emitWithAck('message-with-ack', ...args);
      assertSameBinaryPayload(ack, args[0]);
    });

    it('binary in server -> client acks', async () => {
      const { socket } = await connected(make, server.url, opts);
      const reply = [Buffer.from([1, 2, 3]), { inner: new Uint8Array([4, 5]) }];
      let received;
      socket.on('ask-binary', (data, cb) => {
        received = data;
        cb(...reply);
      });
      const result = once(socket, 'server-ack-result');
      const sent = { payload: Buffer.from([42, 43]) };
      socket.emit('server-ack', 'ask-binary', sent);
      const back = await result;
      assertSameBinaryPayload(received, sent);
      assertSameBinaryPayload(back, reply);
    });
  });
}
