// Publishing through RabbitMQ (a real rabbitmq-server): seed 002's pika producer reaches the official client's
// handlers; envelopes keep each room's order; headers, routing keys and message ids; poison messages go to the
// dead-letter queue with the reason and never block the queue; /metrics counts it all.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { clientsDir, startServer } from './server.mjs';
import { producer, startRabbitMq } from './rabbitmq.mjs';
import { launchBrowser } from './browser.mjs';
import { clientFactory, connect, eventually, once, record, TRANSPORTS } from './util.mjs';

let rabbit;
let node;
let send;
before(async () => {
  rabbit = await startRabbitMq();
  const queue = (i, settings) => Object.entries(settings).map(([k, v]) => `--Outcry:RabbitMq:Queues:${i}:${k}=${v}`);
  node = await startServer({
    app: 'outcry',
    args: [
      `--Outcry:RabbitMq:Uri=${rabbit.url}`,
      // seed 002: the queue the producer declares (not durable), every message to everyone as 'news'
      ...queue(0, { Name: 'socket.io', Event: 'news', Broadcast: true, Durable: false }),
      ...queue(1, { Name: 'outcry.publish' }), // envelopes
      ...queue(2, { Name: 'lots', Event: 'lot', RoomFromRoutingKey: true, DefaultContentType: 'application/json' }),
    ],
  });
  send = await producer(rabbit);
  await send.channel.assertExchange('auction', 'topic', { durable: true });
  await eventually(async () => (await metrics()).includes('outcry_queue_lag{transport="rabbitmq",queue="lots"} 0'), 'Outcry consuming the queues', 20_000);
  await send.channel.bindQueue('lots', 'auction', 'lot.#');
});
after(async () => {
  await send?.close().catch(() => {});
  await node?.stop();
  await rabbit?.stop();
});
const make = clientFactory();

const metrics = async () => (await fetch(`${node.url}/metrics`)).text();

function runPython(script, ...args) {
  return new Promise((resolve, reject) => {
    // Debian's python3 with Debian's python3-pika (tools/install-test-deps.sh), whatever python3 is first on PATH.
    const child = spawn('/usr/bin/python3', [join(clientsDir, 'fixtures', script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => { output += d; });
    child.stderr.on('data', (d) => { output += d; });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${script} exited ${code}: ${output}`))));
  });
}

// What seed 002's producer sends, as its page's socket.on('news') receives it.
function seedNews() {
  const expected = [];
  for (let count = 10; count > 0; count--) {
    expected.push(`"text ${count}"`); // json.dumps('text 10') sent as text/plain: the string with its quotes, as the seed's page shows it
    expected.push({ no: count, some: 'Message', 比如: '中文信息' });
  }
  return expected;
}

describe('RabbitMQ', () => {
  it("seed 002's pika producer reaches every client's 'news' handler: text as a string, JSON as an object, in order", async () => {
    const clients = await Promise.all([make(node.url, TRANSPORTS.websocket), make(node.url, TRANSPORTS.polling)].map((s) => connect(s)));
    const news = clients.map((c) => record(c, 'news'));
    await runPython('seed002_producer.py', new URL(rabbit.url).port);

    const expected = seedNews();
    for (const seen of news) {
      await eventually(() => seen.length >= expected.length, 'all twenty messages', 10_000);
      assert.deepStrictEqual(seen.map(([data]) => data), expected);
    }
  });

  it("seed 002's producer reaches a page's socket.on('news') in Chromium, through the official browser bundle", async () => {
    const browser = await launchBrowser();
    const page = await browser.newPage();
    await page.goto(`${node.url}/healthz`);
    await page.addScriptTag({ url: `${node.url}/socket.io/socket.io.js` });
    await page.evaluate(() => new Promise((resolve) => {
      window.news = [];
      const socket = io(); // eslint-disable-line no-undef
      socket.on('news', (data) => window.news.push(data));
      socket.on('connect', resolve);
    }));
    await runPython('seed002_producer.py', new URL(rabbit.url).port);
    await page.waitForFunction(() => window.news.length >= 20, null, { timeout: 10_000 });
    assert.deepStrictEqual(await page.evaluate(() => window.news), seedNews());
  });

  it('envelopes reach only their room, each room in the order of the queue', async () => {
    const [a, b] = await Promise.all([make(`${node.url}?itemId=a1`), make(`${node.url}?itemId=b1`)].map((s) => connect(s)));
    const [inA, inB] = [record(a, 'bid'), record(b, 'bid')];
    for (let n = 1; n <= 200; n++) {
      send.channel.sendToQueue('outcry.publish', Buffer.from(JSON.stringify({ room: n % 2 ? 'a1' : 'b1', event: 'bid', data: n })), { persistent: true });
    }
    await send.channel.waitForConfirms();

    const odd = Array.from({ length: 100 }, (_, i) => 2 * i + 1);
    await eventually(() => inA.length >= 100 && inB.length >= 100, 'both rooms have their hundred bids', 10_000);
    assert.deepStrictEqual(inA.map(([n]) => n), odd);
    assert.deepStrictEqual(inB.map(([n]) => n), odd.map((n) => n + 1));
  });

  it("a routing key or a 'room' header names the room; the same message id is delivered once", async () => {
    const [lot100, lot200] = await Promise.all([make(`${node.url}?itemId=lot.100`), make(`${node.url}?itemId=200`)].map((s) => connect(s)));
    const [seen100, seen200] = [record(lot100, 'lot'), record(lot200, 'lot')];
    const publish = (key, body, options = {}) => send.channel.publish('auction', key, Buffer.from(JSON.stringify(body)), { persistent: true, ...options });
    publish('lot.100', { price: 110 }, { messageId: 'bid-1' });
    publish('lot.100', { price: 110 }, { messageId: 'bid-1' }); // the producer's retry
    publish('lot.other', { price: 210 }, { headers: { room: '200' }, contentType: 'application/json' });
    publish('lot.100', { price: 120 }, { messageId: 'bid-2' });
    await send.channel.waitForConfirms();

    await eventually(() => seen100.length >= 2 && seen200.length >= 1, 'both rooms have their lots', 10_000);
    await eventually(async () => (await metrics()).includes('outcry_queue_messages_total{transport="rabbitmq",queue="lots",outcome="duplicate"} 1'), 'the retry counted as a duplicate');
    assert.deepStrictEqual(seen100.map(([d]) => d), [{ price: 110 }, { price: 120 }]);
    assert.deepStrictEqual(seen200.map(([d]) => d), [{ price: 210 }]);
  });

  it('poison messages are dead-lettered with the reason; the queue goes on, the node stays up', async () => {
    const client = await connect(make(`${node.url}?itemId=p1`));
    const bids = record(client, 'bid');
    const poison = [
      ['{"room":"p1","event":', 'the body is not valid JSON'],
      [JSON.stringify({ room: 'p1', data: 1 }), 'event is required'],
      [JSON.stringify({ event: 'bid', data: 1 }), 'name exactly one target'],
      [JSON.stringify({ room: 'p1', event: 'connect' }), "event 'connect' is reserved"],
      [JSON.stringify([1, 2]), 'must be a JSON object'],
      [Buffer.from([0xff, 0xfe, 0x00]), 'the body is not valid JSON'],
    ];
    for (const [body] of poison) await send.send('outcry.publish', body);
    await send.send('outcry.publish', { room: 'p1', event: 'bid', data: 'after the poison' });
    await send.send('lots', 'binary', { contentType: 'application/octet-stream' }); // a plain queue: neither JSON nor text

    await once(client, 'bid', 10_000);
    assert.deepStrictEqual(bids.map(([d]) => d), ['after the poison']);
    let dead = [];
    await eventually(async () => {
      dead = dead.concat(await send.drain('outcry.publish.dead'));
      return dead.length >= poison.length;
    }, 'every poison message in outcry.publish.dead', 10_000);
    assert.equal(dead.length, poison.length);
    poison.forEach(([body, reason], i) => {
      assert.equal(dead[i].body, Buffer.from(body).toString(), 'the body as it was sent');
      assert.match(dead[i].headers['x-outcry-reason'], new RegExp(reason.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      assert.equal(dead[i].headers['x-outcry-queue'], 'outcry.publish');
    });
    await eventually(async () => (await send.drain('lots.dead')).some((m) => /content type 'application\/octet-stream'/.test(m.headers['x-outcry-reason'])),
      "the plain queue's poison in lots.dead");
    const text = await metrics();
    assert.match(text, /outcry_queue_messages_total\{transport="rabbitmq",queue="outcry.publish",outcome="dead_lettered"\} 6/);
    assert.match(text, /outcry_publications_total\{source="queue"\} \d+/);
    assert.equal((await fetch(`${node.url}/healthz`)).status, 200);
  });
});
