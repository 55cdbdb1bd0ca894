/**
 * A real SMTP server on loopback for the welcome e-mail tests: Debian's python3-aiosmtpd
 * (test/support/smtp-server.py) with STARTTLS required (a throw-away certificate) and AUTH
 * required. Ready once its port answers with a 220 greeting (bounded); stopped by `stop()`
 * (in afterAll), or killed when the test process exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { selfSignedCertificate } from '../graph-emulator/tls-cert.js';
import { tempDir } from './tmp.js';

/** Debian's interpreter: python3-aiosmtpd installs for it (a pyenv python3 on PATH would not see it). */
const DEBIAN_PYTHON = '/usr/bin/python3';

interface ReceivedMail {
  readonly envelope_to: string[];
  readonly to: string;
  readonly from: string;
  readonly subject: string;
  readonly text: string;
  readonly attachments: { filename: string; type: string; base64: string }[];
}

export interface SmtpServer {
  readonly port: number;
  readonly caFile: string;
  readonly user: string;
  readonly password: string;
  /** Every mail received so far, in order. */
  received(): ReceivedMail[];
  stop(): Promise<void>;
}

export async function startSmtpServer(options: { reject?: readonly string[]; noStarttls?: boolean } = {}): Promise<SmtpServer> {
  const dir = tempDir('smtp-');
  const tls = selfSignedCertificate('pbxsync test smtp');
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  writeFileSync(cert, tls.cert);
  writeFileSync(key, tls.key, { mode: 0o600 });
  const inbox = join(dir, 'inbox');
  mkdirSync(inbox);
  const port = await freePort();
  const user = 'pbxsync-mailer';
  const password = 'smtp-Pa55-word-for-the-test';
  const script = join(import.meta.dirname, 'smtp-server.py');
  const args = [
    script,
    String(port),
    cert,
    key,
    inbox,
    user,
    password,
    ...(options.reject ?? []).flatMap((a) => ['--reject', a]),
    ...(options.noStarttls ? ['--no-starttls'] : []),
  ];
  // Shared by a file's tests (started in beforeAll, stopped in afterAll), so not `track`ed:
  // that stops children after each test. If the test process dies first, it goes with it.
  const child = spawn(DEBIAN_PYTHON, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    await waitForGreeting(port, child, () => stderr);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    port,
    caFile: cert,
    user,
    password,
    received: () =>
      readdirSync(inbox)
        .filter((n) => n.endsWith('.json'))
        .sort()
        .map((n) => JSON.parse(readFileSync(join(inbox, n), 'utf8')) as ReceivedMail),
    stop: () => stopChild(child),
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Connects until the server greets with 220, for at most 10 s; fails at once if it exits. */
async function waitForGreeting(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the SMTP server exited (${child.exitCode}): ${stderr()}`);
    if (await greets(port)) return;
    if (Date.now() > deadline) throw new Error(`the SMTP server did not answer on 127.0.0.1:${port} within 10 s: ${stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (d: Buffer) => done(d.toString().startsWith('220')));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
