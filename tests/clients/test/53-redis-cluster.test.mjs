// Three Outcry nodes on a Redis Cluster of three masters, talking over sharded pub/sub (Outcry:Redis:ShardedPubSub):
// they behave as one, as on a single Redis (as-one.mjs; with classic pub/sub the API's counts fail), and the
// socket.io emitter, on the cluster through the npm redis client, reaches them.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Emitter } from '@socket.io/redis-emitter';
import { createCluster } from 'redis';
import { startServer } from './server.mjs';
import { startRedisCluster } from './redis.mjs';
import { clientFactory, connect, eventually, once } from './util.mjs';
import { API_KEY } from './push.mjs';
import { AS_ONE_ARGS, itBehavesAsOne } from './as-one.mjs';

let cluster;
const nodes = [];
const startNode = (sharded) => startServer({
  app: 'outcry',
  args: [`--Outcry:ApiKey=${API_KEY}`, '--Outcry:Engine=redis', `--Outcry:Redis:Configuration=${cluster.address}`,
    `--Outcry:Redis:ShardedPubSub=${sharded}`, ...AS_ONE_ARGS],
});
before(async () => {
  cluster = await startRedisCluster();
  for (let i = 0; i < 3; i++) nodes.push(await startNode(true));
});
after(async () => {
  for (const node of nodes) await node.stop();
  await cluster?.stop();
});
const make = clientFactory();

describe('three nodes on a Redis Cluster, over sharded pub/sub', () => {
  itBehavesAsOne(nodes, make);

  it('the socket.io emitter, on the cluster through the npm redis client, reaches every node\'s clients', async () => {
    const client = createCluster({ rootNodes: cluster.ports.map((port) => ({ url: `redis://127.0.0.1:${port}` })) });
    await client.connect();
    try {
      const [a, b] = await Promise.all([connect(make(`${nodes[0].url}?itemId=500`)), connect(make(`${nodes[1].url}?itemId=500`))]);
      const got = [once(a, 'auction'), once(b, 'auction')];
      new Emitter(client).to('500').emit('auction', { price: 130 });
      assert.deepStrictEqual(await Promise.all(got), [[{ price: 130 }], [{ price: 130 }]]);
    } finally {
      await client.quit();
    }
  });

  it('a node on the cluster with classic pub/sub warns that it should be sharded', async () => {
    const classic = await startNode(false);
    try {
      await eventually(() => classic.logs().includes('Redis is a cluster but Outcry:Redis:ShardedPubSub is false'), 'the warning in the node\'s log');
    } finally {
      await classic.stop();
    }
  });
});
