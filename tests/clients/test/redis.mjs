// A throwaway Redis for the scale-out tests: Debian's redis-server (tools/install-test-deps.sh installs it) on a free
// port, without persistence; and a TCP front that forwards to one node and can be switched to another, as a load
// balancer fails over when a node goes away.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tcpConnect, createConnection, createServer } from 'node:net';
import { freePort } from './server.mjs';
import { eventually } from './util.mjs';

const REDIS = '/usr/bin/redis-server';

/**
 * Starts redis-server; resolves { address: 'host:port', command(...args), stop(), start() } (start again, same port).
 * With `persist`, every write is in the append-only file before Redis answers (appendfsync always), so a restart,
 * even after SIGKILL, keeps everything acknowledged.
 */
export async function startRedis({ persist = false } = {}) {
  if (!existsSync(REDIS)) throw new Error(`${REDIS} not found: run tools/install-test-deps.sh (apt-get install redis-server)`);
  const port = await freePort();
  const command = (...args) => redisCommand(port, args);
  const durability = persist
    ? ['--appendonly', 'yes', '--appendfsync', 'always', '--dir', mkdtempSync(join(tmpdir(), 'outcry-redis-'))]
    : ['--appendonly', 'no'];
  let child;
  const start = async () => {
    child = spawn(REDIS, ['--port', `${port}`, '--bind', '127.0.0.1', '--save', '', ...durability], { stdio: 'ignore' });
    await eventually(async () => (await command('PING').catch(() => '')) === 'PONG', 'redis-server answering PING', 10_000);
  };
  const stop = () => new Promise((r) => {
    if (child.exitCode !== null) return r();
    child.once('exit', r);
    child.kill('SIGKILL');
  });
  await start();
  return { address: `127.0.0.1:${port}`, command, stop, start };
}

/**
 * Starts a Redis Cluster of three masters (redis-server in cluster mode, joined by redis-cli --cluster create);
 * resolves { address: 'host:port,host:port,host:port', ports, stop() }.
 */
export async function startRedisCluster() {
  if (!existsSync(REDIS)) throw new Error(`${REDIS} not found: run tools/install-test-deps.sh (apt-get install redis-server)`);
  const dir = mkdtempSync(join(tmpdir(), 'outcry-cluster-'));
  const children = [];
  const ports = [];
  for (let i = 0; i < 3; i++) {
    const [port, bus] = [await freePort(), await freePort()];
    const args = ['--port', `${port}`, '--cluster-port', `${bus}`, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--dir', dir];
    children.push(spawn(REDIS, args, { stdio: 'ignore' }));
    ports.push(port);
  }
  for (const port of ports) {
    await eventually(async () => (await redisCommand(port, ['PING']).catch(() => '')) === 'PONG', `redis-server ${port} answering PING`, 10_000);
  }
  const nodes = ports.map((p) => `127.0.0.1:${p}`);
  await new Promise((resolve, reject) => {
    const create = spawn('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-yes'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    create.stdout.on('data', (d) => { output += d; });
    create.stderr.on('data', (d) => { output += d; });
    create.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`redis-cli --cluster create: ${output}`))));
  });
  for (const port of ports) {
    await eventually(async () => (await clusterState(port)) === 'ok', `cluster_state:ok on ${port}`, 10_000);
  }
  const stop = () => Promise.all(children.map((child) => new Promise((r) => {
    if (child.exitCode !== null) return r();
    child.once('exit', r);
    child.kill('SIGKILL');
  })));
  return { address: nodes.join(','), ports, stop };
}

// CLUSTER INFO's cluster_state ('ok' once every slot is served), or '' while the node cannot tell.
async function clusterState(port) {
  const info = await new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write('*2\r\n$7\r\nCLUSTER\r\n$4\r\nINFO\r\n'));
    let data = '';
    socket.on('data', (d) => {
      data += d;
      if (data.includes('cluster_state:')) socket.end();
    });
    socket.on('close', () => resolve(data));
    socket.on('error', () => resolve(''));
  });
  return /cluster_state:(\w+)/.exec(info)?.[1] ?? '';
}

// One command over RESP; resolves the first reply line's value (enough for PING and integer replies).
function redisCommand(port, args) {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(`${a}`)}\r\n${a}\r\n`).join('')}`);
    });
    socket.once('data', (data) => {
      socket.end();
      const line = data.toString().split('\r\n')[0];
      if (line[0] === '-') reject(new Error(line.slice(1)));
      else resolve(line.slice(1));
    });
    socket.once('error', reject);
  });
}

/** A TCP front on a free port forwarding every new connection to `target()` (a port); resolves { url, close() }. */
export async function startFront(target) {
  const sockets = new Set();
  const server = createServer((client) => {
    const upstream = tcpConnect({ host: '127.0.0.1', port: target() });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => { client.destroy(); upstream.destroy(); });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((r) => {
      for (const s of sockets) s.destroy();
      server.close(r);
    }),
  };
}
