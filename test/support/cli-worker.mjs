/**
 * The worker thread behind test/support/cli-runner.ts: it keeps warm CLI servers
 * (test/support/cli-server.mjs), one run at a time each, and answers runs either on the sync
 * port (waking the test's thread blocked in Atomics.wait) or as a message (pbxsyncAsync).
 * A server that leaves something behind ends after its answer; a new one is started at once.
 */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';

const { flag, syncPort, root, env: serverEnv, home } = workerData;
const SERVER = join(root, 'test', 'support', 'cli-server.mjs');
const wake = new Int32Array(flag);
const DEBUG = process.env.PBXSYNC_TEST_SERVER_DEBUG === '1';

/** Servers started and ready or starting, not running anything. */
const idle = [];
const all = new Set();

function startServer() {
  const child = fork(SERVER, [], { cwd: home, env: serverEnv, execArgv: [], stdio: ['ignore', 'ignore', 'inherit', 'pipe', 'ipc'] });
  const server = { child, waiting: undefined, dead: false };
  let readyResolve;
  server.ready = new Promise((resolve) => (readyResolve = resolve));
  let buffered = '';
  child.stdio[3].setEncoding('utf8').on('data', (d) => {
    buffered += d;
    let nl;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const message = JSON.parse(buffered.slice(0, nl));
      buffered = buffered.slice(nl + 1);
      if (message.ready) readyResolve(true);
      else server.waiting?.(message);
    }
  });
  server.exited = new Promise((resolve) =>
    child.on('exit', (code, signal) => {
      server.dead = true;
      all.delete(server);
      const at = idle.indexOf(server);
      if (at >= 0) idle.splice(at, 1);
      readyResolve(false);
      server.waiting?.({ died: { code, signal } });
      resolve();
    }),
  );
  child.on('error', () => undefined);
  all.add(server);
  return server;
}

/** At most this many servers per test file; a run beyond them (many at once) gets a process of its own. */
const MAX_SERVERS = 8;

function takeServer() {
  return idle.pop() ?? (all.size < MAX_SERVERS ? startServer() : undefined);
}

function keepOneWarm() {
  if (idle.length === 0 && all.size < MAX_SERVERS) idle.push(startServer());
}

async function run(request) {
  const server = takeServer();
  if (!server) return { spawn: 'every CLI server is busy' };
  if (!(await server.ready)) {
    keepOneWarm();
    return { spawn: 'the CLI server did not start' };
  }
  const answer = await new Promise((resolve) => {
    server.waiting = resolve;
    server.child.send(request, (err) => err && resolve({ died: { code: null, signal: null }, error: String(err) }));
  });
  server.waiting = undefined;
  if (answer.died) {
    keepOneWarm();
    // Killed (killBusy: the test ended) or crashed: as spawnSync reports a killed process.
    return { status: null, stdout: '', stderr: `pbxsync test server ended during the run (${answer.died.signal ?? answer.died.code})\n` };
  }
  if (DEBUG)
    process.stderr.write(
      `pbxsync test server ${server.child.pid}: ${request.args.join(' ')} -> ${answer.status}${answer.retire ? ` (ends: ${answer.retire})` : ''}${answer.spawn ? ` (spawn: ${answer.spawn})` : ''}\n`,
    );
  if (answer.retire) {
    keepOneWarm();
    await server.exited; // what it left (open files, locks) is gone before the test goes on
  } else if (answer.spawn !== 'busy') {
    idle.push(server);
  }
  if (answer.spawn) return { spawn: answer.spawn };
  return { status: answer.status, stdout: answer.stdout, stderr: answer.stderr };
}

function reply(message, result) {
  if (message.sync) {
    syncPort.postMessage({ id: message.id, result });
    Atomics.store(wake, 0, 1);
    Atomics.notify(wake, 0);
  } else {
    parentPort.postMessage({ id: message.id, result });
  }
}

parentPort.on('message', (message) => {
  if (message.type === 'run') {
    run(message.request).then(
      (result) => reply(message, result),
      (err) => reply(message, { spawn: `CLI server failure: ${err?.stack ?? err}` }),
    );
  } else if (message.type === 'killBusy') {
    for (const server of all) if (!idle.includes(server)) server.child.kill('SIGKILL');
    reply(message, { done: true });
  } else if (message.type === 'warm') {
    keepOneWarm();
  }
});
