// 10. Socket.IO v5 packets over a raw WebSocket (ws) against /socket.io/ on the conformance
// server: "/" and "/custom" emit "auth" with the handshake auth on connection; "message" ->
// "message-back" with the same args; "message-with-ack" acks with its args. connectTimeout 1000 ms.
// Pings are answered by the helper (autoPong) unless a test needs to see them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useServer } from './server.mjs';
import { PING_INTERVAL, PollingSession, openWsSession } from './raw.mjs';

const server = useServer();
const PATH = '/socket.io/';
const CONNECT_TIMEOUT = 1000;


const ph = (num) => ({ _placeholder: true, num });
const PH0 = JSON.stringify(ph(0));
const PH1 = JSON.stringify(ph(1));

/** A raw Engine.IO WebSocket session on /socket.io/ (open packet already read). */
async function engine(opts) {
  const { socket } = await openWsSession(server.url, PATH, opts);
  return socket;
}

/** Asserts a CONNECT answer `40[<nsp>,]{"sid":"…"}` whose JSON has ONLY a sid; returns the sid. */
function assertConnect(frame, nsp = '/') {
  const prefix = nsp === '/' ? '40' : `40${nsp},`;
  assert.equal(typeof frame, 'string');
  assert.ok(frame.startsWith(`${prefix}{`), `expected CONNECT for ${nsp}, got ${JSON.stringify(frame)}`);
  const data = JSON.parse(frame.slice(prefix.length));
  assert.deepStrictEqual(Object.keys(data), ['sid']);
  assert.equal(typeof data.sid, 'string');
  assert.ok(data.sid.length > 0);
  return data.sid;
}

/** Engine.IO session joined to "/" (CONNECT and the "auth" event already read). */
async function joined(opts) {
  const socket = await engine(opts);
  socket.send('40');
  assertConnect(await socket.next());
  await socket.expect('42["auth",{}]');
  socket.joinedMain = true;
  return socket;
}

/**
 * Sends `frames` (text or binary) and asserts that the server closes the connection without
 * answering. A probe follows (an event on a socket joined to "/", else a CONNECT to "/"):
 * an answer to it would prove that the connection was kept.
 */
async function expectClosedAfter(socket, ...frames) {
  await socket.expectCloseAfter(frames, { probe: socket.joinedMain ? '42["message","still open?"]' : '40' });
}

describe('Socket.IO CONNECT', () => {
  const cases = [
    ['main namespace', '40', '/', '42["auth",{}]'],
    ['main namespace with a payload', '40{"token":"123"}', '/', '42["auth",{"token":"123"}]'],
    ['custom namespace', '40/custom,', '/custom', '42/custom,["auth",{}]'],
    ['custom namespace with a payload', '40/custom,{"token":"abc"}', '/custom', '42/custom,["auth",{"token":"abc"}]'],
    ['custom namespace without the trailing comma', '40/custom', '/custom', '42/custom,["auth",{}]'],
    ['main namespace with a nested, unicode auth payload', '40{"a":[1,2.5,{"b":null}],"é":"€"}', '/', '42["auth",{"a":[1,2.5,{"b":null}],"é":"€"}]'],
  ];
  for (const [label, packet, nsp, auth] of cases) {
    it(`${label}: ${packet} -> CONNECT with only a sid, then ${auth}`, async () => {
      const socket = await engine();
      socket.send(packet);
      assertConnect(await socket.next(), nsp);
      await socket.expect(auth);
    });
  }

  it('each CONNECT gets its own sid', async () => {
    const socket = await engine();
    socket.send('40');
    const main = assertConnect(await socket.next());
    await socket.expect('42["auth",{}]');
    socket.send('40/custom,');
    const custom = assertConnect(await socket.next(), '/custom');
    assert.notEqual(main, custom);
  });

  it('an unknown namespace: 40/random -> exactly 44/random,{"message":"Invalid namespace"}, connection kept', async () => {
    const socket = await engine();
    socket.send('40/random');
    await socket.expect('44/random,{"message":"Invalid namespace"}');
    socket.send('40/random,{"token":"x"}');
    await socket.expect('44/random,{"message":"Invalid namespace"}');
    // still usable
    socket.send('40');
    assertConnect(await socket.next());
    await socket.expect('42["auth",{}]');
  });

  it('an invalid handshake (4abc) closes the connection', async () => {
    const socket = await engine();
    await expectClosedAfter(socket, '4abc');
  });

  it('a CONNECT with a non-object payload (40"str", 40[1]) closes the connection', async () => {
    await expectClosedAfter(await engine(), '40"str"');
    await expectClosedAfter(await engine(), '40[1]');
  });

  it(`no CONNECT within connectTimeout (${CONNECT_TIMEOUT} ms) closes the connection`, async () => {
    const started = Date.now();
    const socket = await engine({ autoPong: true }); // pongs: only the connect timeout can close it
    await socket.waitClosed(CONNECT_TIMEOUT + 3000, 'no CONNECT: the connection should be closed by the connect timeout');
    const after = Date.now() - started;
    assert.ok(after >= CONNECT_TIMEOUT * 0.8, `closed after ${after} ms, before connectTimeout`);
    assert.deepStrictEqual(socket.frames, []);
  });

  it('a second CONNECT to an already joined namespace closes the connection', async () => {
    await expectClosedAfter(await joined(), '40');
  });

  it('a CONNECT_ERROR sent by the client closes the connection (joined or not)', async () => {
    await expectClosedAfter(await engine(), '44{"message":"x"}');
    await expectClosedAfter(await joined(), '44{"message":"x"}');
  });
});

describe('Socket.IO DISCONNECT', () => {
  it('41 leaves "/" silently: the next frame is a ping and the connection is kept (even past connectTimeout)', async () => {
    const socket = await joined({ autoPong: true, showPings: true });
    socket.send('41');
    const left = Date.now();
    await socket.expect('2', PING_INTERVAL + 3000);
    // the connect timer is not re-armed: still alive well after connectTimeout, with no namespace
    while (Date.now() - left < CONNECT_TIMEOUT + PING_INTERVAL) await socket.expect('2', PING_INTERVAL + 3000);
    socket.send('40');
    assertConnect(await socket.next());
    await socket.expect('42["auth",{}]');
  });

  it('connect then disconnect /custom; a message on "/" still echoes', async () => {
    const socket = await joined();
    socket.send('40/custom');
    assertConnect(await socket.next(), '/custom');
    await socket.expect('42/custom,["auth",{}]');
    socket.send('41/custom');
    socket.send('42["message","message to main namespace"]');
    await socket.expect('42["message-back","message to main namespace"]');
  });

  it('after 41/custom, an EVENT for /custom closes the connection', async () => {
    const socket = await joined();
    socket.send('40/custom,');
    assertConnect(await socket.next(), '/custom');
    await socket.expect('42/custom,["auth",{}]');
    socket.send('41/custom,');
    await expectClosedAfter(socket, '42/custom,["message","x"]');
  });
});

describe('Socket.IO EVENT and ACK', () => {
  it('plain-text event: exact echo bytes', async () => {
    const socket = await joined();
    socket.send('42["message",1,"2",{"3":[true]}]');
    await socket.expect('42["message-back",1,"2",{"3":[true]}]');
  });

  it('plain-text event on /custom: echoed with the namespace prefix', async () => {
    const socket = await engine();
    socket.send('40/custom,');
    assertConnect(await socket.next(), '/custom');
    await socket.expect('42/custom,["auth",{}]');
    socket.send('42/custom,["message","hé",-0.5,null,[[]],{}]');
    await socket.expect('42/custom,["message-back","hé",-0.5,null,[[]],{}]');
  });

  it('event with binary attachments: 452-[…] + 2 binary frames, echoed exactly', async () => {
    const socket = await joined();
    socket.send(`452-["message",${PH0},${PH1}]`);
    socket.send(Buffer.from([1, 2, 3]));
    socket.send(Buffer.from([4, 5, 6]));
    await socket.expect(`452-["message-back",${PH0},${PH1}]`);
    await socket.expect([1, 2, 3]);
    await socket.expect([4, 5, 6]);
  });

  it('event with ack: 42456[…] -> 43456[…]', async () => {
    const socket = await joined();
    socket.send('42456["message-with-ack",1,"2",{"3":[false]}]');
    await socket.expect('43456[1,"2",{"3":[false]}]');
  });

  it('event with ack on /custom: 42/custom,7[…] -> 43/custom,7[…]', async () => {
    const socket = await engine();
    socket.send('40/custom,');
    assertConnect(await socket.next(), '/custom');
    await socket.expect('42/custom,["auth",{}]');
    socket.send('42/custom,7["message-with-ack","x"]');
    await socket.expect('43/custom,7["x"]');
  });

  it('binary event with ack: 452-789[…] + 2 binaries -> 462-789[…] + 2 binaries', async () => {
    const socket = await joined();
    socket.send(`452-789["message-with-ack",${PH0},${PH1}]`);
    socket.send(Buffer.from([1, 2, 3]));
    socket.send(Buffer.from([4, 5, 6]));
    await socket.expect(`462-789[${PH0},${PH1}]`);
    await socket.expect([1, 2, 3]);
    await socket.expect([4, 5, 6]);
  });

  it('10 attachments (the cap) are accepted and echoed', async () => {
    const socket = await joined();
    const phs = Array.from({ length: 10 }, (_, i) => JSON.stringify(ph(i))).join(',');
    socket.send(`4510-["message",${phs}]`);
    for (let i = 0; i < 10; i++) socket.send(Buffer.from([i]));
    await socket.expect(`4510-["message-back",${phs}]`);
    for (let i = 0; i < 10; i++) await socket.expect([i]);
  });

  it('an ACK for an unknown id is ignored (connection kept)', async () => {
    const socket = await joined();
    socket.send('43999["whatever"]');
    socket.send('42["message","after"]');
    await socket.expect('42["message-back","after"]');
  });
});

describe('Socket.IO protocol violations close the connection', () => {
  const invalid = [
    ['unknown packet type', '4abc'],
    ['packet type out of range', '47[]'],
    ['invalid payload format', '42{}'],
    ['invalid ack id', '42abc["message-with-ack",1,"2",{"3":[false]}]'],
    ['unparseable JSON', '42["message"'],
    ['event without a name', '42[]'],
    ['reserved event name', '42["disconnect"]'],
    ['DISCONNECT with a payload', '41{}'],
    ['ACK with a non-array payload', '431{}'],
    ['binary event without attachment count', '45["message"]'],
  ];
  for (const [label, packet] of invalid) {
    it(`${label}: ${packet}`, async () => {
      const socket = await joined();
      await expectClosedAfter(socket, packet);
    });
  }

  it('an EVENT for a namespace never joined', async () => {
    const socket = await joined();
    await expectClosedAfter(socket, '42/custom,["message","x"]');
  });

  it('an EVENT before any CONNECT', async () => {
    await expectClosedAfter(await engine(), '42["message","x"]');
  });

  it('more than 10 attachments (4511-[…])', async () => {
    const socket = await joined();
    const phs = Array.from({ length: 11 }, (_, i) => JSON.stringify(ph(i))).join(',');
    await expectClosedAfter(socket, `4511-["message",${phs}]`, ...Array.from({ length: 11 }, (_, i) => Buffer.from([i])));
  });

  it('a binary event announcing 0 attachments (450-[…])', async () => {
    const socket = await joined();
    await expectClosedAfter(socket, '450-["message","no binary"]');
  });

  it('a binary frame when no binary packet is expected', async () => {
    const socket = await joined();
    await expectClosedAfter(socket, Buffer.from([1, 2, 3]));
  });

  it('a text packet while the attachments of a binary packet are awaited', async () => {
    const socket = await joined();
    await expectClosedAfter(socket, `451-["message",${PH0}]`, '42["message","x"]');
  });

  for (const [label, placeholder] of [
    ['a placeholder number outside the announced attachments', PH1],
    ['a placeholder with a non-numeric num', '{"_placeholder":true,"num":"0"}'],
    ['a placeholder without num', '{"_placeholder":true}'],
  ]) {
    it(`${label}: 451-["message",${placeholder}] + 1 binary`, async () => {
      const socket = await joined();
      await expectClosedAfter(socket, `451-["message",${placeholder}]`, Buffer.from([1]));
    });
  }
});

describe('Socket.IO over raw long-polling', () => {
  it('after the handshake the first GET is exactly the ping "2" (no implicit CONNECT in v5)', async () => {
    const s = await PollingSession.open(server.url, PATH);
    assert.deepStrictEqual(await s.poll(), ['2']);
    await s.send('3');
    await s.send('40');
    const packets = await s.pollSkippingPings();
    assertConnect(packets[0]);
    const rest = packets.length > 1 ? packets.slice(1) : await s.pollSkippingPings();
    assert.deepStrictEqual(rest, ['42["auth",{}]']);
  });

  it('binary attachments over polling travel as "b"+base64 packets', async () => {
    const s = await PollingSession.open(server.url, PATH);
    await s.send('40');
    const got = [];
    while (!got.includes('42["auth",{}]')) got.push(...(await s.pollSkippingPings()));
    await s.send(['451-["message",{"_placeholder":true,"num":0}]', 'bAQID'].join('\x1e'));
    const echo = [];
    while (echo.length < 2) echo.push(...(await s.pollSkippingPings()));
    assert.deepStrictEqual(echo, ['451-["message-back",{"_placeholder":true,"num":0}]', 'bAQID']);
  });
});
