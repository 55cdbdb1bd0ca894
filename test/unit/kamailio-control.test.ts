/**
 * The Kamailio control clients against stand-ins: an HTTP server that answers like jsonrpcs
 * (or refuses, hangs, answers 403 or HTML), and shell scripts that print what kamcmd prints.
 * The real Kamailio and kamcmd are in test/kamailio/notify.test.ts.
 */
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { call, openKamailioControl, type RpcOutcome } from '../../src/kamailio/control.js';
import { handCommand } from '../../src/kamailio/hand-command.js';
import { kamcmdArgument } from '../../src/kamailio/kamcmd-argument.js';
import { readTranscript } from '../../src/kamailio/kamcmd-transcript.js';
import { domainReload, removeRegistrations, type RpcCommand } from '../../src/kamailio/rpc-command.js';
import { tempDir } from '../support/tmp.js';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

interface Seen {
  readonly bodies: unknown[];
  connections: number;
}

/** A loopback HTTP server; `answer` gets each parsed body. */
async function fakeJsonRpc(answer: (body: Record<string, unknown>, res: ServerResponse, req: IncomingMessage) => void): Promise<{ url: string; seen: Seen }> {
  const seen: Seen = { bodies: [], connections: 0 };
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8').on('data', (c: string) => (text += c));
    req.on('end', () => {
      const body = JSON.parse(text) as Record<string, unknown>;
      seen.bodies.push(body);
      answer(body, res, req);
    });
  });
  server.on('connection', (_s: Socket) => seen.connections++);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/RPC`, seen };
}

function jsonrpcAnswer(res: ServerResponse, doc: unknown, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
}

const failures = (outcomes: readonly RpcOutcome[]) => outcomes.map((o) => (o.ok ? 'ok' : o.error.message));
const batch: RpcCommand[] = [domainReload(), removeRegistrations('a@acme.com'), removeRegistrations('b@acme.com')];

describe('JSON-RPC over HTTP', () => {
  it('sends each command as one JSON-RPC 2.0 request, in order, over a single connection', async () => {
    const { url, seen } = await fakeJsonRpc((body, res) => jsonrpcAnswer(res, { jsonrpc: '2.0', result: {}, id: body.id }));
    const control = openKamailioControl({ jsonrpcUrl: url, kamcmd: 'kamcmd', timeoutMs: 2000 });
    expect(failures(await control.runAll(batch))).toEqual(['ok', 'ok', 'ok']);
    expect(seen.bodies).toEqual([
      { jsonrpc: '2.0', method: 'domain.reload', id: 1 },
      { jsonrpc: '2.0', method: 'ul.rm', params: ['location', 'a@acme.com'], id: 2 },
      { jsonrpc: '2.0', method: 'ul.rm', params: ['location', 'b@acme.com'], id: 3 },
    ]);
    expect(seen.connections).toBe(1);
  });

  it("reports an RPC error answer as that command's failure and goes on with the next", async () => {
    const { url } = await fakeJsonRpc((body, res) =>
      body.id === 2
        ? jsonrpcAnswer(res, { jsonrpc: '2.0', error: { code: 500, message: 'Domain table not found' }, id: 2 }, 500)
        : jsonrpcAnswer(res, { jsonrpc: '2.0', result: {}, id: body.id }),
    );
    const outcomes = await openKamailioControl({ jsonrpcUrl: url, kamcmd: 'kamcmd', timeoutMs: 2000 }).runAll(batch);
    expect(failures(outcomes)).toEqual(['ok', `Kamailio's JSON-RPC at ${url} answered ul.rm location a@acme.com with error 500: Domain table not found`, 'ok']);
  });

  it('says the connection was refused, and sends nothing more', async () => {
    const { url } = await fakeJsonRpc(() => undefined);
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const outcomes = await openKamailioControl({ jsonrpcUrl: url, kamcmd: 'kamcmd', timeoutMs: 2000 }).runAll(batch);
    const refused = `cannot connect to Kamailio's JSON-RPC at ${url} (connection refused)`;
    expect(failures(outcomes)).toEqual([refused, `not sent: ${refused}`, `not sent: ${refused}`]);
    expect(outcomes[0]).toMatchObject({ ok: false, error: { name: 'KamailioError', hint: expect.stringMatching(/is Kamailio running/) } });
  });

  it('gives up on a command after the time limit, and does not wait that long for each of the others', async () => {
    const { url, seen } = await fakeJsonRpc(() => undefined); // never answers, like jsonrpcs given a body it cannot parse
    const started = Date.now();
    const outcomes = await openKamailioControl({ jsonrpcUrl: url, kamcmd: 'kamcmd', timeoutMs: 300 }).runAll(batch);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(failures(outcomes)).toEqual([
      `no answer from Kamailio's JSON-RPC at ${url} within 0.3s`,
      expect.stringMatching(/^not sent: no answer/),
      expect.stringMatching(/^not sent: no answer/),
    ]);
    expect(seen.bodies).toHaveLength(1);
  });

  it('bounds an answer that starts but never ends, and reports one cut off half-way', async () => {
    const trickle = await fakeJsonRpc((_b, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' }).write('{"jsonrpc":'));
    const [slow] = await openKamailioControl({ jsonrpcUrl: trickle.url, kamcmd: 'kamcmd', timeoutMs: 300 }).runAll([domainReload()]);
    expect(slow).toMatchObject({ ok: false, error: { message: `no answer from Kamailio's JSON-RPC at ${trickle.url} within 0.3s` } });
    const cut = await fakeJsonRpc((_b, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' }).write('{"jsonrpc":');
      setImmediate(() => res.socket?.destroy());
    });
    const [halfway] = await openKamailioControl({ jsonrpcUrl: cut.url, kamcmd: 'kamcmd', timeoutMs: 2000 }).runAll([domainReload()]);
    expect(halfway).toMatchObject({ ok: false, error: { message: `Kamailio's JSON-RPC at ${cut.url} closed the connection before answering` } });
  });

  it('reports an HTTP error or an answer that is not JSON-RPC in one line', async () => {
    const forbidden = await fakeJsonRpc((_b, res) => res.writeHead(403, 'Forbidden', { 'content-type': 'text/plain' }).end('Only POST /RPC\n'));
    expect(failures(await openKamailioControl({ jsonrpcUrl: forbidden.url, kamcmd: 'kamcmd', timeoutMs: 2000 }).runAll([domainReload()]))).toEqual([
      `Kamailio's JSON-RPC at ${forbidden.url} answered HTTP 403 Forbidden`,
    ]);
    const html = await fakeJsonRpc((_b, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>hello</html>'));
    expect(failures(await openKamailioControl({ jsonrpcUrl: html.url, kamcmd: 'kamcmd', timeoutMs: 2000 }).runAll([domainReload()]))).toEqual([
      `Kamailio's JSON-RPC at ${html.url} did not answer domain.reload in JSON-RPC 2.0 (HTTP 200, text/html)`,
    ]);
    // An answer to another request (a JSON-RPC batch answer without id) is not taken for this one.
    const noId = await fakeJsonRpc((_b, res) => jsonrpcAnswer(res, { jsonrpc: '2.0', result: {} }));
    expect(failures(await openKamailioControl({ jsonrpcUrl: noId.url, kamcmd: 'kamcmd', timeoutMs: 2000 }).runAll([domainReload()]))[0]).toMatch(
      /did not answer domain\.reload in JSON-RPC 2\.0/,
    );
  });

  it('never shows a password of the URL', async () => {
    const { url } = await fakeJsonRpc(() => undefined);
    await new Promise((resolve) => servers.pop()!.close(resolve));
    const withPassword = url.replace('http://', 'http://admin:s3cret@');
    const [outcome] = await openKamailioControl({ jsonrpcUrl: withPassword, kamcmd: 'kamcmd', timeoutMs: 2000 }).runAll([domainReload()]);
    expect(JSON.stringify(outcome)).not.toContain('s3cret');
    await expect(call(openKamailioControl({ jsonrpcUrl: withPassword, kamcmd: 'kamcmd', timeoutMs: 2000 }), domainReload())).rejects.toThrow(
      /connection refused/,
    );
  });
});

/** A stand-in for kamcmd: a shell script. */
function fakeKamcmd(script: string): string {
  const path = join(tempDir('kamcmd-'), 'kamcmd');
  writeFileSync(path, `#!/bin/sh\n${script}\n`);
  chmodSync(path, 0o755);
  return path;
}

/** What the real kamcmd 5.6 prints in interactive mode (readline echoes each line). */
const ECHOING = String.raw`printf 'kamcmd 1.5\nCopyright 2006 iptelorg GmbH\n'
while IFS= read -r line; do
  printf 'kamcmd> %s\n' "$line"
  case "$line" in *nodomain*) printf 'error: 500 - Domain missing in AOR\n' ;; esac
done
printf 'kamcmd> '`;

describe('kamcmd on the ctl socket', () => {
  it('sends every command through one kamcmd process and reads each answer', async () => {
    const log = join(tempDir('log-'), 'stdin');
    const kamcmd = fakeKamcmd(`echo "$@" > ${log}.args\ntee ${log} | sh -c '${ECHOING.replaceAll("'", `'\\''`)}'`);
    const control = openKamailioControl({ ctlSocket: 'unix:/run/k.sock', kamcmd, timeoutMs: 2000 });
    const outcomes = await control.runAll([domainReload(), removeRegistrations('nodomain'), removeRegistrations('b@acme.com')]);
    expect(failures(outcomes)).toEqual(['ok', `${kamcmd} -s unix:/run/k.sock answered ul.rm location nodomain with error 500: Domain missing in AOR`, 'ok']);
    expect(readFileSync(`${log}.args`, 'utf8')).toBe('-s unix:/run/k.sock\n');
    expect(readFileSync(log, 'utf8')).toBe('domain.reload\nul.rm location nodomain\nul.rm location b@acme.com\n');
  });

  it('takes nothing for done when kamcmd cannot connect (exit 255, the reason on stderr)', async () => {
    const kamcmd = fakeKamcmd(`echo 'ERROR: connect_unix_sock: connect(/run/k.sock): No such file or directory [2]' >&2\nexit 255`);
    const outcomes = await openKamailioControl({ ctlSocket: 'unix:/run/k.sock', kamcmd, timeoutMs: 2000 }).runAll(batch);
    expect(new Set(failures(outcomes))).toEqual(
      new Set([`${kamcmd} -s unix:/run/k.sock failed (exit 255): ERROR: connect_unix_sock: connect(/run/k.sock): No such file or directory [2]`]),
    );
  });

  it('takes nothing for done when the connection breaks half-way (kamcmd says so on stderr only, and exits 0)', async () => {
    const kamcmd = fakeKamcmd(
      `cat >/dev/null\nprintf 'kamcmd 1.5\\nkamcmd> domain.reload\\nkamcmd> ul.rm location a@acme.com\\nkamcmd> ul.rm location b@acme.com\\nkamcmd> '\necho 'ERROR: send packet failed: Broken pipe (32)' >&2`,
    );
    const outcomes = await openKamailioControl({ ctlSocket: 'unix:/run/k.sock', kamcmd, timeoutMs: 2000 }).runAll(batch);
    expect(outcomes.every((o) => !o.ok)).toBe(true);
    expect(failures(outcomes)[0]).toBe(`not sure it went through: ${kamcmd} -s unix:/run/k.sock reported: ERROR: send packet failed: Broken pipe (32)`);
  });

  it('gives up after the time limit without an answer', async () => {
    const kamcmd = fakeKamcmd('printf "kamcmd 1.5\\nkamcmd> "\nexec sleep 30');
    const started = Date.now();
    const outcomes = await openKamailioControl({ ctlSocket: 'unix:/run/k.sock', kamcmd, timeoutMs: 300 }).runAll(batch);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(new Set(failures(outcomes))).toEqual(new Set([`no answer from ${kamcmd} -s unix:/run/k.sock within 0.3s`]));
  });

  it('says when kamcmd is not there', async () => {
    const missing = join(tempDir('none-'), 'kamcmd');
    const [outcome] = await openKamailioControl({ ctlSocket: 'unix:/run/k.sock', kamcmd: missing, timeoutMs: 2000 }).runAll([domainReload()]);
    expect(outcome).toMatchObject({ ok: false, error: { message: `kamcmd not found: ${missing}`, hint: expect.stringMatching(/kamailio\.kamcmd/) } });
  });

  it('does not pass an argument with white space through the interactive mode', async () => {
    const kamcmd = fakeKamcmd(ECHOING);
    const outcomes = await openKamailioControl({ ctlSocket: 'unix:/run/k.sock', kamcmd, timeoutMs: 2000 }).runAll([
      removeRegistrations('a b@acme.com'),
      removeRegistrations('c@acme.com'),
    ]);
    expect(failures(outcomes)).toEqual(['ul.rm location a b@acme.com cannot be passed to kamcmd (white space or a control character)', 'ok']);
  });
});

describe('kamcmd transcript, arguments and hand commands', () => {
  it("reads answers with and without readline's echo, and knows an unfinished one", () => {
    const lines = ['ul.rm location a@x', 'ul.lookup location b@x', 'core.version'];
    const echoed =
      'kamcmd 1.5\nkamcmd> ul.rm location a@x\nkamcmd> ul.lookup location b@x\nerror: 500 - AOR not found in location table\nkamcmd> core.version\nkamailio 5.6.3\nkamcmd> ';
    expect(readTranscript(echoed, lines, true)).toEqual([
      { kind: 'done', output: '' },
      { kind: 'fault', code: 500, message: 'AOR not found in location table' },
      { kind: 'done', output: 'kamailio 5.6.3' },
    ]);
    const plain = 'kamcmd 1.5\nkamcmd> kamcmd> error: 500 - AOR not found in location table\nkamcmd> kamailio 5.6.3\nkamcmd> ';
    expect(readTranscript(plain, lines, true)).toEqual(readTranscript(echoed, lines, true));
    expect(readTranscript('kamcmd 1.5\nkamcmd> ul.rm location a@x\nkamcmd> ul.lookup', lines, false).map((a) => a.kind)).toEqual([
      'done',
      'missing',
      'missing',
    ]);
  });

  it('forces strings where kamcmd would read a number', () => {
    expect(['location', 'alice@acme.com', '1001', '-1', '.5', '1e3', 'inf', 'NaN', '', 's:x', 'nobody'].map(kamcmdArgument)).toEqual([
      'location',
      'alice@acme.com',
      's:1001',
      's:-1',
      's:.5',
      's:1e3',
      's:inf',
      's:NaN',
      's:',
      's:s:x',
      'nobody',
    ]);
  });

  it('writes the hand command so that a shell reads it back exactly', () => {
    expect(handCommand(removeRegistrations('alice@acme.com'))).toBe('kamcmd ul.rm location alice@acme.com');
    expect(handCommand(domainReload(), { kamcmd: '/opt/kamailio/bin/kamcmd', ctlSocket: 'unix:/run/kamailio/kamailio_ctl' })).toBe(
      '/opt/kamailio/bin/kamcmd -s unix:/run/kamailio/kamailio_ctl domain.reload',
    );
    expect(handCommand(removeRegistrations("o'brien@acme.com"), { ctlSocket: 'unix:/tmp/my dir/ctl' })).toBe(
      `kamcmd -s 'unix:/tmp/my dir/ctl' ul.rm location 'o'\\''brien@acme.com'`,
    );
  });
});
