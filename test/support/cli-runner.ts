/**
 * Runs the built CLI in a warm process instead of a new one per call (test/support/cli-server.mjs
 * explains how a run stays as fresh as a new process): node and the CLI's dependencies load
 * once per test file instead of once per call. `pbxsync()` stays synchronous: the test's thread
 * waits in Atomics.wait while a worker thread talks to the server.
 *
 * A run goes to a real process instead (the caller spawns) when PBXSYNC_TEST_SPAWN=1, when the
 * environment names something node reads only at start-up (NODE_*, UV_*, OpenSSL, locale), or
 * when the server cannot take it.
 */
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { CliResult } from './cli.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
/** A sync run that takes longer is stopped: the test's thread cannot time out while it waits. */
const SYNC_LIMIT_MS = 180_000;
const READ_AT_START = /^(NODE_|UV_|SSL_CERT_|OPENSSL_|LC_)|^(LANG|LANGUAGE)$/;

interface Request {
  readonly args: string[];
  readonly cwd: string;
  readonly env: Record<string, string>;
  readonly input: string;
}

type Answer = CliResult | { spawn: string };

let runner: { worker: Worker; wake: Int32Array; port: MessagePort; pending: Map<number, (a: Answer) => void> } | undefined;
let nextId = 0;

/** Whether calls go to a warm server at all (PBXSYNC_TEST_SPAWN=1 spawns every call). */
export function inProcess(env: Record<string, string>): boolean {
  return process.env.PBXSYNC_TEST_SPAWN !== '1' && !Object.keys(env).some((k) => READ_AT_START.test(k));
}

function started(): NonNullable<typeof runner> {
  if (runner) return runner;
  const flag = new SharedArrayBuffer(4);
  const { port1, port2 } = new MessageChannel();
  const home = tmpdir();
  const worker = new Worker(join(ROOT, 'test', 'support', 'cli-worker.mjs'), {
    workerData: { flag, syncPort: port2, root: ROOT, home, env: { PATH: process.env.PATH ?? '', HOME: home, NO_COLOR: '1' } },
    transferList: [port2],
  });
  worker.unref();
  const pending = new Map<number, (a: Answer) => void>();
  worker.on('message', (m: { id: number; result: Answer }) => {
    pending.get(m.id)?.(m.result);
    pending.delete(m.id);
  });
  worker.on('error', (err) => {
    for (const done of pending.values()) done({ spawn: `CLI worker failed: ${String(err)}` });
    pending.clear();
    runner = undefined;
  });
  runner = { worker, wake: new Int32Array(flag), port: port1, pending };
  return runner;
}

function call<T>(message: { type: string; request?: Request }): T {
  const r = started();
  const id = ++nextId;
  Atomics.store(r.wake, 0, 0);
  r.worker.postMessage({ ...message, id, sync: true });
  const deadline = Date.now() + SYNC_LIMIT_MS;
  for (;;) {
    const got = receiveMessageOnPort(r.port);
    if (got?.message.id === id) return got.message.result;
    if (got) continue; // the answer to an earlier call that timed out
    const left = deadline - Date.now();
    if (left <= 0) {
      r.worker.postMessage({ type: 'killBusy', id: ++nextId });
      throw new Error(`pbxsync did not finish within ${SYNC_LIMIT_MS / 1000} s`);
    }
    Atomics.wait(r.wake, 0, 0, left);
    Atomics.store(r.wake, 0, 0);
  }
}

/** Starts the worker and a server now, so that the first run does not wait for them. */
export function warmUp(): void {
  if (process.env.PBXSYNC_TEST_SPAWN === '1') return;
  started().worker.postMessage({ type: 'warm' });
}

export function runSync(request: Request): CliResult | undefined {
  const answer = call<Answer>({ type: 'run', request });
  return 'spawn' in answer ? undefined : answer;
}

export function runAsync(request: Request): Promise<CliResult | undefined> {
  const r = started();
  const id = ++nextId;
  return new Promise((resolve) => {
    r.pending.set(id, (answer) => resolve('spawn' in answer ? undefined : answer));
    r.worker.postMessage({ type: 'run', id, request });
  });
}

/** After each test (test/support/setup.ts): a run still under way is killed, as a spawned CLI is. */
export function killBusyRuns(): void {
  if (runner) call({ type: 'killBusy' });
}

/** After a test file: the worker and its servers end (a server ends when its channel closes). */
export function stopRunner(): void {
  void runner?.worker.terminate();
  runner = undefined;
}

/** The environment of a run, as spawn would pass it: the variables set, each as a string. */
export function runEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = String(v);
  return out;
}
