// A client that stops reading must not slow anyone else: its queue is bounded, it is cut off with a clear reason,
// and its healthy neighbour in the same room gets every message on time.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { useServer } from './server.mjs';
import { clientFactory, connect, eventually, once } from './util.mjs';
import { PollingSession, RawSocket, request, wsUrl } from './raw.mjs';
import { API_KEY, OFFSET, api } from './push.mjs';

const MAX_QUEUED = 32;
const BACKLOG = 4;
const server = useServer({
  app: 'outcry',
  args: [`--Outcry:ApiKey=${API_KEY}`, `--Outcry:EngineIO:MaxQueuedPackets=${MAX_QUEUED}`, `--Outcry:EngineIO:BacklogThreshold=${BACKLOG}`],
});

const metric = async (name) => Number((await (await fetch(`${server.url}/metrics`)).text()).match(new RegExp(`^${name} (\\d+)$`, 'm'))?.[1]);

/** A raw long-polling Socket.IO client in `room`: nothing is read until it polls, so its queue fills at will. */
async function pollingClient(room) {
  const res = await request(server.url, `/socket.io/?EIO=4&transport=polling&itemId=${room}`);
  const session = new PollingSession(server.url, '/socket.io/', JSON.parse(res.body.slice(1)).sid);
  await session.send('40');
  assert.match((await session.poll())[0], /^40\{"sid":/);
  return session;
}

/** The events of a polling payload, as [name, data] (offsets checked and stripped). */
const eventsOf = (packets) =>
  packets.map((p) => {
    const [name, data, offset] = JSON.parse(p.slice(2));
    if (offset !== undefined) assert.match(offset, OFFSET);
    return [name, data];
  });
const make = clientFactory();

/** The kernel's state of the server's end of the TCP connection from `clientPort` (Linux): '01' is ESTABLISHED. */
function serverSideState(clientPort) {
  const hex = (port) => port.toString(16).toUpperCase().padStart(4, '0');
  const serverPort = Number(new URL(server.url).port);
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const [, local, remote, state] = line.trim().split(/\s+/);
    if (local?.endsWith(`:${hex(serverPort)}`) && remote?.endsWith(`:${hex(clientPort)}`)) return state;
  }
  return undefined;
}

describe('slow consumers', () => {
  it('a backlogged connection gets only the latest keyed state and loses only volatile events', async () => {
    const client = await pollingClient('hot');
    const [conflatedBefore, droppedBefore] = [await metric('outcry_conflated_total'), await metric('outcry_dropped_total')];
    const publish = async (body) => assert.equal((await api(server.url, '/api/publish', { room: 'hot', ...body })).status, 200);

    // Under the threshold, keyed state is queued as is.
    await publish({ event: 'lot', data: { price: 1 }, key: 'lot' });
    for (let i = 0; i < BACKLOG - 1; i++) await publish({ event: 'bid', data: i });
    // Backlogged now: each new "lot" state replaces the waiting ones, volatile events are dropped,
    // and everything else is kept, in order.
    for (let price = 2; price <= 6; price++) await publish({ event: 'lot', data: { price }, key: 'lot' });
    await publish({ event: 'timer', data: 1, key: 'timer' });
    await publish({ event: 'typing', data: 'x', volatile: true });
    await publish({ event: 'bid', data: 'last' });

    assert.deepStrictEqual(eventsOf(await client.pollSkippingPings()), [
      ['bid', 0],
      ['bid', 1],
      ['bid', 2],
      ['lot', { price: 6 }],
      ['timer', 1],
      ['bid', 'last'],
    ]);
    assert.equal((await metric('outcry_conflated_total')) - conflatedBefore, 5, 'lot 1 to 5 were superseded');
    assert.equal((await metric('outcry_dropped_total')) - droppedBefore, 1);

    // Drained: no longer backlogged, so nothing is shed.
    await publish({ event: 'lot', data: { price: 7 }, key: 'lot' });
    await publish({ event: 'lot', data: { price: 8 }, key: 'lot' });
    await publish({ event: 'typing', data: 'y', volatile: true });
    assert.deepStrictEqual(eventsOf(await client.pollSkippingPings()), [
      ['lot', { price: 7 }],
      ['lot', { price: 8 }],
      ['typing', 'y'],
    ]);
    await client.send('1');
  });

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
    // … and drops its TCP connection, although its close frame cannot reach the client (a few seconds' grace):
    // the server's end leaves ESTABLISHED while the client still reads nothing.
    const port = stalled.ws._socket.localPort;
    assert.equal(serverSideState(port), '01', 'the connection is still up right after the cut-off');
    await eventually(
      (seen) => seen(serverSideState(port)) !== '01',
      'the server should drop the connection of a cut-off client that reads nothing',
      15_000,
    );
    // … and once it reads again, it finds its connection closed.
    stalled.ws._socket.resume();
    await stalled.waitClosed(10_000, 'the stalled client should find its connection closed');
    assert.equal(healthy.connected, true);
  });
});
