/**
 * Kamailio's JSON-RPC 2.0 over HTTP: the jsonrpcs module behind xhttp, e.g.
 * `POST http://127.0.0.1:5071/RPC {"jsonrpc":"2.0","method":"domain.reload","id":1}`.
 *
 * jsonrpcs takes one request per HTTP request: a JSON-RPC batch (an array) is not run, yet
 * answered with an empty result, and a body that is not JSON gets no answer at all. So a
 * batch of commands goes as one request after the other on one kept-alive connection,
 * each bounded by the time limit; once the connection fails, the rest is not sent.
 */
import http from 'node:http';
import https from 'node:https';
import type { KamailioControl, RpcOutcome } from './control.js';
import { KamailioError, seconds } from './kamailio-error.js';
import { commandText, type RpcCommand } from './rpc-command.js';

/** Kamailio's answers to these commands are small; this bounds what a wrong server can make us buffer. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

interface HttpAnswer {
  readonly status: number;
  readonly statusText: string;
  readonly contentType: string;
  readonly body: string;
}

export class JsonRpcControl implements KamailioControl {
  readonly label: string;
  private readonly url: URL;

  constructor(
    url: string,
    private readonly timeoutMs: number,
  ) {
    this.url = parseUrl(url);
    this.label = `Kamailio's JSON-RPC at ${displayUrl(this.url)}`;
  }

  async runAll(commands: readonly RpcCommand[]): Promise<readonly RpcOutcome[]> {
    // One socket, kept alive: n commands cost one TCP connection, not n.
    const Agent = this.url.protocol === 'https:' ? https.Agent : http.Agent;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const outcomes: RpcOutcome[] = [];
    let broken: KamailioError | null = null;
    try {
      for (const [i, command] of commands.entries()) {
        if (broken) {
          outcomes.push({ command, ok: false, error: notSent(broken) });
          continue;
        }
        const outcome = await this.runOne(agent, command, i + 1);
        outcomes.push(outcome.outcome);
        if (outcome.connectionFailed && !outcome.outcome.ok) broken = outcome.outcome.error;
      }
    } finally {
      agent.destroy();
    }
    return outcomes;
  }

  private async runOne(agent: http.Agent, command: RpcCommand, id: number): Promise<{ outcome: RpcOutcome; connectionFailed: boolean }> {
    const request = { jsonrpc: '2.0', method: command.method, ...(command.params.length > 0 ? { params: command.params } : {}), id };
    let answer: HttpAnswer;
    try {
      answer = await this.post(agent, JSON.stringify(request));
    } catch (err) {
      return { outcome: { command, ok: false, error: this.connectionError(err) }, connectionFailed: true };
    }
    const read = this.readAnswer(command, id, answer);
    // An answer that is not JSON-RPC (a proxy's page, a 403 of the route) will not improve for the next command.
    return {
      outcome: read.ok ? { command, ok: true, result: read.result } : { command, ok: false, error: read.error },
      connectionFailed: read.ok ? false : !read.rpcFault,
    };
  }

  private post(agent: http.Agent, body: string): Promise<HttpAnswer> {
    const send = this.url.protocol === 'https:' ? https.request : http.request;
    return new Promise((resolve, reject) => {
      let settled = false;
      let failure: Error | null = null;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(err);
      };
      const req = send(this.url, {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), accept: 'application/json' },
      });
      // Ends the exchange with `err`, whichever of request or response is under way.
      const abort = (err: Error) => {
        failure ??= err;
        req.destroy(err);
        fail(err);
      };
      // The whole exchange, not only an idle socket: a server that trickles must not hold the apply.
      const timer = setTimeout(() => abort(Object.assign(new Error('timeout'), { code: 'PBXSYNC_TIMEOUT' })), this.timeoutMs);
      req.once('error', (err) => fail(failure ?? err));
      req.once('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) abort(Object.assign(new Error('answer too large'), { code: 'PBXSYNC_TOO_LARGE' }));
          else chunks.push(chunk);
        });
        res.once('error', (err) => fail(failure ?? err));
        // Closed before the end of the answer: the server went away half-way.
        res.once('close', () => fail(failure ?? Object.assign(new Error('closed'), { code: 'ECONNRESET' })));
        res.once('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 0,
            statusText: res.statusMessage ?? '',
            contentType: String(res.headers['content-type'] ?? ''),
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
      });
      req.end(body);
    });
  }

  private readAnswer(
    command: RpcCommand,
    id: number,
    answer: HttpAnswer,
  ): { ok: true; result: unknown } | { ok: false; error: KamailioError; rpcFault: boolean } {
    const text = commandText(command);
    const doc = parseJson(answer.body);
    if (isRecord(doc) && doc.jsonrpc === '2.0' && (doc.id === id || doc.id === String(id))) {
      if (isRecord(doc.error)) {
        const code = typeof doc.error.code === 'number' ? ` ${doc.error.code}` : '';
        const message = typeof doc.error.message === 'string' ? doc.error.message : JSON.stringify(doc.error);
        return { ok: false, rpcFault: true, error: new KamailioError(`${this.label} answered ${text} with error${code}: ${message}`, faultHint(command)) };
      }
      if ('result' in doc) return { ok: true, result: doc.result };
    }
    if (answer.status < 200 || answer.status > 299) {
      return {
        ok: false,
        rpcFault: false,
        error: new KamailioError(
          `${this.label} answered HTTP ${answer.status}${answer.statusText ? ` ${answer.statusText}` : ''}`,
          'check kamailio.jsonrpc_url (path /RPC) and that event_route[xhttp:request] hands it to jsonrpc_dispatch(), as in examples/kamailio/kamailio.cfg',
        ),
      };
    }
    return {
      ok: false,
      rpcFault: false,
      error: new KamailioError(
        `${this.label} did not answer ${text} in JSON-RPC 2.0 (HTTP ${answer.status}${answer.contentType ? `, ${answer.contentType}` : ''})`,
        "check that kamailio.jsonrpc_url is Kamailio's jsonrpcs, not another server",
      ),
    };
  }

  private connectionError(err: unknown): KamailioError {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    const hint = 'is Kamailio running, with xhttp and jsonrpcs on that address (RPCLISTEN in examples/kamailio/kamailio.cfg)?';
    switch (code) {
      case 'PBXSYNC_TIMEOUT':
        return new KamailioError(`no answer from ${this.label} within ${seconds(this.timeoutMs)}`, `${hint} A longer time limit: kamailio.timeout_seconds`);
      case 'PBXSYNC_TOO_LARGE':
        return new KamailioError(`${this.label} sent more than ${MAX_ANSWER_BYTES} bytes`, "check that kamailio.jsonrpc_url is Kamailio's jsonrpcs");
      case 'ECONNREFUSED':
        return new KamailioError(`cannot connect to ${this.label} (connection refused)`, hint);
      case 'ENOTFOUND':
      case 'EAI_AGAIN':
        return new KamailioError(`cannot connect to ${this.label} (host not found)`, 'check the host name of kamailio.jsonrpc_url');
      case 'ECONNRESET':
      case 'EPIPE':
        return new KamailioError(`${this.label} closed the connection before answering`, hint);
      default:
        return new KamailioError(`cannot reach ${this.label} (${code || (err as Error).message})`, hint);
    }
  }
}

function notSent(cause: KamailioError): KamailioError {
  return new KamailioError(`not sent: ${cause.message}`, cause.hint);
}

function faultHint(command: RpcCommand): string {
  if (command.method === 'ul.rm')
    return 'usrloc must be loaded with use_domain = 1 and registrations saved to the table "location", as in examples/kamailio/kamailio.cfg';
  if (command.method === 'domain.reload') return 'the domain module must be loaded with a db_url, as in examples/kamailio/kamailio.cfg';
  return "see Kamailio's log";
}

function parseUrl(url: string): URL {
  try {
    const parsed = new URL(url);
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return parsed;
  } catch {
    // reported below
  }
  throw new KamailioError(`kamailio.jsonrpc_url is not an http(s) URL: ${url}`, 'e.g. http://127.0.0.1:5071/RPC');
}

/** The URL without user and password (never in a message), query or fragment. */
function displayUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
