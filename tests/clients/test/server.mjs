// Starts the server under test for one test file: the conformance server (default), or with
// useServer({ app: 'outcry', args }) the real Outcry server, configured on its command line.
//
//   OUTCRY_REFERENCE=1          -> node reference-server.mjs (official socket.io server), conformance tests only
//   OUTCRY_CONFORMANCE_DLL=path -> dotnet <path> for the conformance server
//   otherwise                   -> dotnet <repo>/<project>/bin/Release/net10.0/<name>.dll
//                                  or, when that file does not exist, dotnet run --no-build -c Release --project …
//
// The server gets `--urls http://127.0.0.1:PORT` and is considered ready once
// GET /healthz answers 200. Its stdout/stderr are buffered and only printed when
// something fails (startup failure, or a test that failed while it was running).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, after, afterEach } from 'node:test';

const here = dirname(fileURLToPath(import.meta.url));
export const clientsDir = resolve(here, '..');
export const repoRoot = resolve(clientsDir, '../..');

const STARTUP_DEADLINE_MS = 30_000;
const STOP_DEADLINE_MS = 3_000; // then SIGKILL (ASP.NET graceful shutdown may wait for open requests)
const MAX_LOG_CHARS = 200_000;

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolvePort(port));
    });
  });
}

// The built servers (`dotnet build -c Release` of the solution puts them there).
const APPS = {
  conformance: 'tests/Outcry.Conformance',
  outcry: 'src/Outcry.Server',
  auction: 'samples/Auction',
};

// "{port}" in an argument is the server's port (for Kestrel endpoints configured beside it).
function serverCommand(port, { app = 'conformance', args = [] } = {}) {
  const urlArgs = ['--urls', `http://127.0.0.1:${port}`, ...args.map((a) => a.replaceAll('{port}', String(port)))];
  if (process.env.OUTCRY_REFERENCE === '1' && app === 'conformance') {
    return { cmd: process.execPath, args: [resolve(clientsDir, 'reference-server.mjs'), ...urlArgs] };
  }
  const project = APPS[app];
  const name = project.split('/').pop();
  const dll = app === 'conformance' && process.env.OUTCRY_CONFORMANCE_DLL
    ? resolve(clientsDir, process.env.OUTCRY_CONFORMANCE_DLL)
    : resolve(repoRoot, project, `bin/Release/net10.0/${name}.dll`);
  if (existsSync(dll)) {
    return { cmd: 'dotnet', args: [dll, ...urlArgs] };
  }
  return {
    cmd: 'dotnet',
    args: ['run', '--no-build', '-c', 'Release', '--project', resolve(repoRoot, project), '--', ...urlArgs],
  };
}

/** Resolves after `ms`, used only as back-off between readiness probes (not for test synchronisation). */
function backoff(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Starts a server — the conformance server, or with `{app: 'outcry', args}` the real Outcry server with
 * configuration on its command line — and waits until /healthz answers 200.
 * @returns {Promise<{url: string, port: number, stop: () => Promise<void>, kill: () => Promise<void>, logs: () => string,
 *   onOutput: (listener: (stream: 'stdout' | 'stderr', text: string) => void) => () => void, dumpLogs: (why: string) => void}>}
 */
export async function startServer(options = {}) {
  const port = await freePort();
  const { cmd, args } = serverCommand(port, options);
  const url = `http://127.0.0.1:${port}`;

  const child = spawn(cmd, args, {
    cwd: clientsDir,
    stdio: ['ignore', 'pipe', 'pipe'],
    // own process group so that `dotnet run` and the app it launches are stopped together
    detached: true,
    env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1' },
  });

  let log = '';
  let dropped = 0; // chars discarded from the front of `log`
  let shownUpTo = 0; // absolute offset up to which output was already printed
  const outputListeners = new Set();
  const append = (stream) => (chunk) => {
    for (const listener of outputListeners) listener(stream, chunk.toString());
    log += `[${stream}] ${chunk.toString()}`;
    if (log.length > MAX_LOG_CHARS) {
      dropped += log.length - MAX_LOG_CHARS;
      log = log.slice(log.length - MAX_LOG_CHARS);
    }
  };
  child.stdout.on('data', append('stdout'));
  child.stderr.on('data', append('stderr'));

  let exited = false;
  let exitInfo = null;
  const exitPromise = new Promise((r) => {
    child.on('exit', (code, signal) => {
      exited = true;
      exitInfo = { code, signal };
      r();
    });
  });
  // never leave a detached server behind if this test process exits without stop()
  const killOnExit = () => {
    if (!exited) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  };
  process.on('exit', killOnExit);
  exitPromise.then(() => process.off('exit', killOnExit));
  let spawnError = null;
  child.on('error', (err) => {
    spawnError = err;
    exited = true;
  });

  const logs = () => log;
  // Sees every later chunk of output, however much there is (`logs()` keeps only the last MAX_LOG_CHARS).
  const onOutput = (listener) => {
    outputListeners.add(listener);
    return () => outputListeners.delete(listener);
  };
  // Prints the server output not printed before (so repeated failures do not repeat it).
  const dumpLogs = (why) => {
    const fresh = log.slice(Math.max(0, shownUpTo - dropped));
    const earlier = shownUpTo > 0 ? ' (output shown earlier omitted)' : '';
    shownUpTo = dropped + log.length;
    process.stderr.write(
      `\n----- server output (${why}) [${cmd} ${args.join(' ')}]${earlier} -----\n${fresh || '(no new output)'}\n----- end server output -----\n`,
    );
  };

  let stopped = false;
  const stop = async () => {
    if (stopped) return exitPromise;
    stopped = true;
    if (exited) return;
    const signalGroup = (sig) => {
      try {
        process.kill(-child.pid, sig);
      } catch {
        try {
          child.kill(sig);
        } catch {
          /* already gone */
        }
      }
    };
    signalGroup('SIGTERM');
    let timer;
    const timedOut = await Promise.race([
      exitPromise.then(() => false),
      new Promise((r) => {
        timer = setTimeout(() => r(true), STOP_DEADLINE_MS);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      signalGroup('SIGKILL');
      await exitPromise;
    }
  };

  // Poll /healthz until it answers 200 or the deadline passes.
  const deadline = Date.now() + STARTUP_DEADLINE_MS;
  let lastError = null;
  let delay = 25;
  for (;;) {
    if (spawnError) {
      dumpLogs('failed to spawn');
      throw new Error(`could not spawn ${cmd}: ${spawnError.message}`);
    }
    if (exited) {
      dumpLogs('exited during startup');
      throw new Error(`server exited during startup (${JSON.stringify(exitInfo)}): ${cmd} ${args.join(' ')}`);
    }
    if (Date.now() > deadline) {
      dumpLogs('startup timeout');
      await stop();
      throw new Error(`server did not answer GET ${url}/healthz with 200 within ${STARTUP_DEADLINE_MS} ms (last: ${lastError})`);
    }
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
      lastError = `HTTP ${res.status}`;
    } catch (err) {
      lastError = err.cause?.code ?? err.message;
    }
    await backoff(delay);
    delay = Math.min(delay * 2, 250);
  }

  // A crash: SIGKILL, no shutdown at all.
  const kill = async () => {
    stopped = true;
    if (exited) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
    await exitPromise;
  };

  return { url, port, stop, kill, logs, onOutput, dumpLogs };
}

/**
 * Registers before/after hooks (call at top level of a test file or inside a describe)
 * that start the server once and stop it at the end. Server output is printed when a
 * test fails. Returns a handle whose `url` is set once the server is up.
 */
export function useServer(options = {}) {
  const handle = { url: undefined, server: undefined };
  // Whatever a client sends, the server must never log an error or an unhandled exception of its own.
  const errors = [];
  before(async () => {
    handle.server = await startServer(options);
    handle.url = handle.server.url;
    handle.server.onOutput((_, text) => {
      for (const line of text.split('\n')) {
        if (/^(fail|crit): |unhandled exception/i.test(line)) errors.push(line);
      }
    });
  });
  afterEach((t) => {
    if (handle.server && t.passed === false) handle.server.dumpLogs(`test failed: ${t.name}`);
  });
  after(async () => {
    if (handle.server) await handle.server.stop();
    if (errors.length) {
      handle.server.dumpLogs('the server logged errors');
      throw new Error(`the server logged ${errors.length} error(s), first: ${errors[0]}`);
    }
  });
  return handle;
}
