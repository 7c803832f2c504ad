// 13. Long-polling requests served below Kestrel's HTTP layer (Outcry:DirectPolling, on by default): one request after
// another on a keep-alive connection, until one that is not clean hands the rest of the connection to the HTTP layer,
// which answers it as always. The same sessions through ASP.NET Core's request pipeline when it is off.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useServer } from './server.mjs';
import { clientFactory, connected, echo, TRANSPORTS } from './util.mjs';
import { RS } from './raw.mjs';
import { withRaw } from './rawhttp.mjs';

const ENGINE = '/engine.io/?EIO=4&transport=polling';
// Kestrel names itself in the answers of its HTTP layer; a direct answer does not.
const FROM_KESTREL = /\r\nServer: Kestrel/i;

function get(path, headers = '') {
  return `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n${headers}\r\n`;
}

function post(path, body, headers = '') {
  const bytes = Buffer.from(body, 'utf8');
  return Buffer.concat([
    Buffer.from(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/plain;charset=UTF-8\r\nContent-Length: ${bytes.length}\r\n${headers}\r\n`, 'latin1'),
    bytes,
  ]);
}

/** Opens a session on `connection`; returns its id and the answer. */
async function handshake(connection, headers = '') {
  await connection.write(get(ENGINE, headers));
  const answer = await connection.response();
  assert.equal(answer.status, 200, answer.head);
  const sid = /^0\{"sid":"([\w-]{20})"/.exec(answer.body)?.[1];
  assert.ok(sid, answer.body);
  return { sid, answer };
}

/** The official client echoes over polling only. */
function servesTheOfficialClient(server) {
  const make = clientFactory();
  it('serves the official client over polling', async () => {
    const { socket } = await connected(make, server.url, TRANSPORTS.polling);
    assert.deepEqual(await echo(socket, ['polled', { n: 2 }]), ['polled', { n: 2 }]);
    assert.equal(socket.io.engine.transport.name, 'polling');
  });
}

describe('long-polling served below the HTTP layer (the default)', () => {
  const server = useServer();

  it('serves a whole session on one keep-alive connection, with CORS, without the HTTP layer', async () => {
    await withRaw(server.url, async (connection) => {
      const { sid, answer } = await handshake(connection, 'Origin: https://shop.example\r\n');
      assert.doesNotMatch(answer.head, FROM_KESTREL);
      assert.match(answer.head, /\r\nAccess-Control-Allow-Origin: \*(\r|$)/i);
      assert.match(answer.head, /\r\nCache-Control: no-store(\r|$)/i);
      assert.match(answer.head, /^HTTP\/1\.1 200 OK\r\nContent-Type: text\/plain; charset=UTF-8\r\n/);

      const path = `${ENGINE}&sid=${sid}`;
      await connection.write(post(path, `4one${RS}4two`));
      const ok = await connection.response();
      assert.equal(ok.status, 200);
      assert.equal(ok.body, 'ok');
      assert.doesNotMatch(ok.head, FROM_KESTREL);

      await connection.write(get(path));
      const polled = await connection.response();
      assert.equal(polled.body, `4one${RS}4two`);
      assert.doesNotMatch(polled.head, FROM_KESTREL);
    });
  });

  it('reads a POST whose head and body arrive in pieces, and the GET right behind it', async () => {
    await withRaw(server.url, async (connection) => {
      const { sid } = await handshake(connection);
      const path = `${ENGINE}&sid=${sid}`;
      const request = post(path, '4in pieces, ünïcode');
      // Pauses shape the input into several TCP segments; nothing waits on them for a result.
      const cuts = [0, 7, 40, request.length - 12, request.length - 3, request.length];
      for (let i = 1; i < cuts.length; i++) {
        await connection.write(request.subarray(cuts[i - 1], cuts[i]));
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal((await connection.response()).body, 'ok');
      await connection.write(get(path));
      assert.equal((await connection.response()).body, '4in pieces, ünïcode');
    });
  });

  it('hands a request that is not clean to the HTTP layer, which answers it and the rest of the connection', async () => {
    await withRaw(server.url, async (connection) => {
      const { sid } = await handshake(connection);
      const path = `${ENGINE}&sid=${sid}`;
      const body = Buffer.from('4chunked');
      await connection.write(Buffer.concat([
        Buffer.from(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n`),
        body,
        Buffer.from('\r\n0\r\n\r\n'),
      ]));
      const ok = await connection.response();
      assert.equal(ok.body, 'ok');
      assert.match(ok.head, FROM_KESTREL);

      await connection.write(get(path));
      const polled = await connection.response();
      assert.equal(polled.body, '4chunked');
      assert.match(polled.head, FROM_KESTREL);
    });
  });

  it('leaves errors to the HTTP endpoint, which answers them as always', async () => {
    await withRaw(server.url, async (connection) => {
      await connection.write(get('/engine.io/?EIO=4&transport=polling&sid=nosuchsessionxxxxxxx'));
      const unknown = await connection.response();
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body, JSON.stringify({ code: 1, message: 'Session ID unknown' }));
      assert.match(unknown.head, FROM_KESTREL);
    });

    // A POST over maxHttpBufferSize: 413 from the HTTP layer; the session lives on, on a direct connection.
    await withRaw(server.url, async (connection) => {
      const { sid } = await handshake(connection);
      const path = `${ENGINE}&sid=${sid}`;
      await withRaw(server.url, async (other) => {
        await other.write(post(path, `4${'x'.repeat(1_000_001)}`));
        assert.equal((await other.response()).status, 413);
      });
      await connection.write(post(path, '4still here'));
      assert.equal((await connection.response()).body, 'ok');
      await connection.write(get(path));
      const polled = await connection.response();
      assert.equal(polled.body, '4still here');
      assert.doesNotMatch(polled.head, FROM_KESTREL);
    });
  });

  servesTheOfficialClient(server);
});

describe('long-polling through the HTTP layer (Outcry:DirectPolling=false)', () => {
  const server = useServer({ args: ['--Outcry:DirectPolling=false'] });

  it('answers a raw session from the HTTP layer', async () => {
    await withRaw(server.url, async (connection) => {
      const { sid, answer } = await handshake(connection, 'Origin: https://shop.example\r\n');
      assert.match(answer.head, FROM_KESTREL);
      assert.match(answer.head, /\r\nAccess-Control-Allow-Origin: \*(\r|$)/i);
      await connection.write(post(`${ENGINE}&sid=${sid}`, '4hello'));
      const ok = await connection.response();
      assert.equal(ok.body, 'ok');
      assert.match(ok.head, FROM_KESTREL);
    });
  });

  servesTheOfficialClient(server);
});
