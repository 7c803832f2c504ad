// A browser's own EventSource against Outcry's /sse, cross-origin: it connects, receives, loses its link while
// publications go on, reconnects by itself with Last-Event-ID and gets exactly what it missed.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { useServer } from './server.mjs';
import { API_KEY, api } from './push.mjs';
import { launchBrowser, linkProxy } from './browser.mjs';

const server = useServer({ app: 'outcry', args: [`--Outcry:ApiKey=${API_KEY}`, '--Outcry:Sse:Retry=00:00:00.200'] });

const publish = async (body) => {
  const res = await api(server.url, '/api/publish', body);
  assert.equal(res.status, 200, res.text);
  return res.json;
};

describe('EventSource in Chromium', () => {
  it('receives live events, and after a dropped link resumes exactly by Last-Event-ID', async () => {
    const browser = await launchBrowser();
    const proxy = await linkProxy(server.url);
    const page = await browser.newPage();
    // The page's origin (127.0.0.1) is not the stream's (localhost): CORS must let the browser read it.
    await page.goto(`${server.url}/healthz`);
    await publish({ room: 'b:1', event: 'lot', key: 'lot', data: { price: 100 } });
    await page.evaluate((url) => {
      window.received = [];
      window.errors = 0;
      const source = new EventSource(url);
      for (const name of ['connect', 'lot', 'bid']) {
        source.addEventListener(name, (e) => window.received.push({ event: name, id: e.lastEventId, data: JSON.parse(e.data) }));
      }
      source.onerror = () => window.errors++;
    }, `${proxy.url}/sse?room=b:1`);

    const receivedOnce = (n) => page.waitForFunction((count) => window.received.length >= count, n, { timeout: 5000 });
    await receivedOnce(2);
    const first = await publish({ room: 'b:1', event: 'bid', data: 1 });
    await receivedOnce(3);

    proxy.down();
    await page.waitForFunction(() => window.errors >= 1, null, { timeout: 5000 });
    const missed = [await publish({ room: 'b:1', event: 'bid', data: 2 }), await publish({ room: 'b:1', event: 'bid', data: 3 })];
    proxy.up();
    await receivedOnce(6);
    const after = await publish({ room: 'b:1', event: 'bid', data: 4 });
    await receivedOnce(7);

    const received = await page.evaluate(() => window.received);
    assert.deepStrictEqual(received.map(({ event, data }) => [event, data]), [
      ['connect', { recovered: false, rooms: ['b:1'] }],
      ['lot', { price: 100 }],
      ['bid', 1],
      ['connect', { recovered: true, rooms: ['b:1'] }],
      ['bid', 2],
      ['bid', 3],
      ['bid', 4],
    ]);
    assert.deepStrictEqual(received.filter((r) => r.event === 'bid').map((r) => r.id), [first, ...missed, after].map((p) => p.offset));
  });
});
