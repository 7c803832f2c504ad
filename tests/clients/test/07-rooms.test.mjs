// 9. room broadcast reaches exactly its members; "leave" removes membership.
//
// Absence of a message is proven without sleeping: the server processes one
// connection's packets in order, so after "emit-to-room" X the same sender emits
// "emit-to-room" to a room holding only the observed client; the observed client
// receives that marker strictly after anything X would have delivered to it.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useServer } from './server.mjs';
import { clientFactory, connected, once, record, TRANSPORTS } from './util.mjs';

const server = useServer();
const make = clientFactory();

async function join(socket, room) {
  assert.equal(await socket.timeout(2000).emitWithAck('join', room), 'joined');
}
async function leave(socket, room) {
  assert.equal(await socket.timeout(2000).emitWithAck('leave', room), 'left');
}

const MIXES = {
  websocket: [TRANSPORTS.websocket, TRANSPORTS.websocket, TRANSPORTS.websocket],
  polling: [TRANSPORTS.polling, TRANSPORTS.polling, TRANSPORTS.polling],
  mixed: [TRANSPORTS.websocket, TRANSPORTS.polling, {}],
};

for (const [name, [optA, optB, optC]] of Object.entries(MIXES)) {
  describe(`rooms (${name} clients)`, () => {
    it('broadcast to a room reaches exactly its members, including after leave', async () => {
      const A = (await connected(make, server.url, optA)).socket;
      const B = (await connected(make, server.url, optB)).socket;
      const C = (await connected(make, server.url, optC)).socket;
      const newsA = record(A, 'news');
      const newsB = record(B, 'news');
      const newsC = record(C, 'news');

      await join(A, 'room1');
      await join(B, 'room1');
      await join(A, 'a-only');
      await join(C, 'c-room');

      // C (not a member) broadcasts to room1
      const gotA = once(A, 'news');
      const gotB = once(B, 'news');
      C.emit('emit-to-room', 'room1', 'news', { n: 1 });
      assert.deepStrictEqual(await gotA, [{ n: 1 }]);
      assert.deepStrictEqual(await gotB, [{ n: 1 }]);

      // marker to C only: had C been sent "news", it would have arrived first
      const markerC = once(C, 'marker');
      C.emit('emit-to-room', 'c-room', 'marker');
      assert.deepStrictEqual(await markerC, []);
      assert.deepStrictEqual(newsC, [], 'C is not in room1 and must not receive "news"');
      assert.deepStrictEqual(newsA, [[{ n: 1 }]]);
      assert.deepStrictEqual(newsB, [[{ n: 1 }]]);

      // A leaves room1; a member (B) now broadcasts, sender included
      await leave(A, 'room1');
      const gotB2 = once(B, 'news');
      B.emit('emit-to-room', 'room1', 'news', { n: 2 }, 'extra');
      assert.deepStrictEqual(await gotB2, [{ n: 2 }, 'extra']);
      // marker to A, sent by B after the broadcast
      const markerA = once(A, 'marker');
      B.emit('emit-to-room', 'a-only', 'marker', 'for-a');
      assert.deepStrictEqual(await markerA, ['for-a']);
      assert.deepStrictEqual(newsA, [[{ n: 1 }]], 'A left room1 and must not receive the second "news"');

      // C got neither broadcast
      const markerC2 = once(C, 'marker');
      B.emit('emit-to-room', 'c-room', 'marker');
      await markerC2;
      assert.deepStrictEqual(newsC, []);
    });
  });
}

describe('rooms are per namespace', () => {
  it('a room in "/custom" does not receive broadcasts to the same room name in "/"', async () => {
    const rootMember = (await connected(make, server.url, TRANSPORTS.websocket)).socket;
    const customMember = (await connected(make, `${server.url}/custom`, TRANSPORTS.websocket)).socket;
    const customNews = record(customMember, 'news');
    await join(rootMember, 'shared');
    await join(customMember, 'shared');
    await join(customMember, 'custom-marker');

    const got = once(rootMember, 'news');
    rootMember.emit('emit-to-room', 'shared', 'news', 'root-only');
    assert.deepStrictEqual(await got, ['root-only']);

    // marker in /custom: order is only guaranteed per connection, so send both from customMember's side
    const customGot = once(customMember, 'news');
    customMember.emit('emit-to-room', 'shared', 'news', 'custom-only');
    assert.deepStrictEqual(await customGot, ['custom-only']);
    const marker = once(customMember, 'marker');
    customMember.emit('emit-to-room', 'custom-marker', 'marker');
    await marker;
    assert.deepStrictEqual(customNews, [['custom-only']]);
  });
});
