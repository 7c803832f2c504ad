// The live auction demo end to end: its site with an embedded Outcry, three people in real Chromium pages, and 50
// bidders racing through the HTTP bid API while official socket.io clients watch.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io } from 'socket.io-client';
import { freePort, repoRoot, useServer } from './server.mjs';
import { launchBrowser } from './browser.mjs';

const outcryPort = await freePort();
const outcry = `http://127.0.0.1:${outcryPort}`;
const artifacts = join(repoRoot, 'tests/clients/artifacts');
mkdirSync(artifacts, { recursive: true });
const site = useServer({
  app: 'auction',
  args: [
    '--contentRoot', join(repoRoot, 'samples/Auction'),
    `--ConnectionStrings:Auction=Data Source=${join(mkdtempSync(join(tmpdir(), 'auction-')), 'auction.db')}`,
    `--Outcry:EmbeddedUrl=${outcry}`,
    '--Auction:FirstLotEndsIn=00:00:15', '--Auction:SoftClose=00:00:03',
  ],
});

async function signIn(context, name) {
  const res = await context.request.post(`${site.url}/api/signin`, { data: { name } });
  assert.equal(res.status(), 200);
}

const text = (page, selector) => page.locator(selector).textContent();

describe('live auction', () => {
  it('bidders and a watcher follow one lot in Chromium: live prices, outbid notice, offline and back, the close', async () => {
    const browser = await launchBrowser();
    const [a, b, c] = await Promise.all([browser.newContext(), browser.newContext(), browser.newContext()]);
    await signIn(a, 'alice');
    await signIn(b, 'bob');
    const pages = await Promise.all([a, b, c].map((context) => context.newPage()));
    const [pa, pb, pc] = pages;
    // C's computer clock is three hours slow: its countdown must still follow the server's.
    await pc.addInitScript(() => {
      const now = Date.now;
      Date.now = () => now() - 3 * 3600_000;
    });
    const shoot = (name) => Promise.all(pages.map((p, i) => p.screenshot({ path: join(artifacts, `auction-${name}-${'abc'[i]}.png`) })));
    for (const page of pages) {
      await page.goto(`${site.url}/lot.html?id=1`);
      await page.waitForFunction(() => window.socket?.connected, null, { timeout: 10_000 });
    }
    await pc.waitForFunction(() => document.getElementById('watching').textContent === '3 watching', null, { timeout: 5000 });
    // D looks at the list of lots.
    const pd = await (await browser.newContext()).newPage();
    await pd.goto(site.url);
    await pd.waitForFunction(() => window.socket?.connected, null, { timeout: 10_000 });
    const listed = (field) => pd.locator(`li:has(a[href="/lot.html?id=1"]) .${field}`);
    const secondsLeft = async (page) => {
      const [m, s] = (await text(page, '#countdown')).match(/^(\d+):(\d+) left$/).slice(1).map(Number);
      return m * 60 + s;
    };
    assert.ok(Math.abs(await secondsLeft(pc) - await secondsLeft(pa)) <= 1, 'the countdown ignores the browser clock');

    // A bids: B and C see the new price and leader within a second, without reloading.
    const started = Date.now();
    await pa.click('#bid button');
    await Promise.all([pb, pc].map((p) => p.waitForFunction(() => document.getElementById('leader').textContent === 'leader: alice', null, { timeout: 1000 })));
    assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
    assert.equal(await text(pc, '#price'), '€100.00');
    await listed('price').filter({ hasText: '€100.00' }).waitFor({ timeout: 1000 });
    assert.equal(await listed('leader').textContent(), 'leader: alice');

    // B outbids: A is told.
    await pb.click('#bid button');
    await pa.waitForFunction(() => document.getElementById('toast').textContent.startsWith('You were outbid'), null, { timeout: 2000 });
    assert.match(await text(pa, '#toast'), /^You were outbid on Tea bowl, Song dynasty: €105\.00 by bob$/);

    // C loses its network while two bids land; back online it shows the latest price.
    await c.setOffline(true);
    await pc.waitForSelector('#banner:not([hidden])', { timeout: 5000 });
    await pa.waitForFunction(() => document.getElementById('amount').value === '11000', null, { timeout: 2000 });
    await pa.click('#bid button');
    await pb.waitForFunction(() => document.getElementById('leader').textContent === 'leader: alice', null, { timeout: 2000 });
    await pb.click('#bid button');
    await pa.waitForFunction(() => document.getElementById('price').textContent === '€115.00', null, { timeout: 2000 });
    await shoot('offline');
    await c.setOffline(false);
    await pc.waitForFunction(() => document.getElementById('price').textContent === '€115.00', null, { timeout: 10_000 });
    await pc.waitForFunction(() => document.getElementById('banner').hidden, null, { timeout: 5000 });
    assert.equal(await text(pc, '#leader'), 'leader: bob');
    await pc.waitForFunction(() => document.querySelectorAll('#history li').length === 4, null, { timeout: 2000 });
    assert.deepStrictEqual(await pc.locator('#history li').allTextContents(), ['€115.00 by bob', '€110.00 by alice', '€105.00 by bob', '€100.00 by alice']);

    // The lot closes on the server's clock: all three show the same winner.
    for (const page of pages) {
      await page.waitForFunction(() => !document.getElementById('result').hidden, null, { timeout: 30_000 });
      assert.equal(await text(page, '#result'), 'Sold to bob for €115.00');
      await page.waitForFunction(() => document.getElementById('countdown').textContent === 'closed', null, { timeout: 2000 });
    }
    await listed('ends').filter({ hasText: 'closed' }).waitFor({ timeout: 2000 });
    assert.equal(await listed('price').textContent(), '€115.00');
    await pd.screenshot({ path: join(artifacts, 'auction-closed-list.png') });
    await shoot('closed');
  });

  it('50 bidders for 10 s through the HTTP bid API: strictly rising bids, one winner, every watcher ends on the database\'s state', async () => {
    const lotId = 2;
    const watchers = await Promise.all([0, 1, 2].map(() => new Promise((resolve, reject) => {
      const socket = io(outcry, { query: { room: `lot:${lotId}` }, transports: ['websocket'], forceNew: true });
      socket.last = null;
      socket.on('lot', (state) => {
        if (!socket.last || state.bids >= socket.last.bids) socket.last = state;
      });
      socket.once('connect', () => resolve(socket));
      socket.once('connect_error', reject);
    })));

    const bidders = await Promise.all(Array.from({ length: 50 }, async (_, i) => {
      const res = await fetch(`${site.url}/api/signin`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: `bidder${i}` }) });
      assert.equal(res.status, 200);
      return res.headers.get('set-cookie').split(';')[0];
    }));

    let accepted = 0;
    let refused = 0;
    const until = Date.now() + 10_000;
    await Promise.all(bidders.map(async (cookie) => {
      while (Date.now() < until) {
        const { lot } = await (await fetch(`${site.url}/api/lots/${lotId}`)).json();
        const res = await fetch(`${site.url}/api/lots/${lotId}/bids`, {
          method: 'POST', headers: { 'content-type': 'application/json', cookie }, body: JSON.stringify({ amount: lot.minimumBid }),
        });
        const answer = await res.json();
        if (answer.ok) accepted++;
        else {
          assert.equal(res.status, 409, JSON.stringify(answer));
          refused++;
        }
      }
    }));

    const { lot, bids } = await (await fetch(`${site.url}/api/lots/${lotId}?bids=10000`)).json();
    assert.ok(accepted > 50 && refused > 0, `accepted ${accepted}, refused ${refused}`);
    assert.equal(bids.length, accepted, 'every accepted bid is in the database, and only those');
    const rising = bids.reverse();
    for (let i = 1; i < rising.length; i++) assert.ok(rising[i].amount >= rising[i - 1].amount + 100, `bid ${i}`);
    assert.deepStrictEqual([lot.price, lot.leader, lot.bids], [rising.at(-1).amount, rising.at(-1).bidder, accepted]);

    for (const socket of watchers) {
      const deadline = Date.now() + 5000;
      while (socket.last?.bids !== lot.bids) {
        assert.ok(Date.now() < deadline, `a watcher ended on ${JSON.stringify(socket.last)}, the database on ${JSON.stringify(lot)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.deepStrictEqual([socket.last.price, socket.last.leader], [lot.price, lot.leader]);
      socket.close();
    }
  });
});
