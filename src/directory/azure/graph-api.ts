/**
 * Microsoft Graph through @microsoft/microsoft-graph-client, with our own middleware chain:
 * the SDK's AuthenticationHandler (fed by msal) and `GraphTransport` (CA-aware fetch + retry).
 * Errors come out as one-line `UserError`s where the operator can act (consent, permissions,
 * unreachable host), or as `GraphHttpError` for the callers that handle a status themselves
 * (404 for an unknown group; 400, 404 or 410 for a delta link Graph refuses).
 */
import { AuthenticationHandler, Client, GraphError, type AuthenticationProvider } from '@microsoft/microsoft-graph-client';
import { UserError } from '../../errors.js';
import { isJsonObject } from '../graph-mapping.js';
import { consentHint } from './consent.js';
import { GraphTransport } from './graph-transport.js';
import { isSameService, serviceHostNames } from './same-service.js';
import type { HttpFetch } from './https-agent.js';
import type { RetryContext } from './http-retry.js';
import { unreachableError } from './network-errors.js';
import type { AzureSourceConfig, TokenSource } from './token-source.js';

export type GraphPage = Record<string, unknown>;

/**
 * A Graph error answer without a more specific meaning. A `UserError`: the message says what
 * Graph answered, and a stack trace would not help the operator.
 */
export class GraphHttpError extends UserError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message, 'retry later; if it persists, check source.graph_endpoint and the Graph service health');
    this.name = 'GraphHttpError';
  }
}

export class GraphApi {
  readonly transport: GraphTransport;
  private readonly client: Client;
  private readonly origin: string;

  constructor(
    private readonly source: AzureSourceConfig,
    tokens: TokenSource,
    fetch: HttpFetch,
    retry: RetryContext,
  ) {
    const url = new URL(source.graphEndpoint);
    this.origin = url.origin;
    this.transport = new GraphTransport(this.origin, fetch, retry);
    const authProvider: AuthenticationProvider = {
      getAccessToken: () =>
        tokens.token().catch((err: unknown) => {
          this.transport.lastFailure = err;
          throw err;
        }),
    };
    this.client = Client.initWithMiddleware({
      baseUrl: this.origin,
      defaultVersion: 'v1.0',
      customHosts: new Set(serviceHostNames(this.origin)), // so that AuthenticationHandler sends the token to a non-Microsoft host (the SDK compares host names without port)
      middleware: [new AuthenticationHandler(authProvider), this.transport],
    });
  }

  /** GET a path (`/users?...`, relative to v1.0) or an absolute nextLink/deltaLink. */
  async get(pathOrUrl: string, headers: Readonly<Record<string, string>> = {}): Promise<GraphPage> {
    if (/^https?:/i.test(pathOrUrl) && !isSameService(pathOrUrl, this.origin)) {
      // Following it would hand the bearer token to another host.
      throw new UserError(
        `Graph sent a paging link to ${new URL(pathOrUrl).origin}, outside ${this.origin}; refusing to follow it`,
        'source.graph_endpoint must be the host Graph itself names in its links',
      );
    }
    this.transport.lastFailure = undefined;
    try {
      const body: unknown = await this.client
        .api(pathOrUrl)
        .headers({ ...headers })
        .get();
      if (!isJsonObject(body)) throw notGraph('JSON that is not an object');
      return body;
    } catch (err) {
      throw this.mapError(err, pathOrUrl);
    }
  }

  /**
   * Every page of a collection, following `@odata.nextLink` to the end; `headers` (e.g.
   * `ConsistencyLevel: eventual`) go with every page. Returns the last page too, which carries
   * the `@odata.deltaLink` of a delta query.
   */
  async *pages(first: string, headers: Readonly<Record<string, string>> = {}): AsyncGenerator<GraphPage> {
    let next: string | undefined = first;
    while (next !== undefined) {
      const page: GraphPage = await this.get(next, headers);
      if (!Array.isArray(page.value)) throw notGraph('JSON without the "value" array of a Graph collection');
      yield page;
      const link = page['@odata.nextLink'];
      next = typeof link === 'string' ? link : undefined;
    }
  }

  private mapError(err: unknown, what: string): Error {
    const failure = this.transport.lastFailure;
    if (failure instanceof UserError) return failure;
    if (failure !== undefined) return unreachableError(failure, 'Microsoft Graph', this.origin, this.source.requestTimeoutMs) ?? asError(failure);
    if (err instanceof UserError || !(err instanceof GraphError)) return asError(err);
    // The SDK names a body it could not parse by the parser's error.
    if (err.code === 'SyntaxError') return notGraph(`HTTP ${err.statusCode} and a body that does not parse as JSON`);
    const code = err.code ?? '';
    const app = `app ${this.source.labels.clientId} in tenant ${this.source.labels.tenantId}`;
    if (err.statusCode === 403) {
      return new UserError(
        `Microsoft Graph denied ${app} access to ${pathOf(what)} (${code || 403})`,
        `grant the application permissions User.Read.All, GroupMember.Read.All and Domain.Read.All with admin consent: ${consentHint(this.source)}`,
      );
    }
    if (err.statusCode === 401) {
      return new UserError(
        `Microsoft Graph refused the access token of ${app} (${code || 401}): ${err.message}`,
        `check source.graph_endpoint and source.tenant_id; admin consent: ${consentHint(this.source)}`,
      );
    }
    return new GraphHttpError(err.statusCode, code, `Graph GET ${pathOf(what)} failed: ${err.statusCode} ${code}: ${err.message}`);
  }
}

/**
 * JSON that Graph would not send: most likely another JSON service at source.graph_endpoint.
 * Names no path: it may hold group names or ids from the tenant file.
 */
function notGraph(what: string): UserError {
  return new UserError(
    `the host in source.graph_endpoint answered a Graph request with ${what}`,
    "check source.graph_endpoint (https://graph.microsoft.com, or the national cloud's Graph host)",
  );
}

function pathOf(url: string): string {
  return /^https?:/i.test(url) ? new URL(url).pathname : (url.split('?')[0] ?? url);
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
