// A throwaway RabbitMQ for the queue tests: Debian's rabbitmq-server (tools/install-test-deps.sh installs it), run as
// this user from a temporary directory on free ports, and stopped with its whole process group. amqplib (npm) is the
// producer's side: declaring, publishing with confirms, and reading the dead-letter queues.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { freePort } from './server.mjs';
import { eventually } from './util.mjs';

const RABBITMQ = '/usr/lib/rabbitmq/bin/rabbitmq-server';

/** Starts rabbitmq-server; resolves { url, connect(), stop() }, the guest user allowed from localhost. */
export async function startRabbitMq() {
  if (!existsSync(RABBITMQ)) throw new Error(`${RABBITMQ} not found: run tools/install-test-deps.sh (apt-get install rabbitmq-server)`);
  const dir = mkdtempSync(join(tmpdir(), 'outcry-rabbitmq-'));
  const [port, dist] = [await freePort(), await freePort()];
  writeFileSync(join(dir, 'enabled_plugins'), '[].');
  const env = {
    ...process.env,
    HOME: dir, // the Erlang cookie
    RABBITMQ_NODENAME: `outcry${port}@localhost`,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: `${port}`,
    RABBITMQ_DIST_PORT: `${dist}`,
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_LOGS: join(dir, 'log', 'rabbit.log'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq'),
    RABBITMQ_PID_FILE: join(dir, 'rabbitmq.pid'),
  };
  const child = spawn(RABBITMQ, [], { env, stdio: 'ignore', detached: true });
  const url = `amqp://guest:guest@127.0.0.1:${port}/`;
  const connect = () => amqp.connect(url);
  await eventually(async () => {
    try {
      await (await connect()).close();
      return true;
    } catch {
      return false;
    }
  }, 'rabbitmq-server accepting AMQP connections', 90_000);
  const stop = () => new Promise((r) => {
    if (child.exitCode !== null) return r();
    child.once('exit', r);
    process.kill(-child.pid, 'SIGKILL');
  });
  return { url, connect, stop };
}

/** A producer: a confirm channel; `send` resolves once RabbitMQ has the message. */
export async function producer(rabbit) {
  const connection = await rabbit.connect();
  const channel = await connection.createConfirmChannel();
  return {
    channel,
    async send(queue, body, options = {}) {
      const content = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
      channel.sendToQueue(queue, content, { persistent: true, ...options });
      await channel.waitForConfirms();
    },
    /** Every message now in `queue`, taken off it: [{ body: string, headers, properties }]. */
    async drain(queue) {
      const messages = [];
      for (;;) {
        const message = await channel.get(queue, { noAck: true });
        if (!message) return messages;
        messages.push({ body: message.content.toString(), headers: message.properties.headers ?? {}, properties: message.properties });
      }
    },
    close: () => connection.close(),
  };
}
