// A client that stops reading must not slow anyone else: its queue is bounded, it is cut off with a clear reason,
// and its healthy neighbour in the same room gets every message on time.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useServer } from './server.mjs';
import { clientFactory, connect, once } from './util.mjs';
import { RawSocket, wsUrl } from './raw.mjs';
import { API_KEY, api } from './push.mjs';

const MAX_QUEUED = 32;
const server = useServer({ app: 'outcry', args: [`--Outcry:ApiKey=${API_KEY}`, `--Outcry:EngineIO:MaxQueuedPackets=${MAX_QUEUED}`] });
const make = clientFactory();

describe('slow consumers', () => {
  it('a stalled reader is disconnected as too slow while its neighbour receives every message', async () => {
    // The stalled client: a raw Socket.IO session in room "busy" whose TCP socket stops being read.
    const stalled = new RawSocket(wsUrl(server.url, '/socket.io/?EIO=4&transport=websocket&itemId=busy'));
    await stalled.next(); // open packet
    stalled.send('40');
    assert.match(await stalled.next(), /^40\{"sid":/);
    stalled.ws._socket.pause();

    const healthy = await connect(make(`${server.url}?itemId=busy`, { transports: ['websocket'] }));
    const received = [];
    healthy.on('chunk', (n) => received.push(n));

    // Enough data to fill the stalled socket's TCP buffers and then its bounded queue.
    const payload = 'x'.repeat(64 * 1024);
    const total = 400;
    for (let i = 0; i < total; i++) {
      const res = await api(server.url, '/api/publish', { room: 'busy', event: 'chunk', data: i });
      assert.equal(res.status, 200);
      // large frames for the stalled one to choke on
      await api(server.url, '/api/publish', { room: 'busy', event: 'filler', data: payload });
    }

    const deadline = Date.now() + 10_000;
    while (received.length < total && Date.now() < deadline) await once(healthy, 'chunk', Math.max(1, deadline - Date.now())).catch(() => {});
    assert.deepStrictEqual(received, Array.from({ length: total }, (_, i) => i), 'the healthy client got everything, in order');

    // The server cut the stalled one off (it cannot tell: it reads nothing) …
    const cutOff = async () => /^outcry_slow_consumer_disconnects_total [1-9]\d*$/m.test(await (await fetch(`${server.url}/metrics`)).text());
    const until = Date.now() + 10_000;
    while (!(await cutOff())) {
      assert.ok(Date.now() < until, 'the stalled client should be cut off as a slow consumer');
      await api(server.url, '/api/publish', { room: 'busy', event: 'filler', data: payload });
    }
    const stats = (await api(server.url, '/api/stats', undefined, { method: 'GET' })).json;
    assert.equal(stats.namespaces['/'].sockets, 1, 'only the healthy client is left');
    // … and once it reads again, it finds its connection closed.
    stalled.ws._socket.resume();
    await stalled.waitClosed(10_000, 'the stalled client should find its connection closed');
    assert.equal(healthy.connected, true);
  });
});
