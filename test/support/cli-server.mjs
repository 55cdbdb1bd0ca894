/**
 * A warm pbxsync process for the tests (started by test/support/cli-worker.mjs): it loads the
 * CLI's dependencies once, then runs one `bin/pbxsync.js` invocation per request as a fresh
 * process would, in its own working directory and environment, with its own stdin, stdout and
 * stderr, its own copy of every dist/ module (test/support/cli-hooks.mjs) and a reset exit
 * code. A run ends when its event loop is empty, the moment a process would exit.
 *
 * What a process would lose on exit and this one cannot take back (a file descriptor still
 * open, a timer, a listener on `process`, a new global, a changed umask, a call to
 * `process.exit`, an uncaught exception) ends this server after the answer, so the next run
 * gets a new one: a run never sees what an earlier one left.
 *
 * Requests come over the IPC channel; answers go out on fd 3 with writeSync, so that even a
 * run that calls `process.exit` or throws gets its answer out before this process ends.
 */
import { Console } from 'node:console';
import { readdirSync, writeSync } from 'node:fs';
import { register } from 'node:module';
import { join, resolve } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '..', '..');
const DIST = pathToFileURL(join(ROOT, 'dist')).href + '/';
const BIN = join(ROOT, 'bin', 'pbxsync.js');
const BIN_URL = pathToFileURL(BIN).href;
/** Each run keeps its module copies loaded; a new server after this many runs bounds the memory. */
const MAX_RUNS = 60;
const ANSWERS = 3;

register('./cli-hooks.mjs', import.meta.url, { data: { dist: DIST } });

const realExit = process.exit.bind(process);
const realConsole = globalThis.console;
const streams = ['stdin', 'stdout', 'stderr'].map((name) => [name, Object.getOwnPropertyDescriptor(process, name)]);
const baseEnv = { ...process.env };
const homeDir = process.cwd();

/**
 * Load what any run may need (commander, the commands' dependencies, the ones loaded only
 * when used) once, as run 0: every module of dist/.
 */
async function warmUp() {
  const files = readdirSync(join(ROOT, 'dist'), { recursive: true }).filter((f) => f.endsWith('.js'));
  for (const file of files) await import(`${DIST}${file}?pbxsync-run=0`);
}

function answer(message) {
  const bytes = Buffer.from(`${JSON.stringify(message)}\n`);
  let done = 0;
  while (done < bytes.length) {
    try {
      done += writeSync(ANSWERS, bytes, done);
    } catch (err) {
      if (err.code !== 'EAGAIN') throw err;
    }
  }
}

function openFds() {
  return readdirSync('/proc/self/fd').length;
}

function resources() {
  return process.getActiveResourcesInfo().sort().join(',');
}

function processListeners() {
  return new Map(process.eventNames().map((name) => [name, process.listeners(name)]));
}

function sink() {
  const chunks = [];
  const stream = new Writable({
    write(chunk, encoding, callback) {
      chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, encoding));
      callback();
    },
  });
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

let runs = 0;
let baseline;
/** The run under way: { id, stdout, stderr, listeners, finish } */
let current;

function snapshot() {
  return {
    fds: openFds(),
    resources: resources(),
    globals: Object.keys(globalThis).sort().join(','),
    umask: process.umask(),
    stackTraceLimit: Error.stackTraceLimit,
    prepareStackTrace: Error.prepareStackTrace,
  };
}

/** What the run left behind that a process exit would have cleared, or '' when nothing. */
function leftovers(before) {
  const now = snapshot();
  const added = [];
  for (const [name, list] of processListeners()) {
    const old = before.get(name) ?? [];
    if (list.some((l) => !old.includes(l))) added.push(`process '${String(name)}' listener`);
  }
  if (now.fds > baseline.fds) added.push(`${now.fds - baseline.fds} open file descriptor(s)`);
  if (now.resources !== baseline.resources) added.push(`resources ${now.resources} (was ${baseline.resources})`);
  if (now.globals !== baseline.globals)
    added.push(
      `new globals ${now.globals
        .split(',')
        .filter((g) => !baseline.globals.split(',').includes(g))
        .join(',')}`,
    );
  if (now.umask !== baseline.umask) added.push('umask');
  if (now.stackTraceLimit !== baseline.stackTraceLimit || now.prepareStackTrace !== baseline.prepareStackTrace) added.push('Error settings');
  return added.join('; ');
}

function restoreProcess() {
  for (const [name, descriptor] of streams) Object.defineProperty(process, name, descriptor);
  globalThis.console = realConsole;
  process.exit = realExit;
  for (const key of Object.keys(process.env)) delete process.env[key];
  Object.assign(process.env, baseEnv);
  process.chdir(homeDir);
  process.exitCode = undefined;
}

/** Ends the run: the 'exit' listeners it added run (as on exit), then the answer goes out. */
function finish(code, reason) {
  const run = current;
  if (!run) return;
  current = undefined;
  process.channel?.ref();
  const exitListeners = process.listeners('exit').filter((l) => !(run.listeners.get('exit') ?? []).includes(l));
  for (const listener of exitListeners) {
    process.off('exit', listener);
    try {
      listener(code);
    } catch (err) {
      run.stderr.stream.write(`${err?.stack ?? err}\n`);
      code = 7;
    }
  }
  const stdout = run.stdout.text();
  const stderr = run.stderr.text();
  restoreProcess();
  const left = reason ?? leftovers(run.listeners);
  const retire = left !== '' || runs >= MAX_RUNS;
  answer({ id: run.id, status: code, stdout, stderr, retire: retire ? left || 'enough runs' : undefined });
  if (retire) realExit(0);
}

class Exited extends Error {}

process.on('uncaughtException', (err) => {
  if (!current) {
    process.stderr.write(`pbxsync test server: ${err?.stack ?? err}\n`);
    realExit(70);
  }
  // As node prints it; the process would end here.
  current.stderr.stream.write(`${err instanceof Error ? (err.stack ?? err.message) : `Uncaught ${String(err)}`}\n\nNode.js ${process.version}\n`);
  finish(1, 'uncaught exception');
});

process.on('beforeExit', () => {
  if (current) finish(process.exitCode ?? 0);
});

function start(request) {
  runs++;
  let cwdOk = true;
  try {
    process.chdir(request.cwd);
  } catch {
    cwdOk = false;
  }
  if (!cwdOk) {
    answer({ id: request.id, spawn: 'working directory unusable' });
    return;
  }
  for (const key of Object.keys(process.env)) delete process.env[key];
  Object.assign(process.env, request.env);
  const stdout = sink();
  const stderr = sink();
  const stdin = new PassThrough();
  stdin.end(request.input ?? '');
  current = { id: request.id, stdout, stderr, listeners: processListeners() };
  Object.defineProperty(process, 'stdin', { configurable: true, enumerable: true, get: () => stdin });
  Object.defineProperty(process, 'stdout', { configurable: true, enumerable: true, get: () => stdout.stream });
  Object.defineProperty(process, 'stderr', { configurable: true, enumerable: true, get: () => stderr.stream });
  globalThis.console = new Console({ stdout: stdout.stream, stderr: stderr.stream });
  process.exit = (code) => {
    finish(code ?? process.exitCode ?? 0, 'process.exit');
    throw new Exited('unreachable');
  };
  process.argv = [process.execPath, BIN, ...request.args];
  process.exitCode = undefined;
  process.channel?.unref();
  // As `node bin/pbxsync.js ARGS` does; the run ends at 'beforeExit'.
  import(`${BIN_URL}?pbxsync-run=${runs}`).catch((err) => {
    if (current) {
      current.stderr.stream.write(`${err?.stack ?? err}\n`);
      finish(1, 'bin/pbxsync.js failed to load');
    }
  });
}

process.on('disconnect', () => realExit(0));

await warmUp();
baseline = snapshot();
process.on('message', (request) => {
  if (current) {
    answer({ id: request.id, spawn: 'busy' });
    return;
  }
  start(request);
});
answer({ ready: true });
