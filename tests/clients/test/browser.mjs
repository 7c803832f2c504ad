// Headless Debian Chromium driven by playwright-core (never a downloaded browser), and a TCP proxy whose link
// a test can cut, as a dropped mobile connection would.
import { after } from 'node:test';
import net from 'node:net';
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Launches Chromium once for the file; closed after it. */
export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: test.sh installs Debian's chromium package`);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  after(() => browser.close());
  return browser;
}

/** A TCP proxy to `target` (host:port URL); down() cuts every link and refuses new ones until up(). */
export async function linkProxy(target) {
  const { hostname, port } = new URL(target);
  const links = new Set();
  let isDown = false;
  const server = net.createServer((client) => {
    if (isDown) {
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(port), hostname);
    const link = { client, upstream };
    links.add(link);
    const cut = () => {
      client.destroy();
      upstream.destroy();
      links.delete(link);
    };
    client.on('error', cut).on('close', cut);
    upstream.on('error', cut).on('close', cut);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  after(() => server.close());
  return {
    url: `http://localhost:${server.address().port}`,
    down() {
      isDown = true;
      for (const { client, upstream } of links) {
        client.destroy();
        upstream.destroy();
      }
      links.clear();
    },
    up() {
      isDown = false;
    },
  };
}
