/**
 * A local HTTPS emulator of Entra ID's authority and of Microsoft Graph, behaving like the
 * real services where pbxsync depends on it: bearer tokens checked on every Graph call,
 * consent, paging, advanced-query headers, delta, Graph's error body, and injected faults.
 * Both services share one origin (`url`); authority paths start with the tenant, Graph paths
 * with `/v1.0`. Every request is logged so that tests can count them.
 */
import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { AuthEndpoints } from './auth-endpoints.js';
import { EmulatedDirectory } from './directory-model.js';
import { FaultInjector, retryAfterHeader, sendFault } from './faults.js';
import { GraphEndpoints, type GraphOptions } from './graph-endpoints.js';
import { sendAadError, sendGraphError, sendJson } from './http-util.js';
import { ODataError } from './odata.js';
import { selfSignedCertificate, type TlsMaterial } from './tls-cert.js';

export interface LoggedRequest {
  readonly service: 'graph' | 'auth';
  readonly method: string;
  readonly path: string;
  readonly query: string;
  /** 0 for a dropped connection. */
  status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface EmulatorOptions extends GraphOptions {
  /**
   * Milliseconds every Graph answer (faults included) waits before it is sent, as the network
   * and Graph's own work would take; authority requests (tokens, discovery) are not delayed.
   * Requests wait side by side, so concurrent ones are not serialised. Default 0.
   */
  latencyMs: number;
}

export class GraphEmulator {
  readonly directory: EmulatedDirectory;
  readonly faults = new FaultInjector();
  readonly log: LoggedRequest[] = [];
  readonly auth: AuthEndpoints;
  readonly graph: GraphEndpoints;
  private server: Server | undefined;
  private port = 0;
  /** Origin written into Graph's nextLinks and deltaLinks (default: `url`). */
  linkOrigin: string | undefined;
  /** See `EmulatorOptions.latencyMs`; may be changed between requests. */
  latencyMs = 0;
  /** Ends the latency waits still running when the emulator stops. */
  private readonly stopping = new AbortController();

  private constructor(
    readonly tls: TlsMaterial,
    tenantId: string,
    options: Partial<GraphOptions>,
  ) {
    this.directory = new EmulatedDirectory(tenantId);
    this.auth = new AuthEndpoints(this.directory, () => this.url);
    this.graph = new GraphEndpoints(this.directory, () => this.linkOrigin ?? this.url, {
      defaultPageSize: 100,
      maxPageSize: 999,
      deltaPageSize: 100,
      expiredDeltaCode: 'syncStateNotFound',
      ...options,
    });
  }

  static async start(tenantId: string, options: Partial<EmulatorOptions> = {}): Promise<GraphEmulator> {
    const { latencyMs = 0, ...graph } = options;
    const emulator = new GraphEmulator(selfSignedCertificate(), tenantId, graph);
    emulator.latencyMs = latencyMs;
    await emulator.listen();
    return emulator;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  get portNumber(): number {
    return this.port;
  }

  /** PEM of the emulator's certificate, for `source.ca_file`. */
  get caFile(): string {
    return this.tls.caFile;
  }

  /** Graph requests received (faulted ones included); token requests are not counted. */
  graphRequests(): LoggedRequest[] {
    return this.log.filter((r) => r.service === 'graph');
  }

  /**
   * Every delta token issued so far is refused from now on: 410 with `expiredDeltaCode`, or,
   * given `answer`, that status and code (Graph has refused stale links with 400 and 404 too).
   */
  expireDeltaTokens(answer?: GraphOptions['staleDeltaAnswer']): void {
    // A version of its own, so that the links issued after this are valid again.
    this.directory.oldestValidDelta = ++this.directory.version;
    if (answer) this.graph.options.staleDeltaAnswer = answer;
    else delete this.graph.options.staleDeltaAnswer;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.stopping.abort();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(this.tls.dir, { recursive: true, force: true });
  }

  private async listen(): Promise<void> {
    const server = createServer({ key: this.tls.key, cert: this.tls.cert }, (req, res) => {
      this.route(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: { code: 'InternalServerError', message: String(err) } });
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const service = url.pathname.startsWith('/v1.0/') ? 'graph' : 'auth';
    const entry: LoggedRequest = { service, method: req.method ?? 'GET', path: url.pathname, query: url.search, status: 0, headers: req.headers };
    this.log.push(entry);
    res.on('finish', () => (entry.status = res.statusCode));
    if (service === 'graph' && this.latencyMs > 0) {
      const waited = await sleep(this.latencyMs, true, { signal: this.stopping.signal }).catch(() => false);
      // The emulator stopped or the client gave up meanwhile: nobody to answer.
      if (!waited || req.socket.destroyed) return;
    }
    const fault = this.faults.next(service, url.pathname);
    if (fault?.kind === 'drop') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'truncate') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '4096' });
      res.write('{"@odata.context":"truncated","value":[{"id":"');
      setTimeout(() => req.socket.destroy(), 5);
      return;
    }
    if (fault?.kind === 'error' || fault?.kind === 'html') return sendFault(req, res, service, fault);
    if (fault) {
      const status = fault.kind === 'throttle' ? 429 : fault.kind === 'unavailable' ? 503 : 504;
      const headers = fault.kind === 'gateway-timeout' ? {} : retryAfterHeader(fault);
      if (service === 'auth') return sendAadError(res, status, 'temporarily_unavailable', 50196, 'The server is temporarily unavailable.', headers);
      const code = status === 429 ? 'TooManyRequests' : status === 503 ? 'serviceNotAvailable' : 'GatewayTimeout';
      return sendGraphError(req, res, status, code, status === 429 ? 'Too many requests.' : 'The service is temporarily unavailable.', headers);
    }
    if (service === 'auth') {
      if (!(await this.auth.handle(req, res, url.pathname))) sendJson(res, 404, { error: 'not_found' });
      return;
    }
    this.graphRequest(req, res, url);
  }

  private graphRequest(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const auth = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''));
    const token = auth ? this.auth.tokens.get(auth[1]!) : undefined;
    if (!token || token.expiresAt < Date.now()) {
      const message = auth ? 'Lifetime validation failed, the token is expired.' : 'Access token is empty.';
      return sendGraphError(req, res, 401, 'InvalidAuthenticationToken', message, { 'www-authenticate': 'Bearer realm=""' });
    }
    if (!token.authorized) return sendGraphError(req, res, 403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.');
    if (req.method !== 'GET') return sendGraphError(req, res, 405, 'Request_BadRequest', 'Only GET is emulated.');
    try {
      sendJson(res, 200, this.graph.get(req, url.pathname.slice('/v1.0'.length), url.searchParams));
    } catch (err) {
      if (!(err instanceof ODataError)) throw err;
      sendGraphError(req, res, err.status, err.code, err.message);
    }
  }
}
