// A drop longer than Outcry:Recovery:Window: the client is told (recovered === false) and gets the current state.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as elapse } from 'node:timers/promises';
import { useServer } from './server.mjs';
import { clientFactory, connect, once } from './util.mjs';
import { API_KEY, OFFSET, api } from './push.mjs';

const WINDOW_MS = 1000;
const server = useServer({ app: 'outcry', args: [`--Outcry:ApiKey=${API_KEY}`, '--Outcry:Recovery:Window=00:00:01'] });
const make = clientFactory();
const publish = (body) => api(server.url, '/api/publish', body);

describe('recovery window', () => {
  it('a drop within the window recovers; one longer than the window gets recovered === false and the current state', async () => {
    const socket = make(`${server.url}?itemId=w:1`, { transports: ['websocket'] });
    await connect(socket);
    const events = [];
    socket.onAny((event, ...args) => events.push([event, ...args]));

    const drop = async (ms) => {
      socket.io.reconnection(false);
      const gone = once(socket, 'disconnect');
      socket.io.engine.close();
      await gone;
      await publish({ room: 'w:1', event: 'lot', key: 'lot', data: { price: ms } });
      // The scenario itself, not synchronisation: the link stays down this long.
      await elapse(ms);
      socket.io.reconnection(true);
      const back = once(socket, 'connect');
      socket.connect();
      await back;
      const deadline = Date.now() + 5000;
      while (!events.some(([e]) => e === 'lot')) {
        assert.ok(Date.now() < deadline, `no lot event after the drop: ${JSON.stringify(events)}`);
        await once(socket, 'lot', 1000).catch(() => {});
      }
      return events.splice(0);
    };

    const short = await drop(0);
    assert.equal(socket.recovered, true, 'a drop within the window recovers');
    assert.deepStrictEqual(short.map((e) => e.slice(0, 2)), [['lot', { price: 0 }]]);
    assert.match(short[0][2], OFFSET, 'the missed event itself, with its offset');

    const long = await drop(WINDOW_MS * 2.5);
    assert.equal(socket.recovered, false, 'a drop longer than the window does not');
    assert.deepStrictEqual(long, [['lot', { price: WINDOW_MS * 2.5 }]], 'the current state, without offset');
  });
});
