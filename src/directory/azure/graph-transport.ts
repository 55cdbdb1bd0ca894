/**
 * The last link of the Graph client's middleware chain, in place of its HTTPMessageHandler and
 * RetryHandler: sends the request with the CA-aware fetch, retrying throttling and transient
 * faults with our own policy (one budget for the whole read, `Retry-After` as seconds,
 * fractions or HTTP-date, which the SDK's RetryHandler does not all read). It also refuses to
 * send the bearer token anywhere but the configured Graph origin, e.g. to a foreign nextLink,
 * and it refuses answers that are not JSON (a proxy's or a wrong host's web page), which the
 * SDK would hand on as text or as an error without a code.
 */
import type { Context, Middleware } from '@microsoft/microsoft-graph-client';
import { Response as UndiciResponse } from 'undici';
import { UserError } from '../../errors.js';
import type { HttpFetch } from './https-agent.js';
import { isSameService } from './same-service.js';
import { sendWithRetry, type RetryContext } from './http-retry.js';

export class GraphTransport implements Middleware {
  /** Every request sent, retries included (for progress and tests). */
  sent = 0;
  /**
   * What really went wrong in the last request, kept because the SDK turns every thrown error
   * into a GraphError without its cause. Also set by the token provider (see `GraphApi`).
   */
  lastFailure: unknown;

  constructor(
    private readonly origin: string,
    private readonly fetch: HttpFetch,
    private readonly retry: RetryContext,
  ) {}

  async execute(context: Context): Promise<void> {
    // Context.request is typed with the DOM's RequestInfo, which this Node project does not load.
    const request = context.request as string | { readonly url: string };
    const url = typeof request === 'string' ? request : request.url;
    if (!isSameService(url, this.origin)) throw new Error(`refusing to send the Graph token to ${new URL(url).origin} (expected ${this.origin})`);
    const options = context.options ?? {};
    const init = { method: options.method ?? 'GET', headers: options.headers as Record<string, string> };
    try {
      const res = await sendWithRetry(async () => {
        this.sent++;
        return buffered(await this.fetch(url, init));
      }, this.retry);
      if (!isJsonAnswer(res)) throw notJson(res);
      context.response = res;
    } catch (err) {
      this.lastFailure = err;
      throw err;
    }
  }
}

/**
 * The whole body is read inside the retry loop: a connection dropped halfway through a page
 * is then retried like one dropped before the answer, instead of failing in the SDK.
 */
async function buffered(res: UndiciResponse): Promise<UndiciResponse> {
  const body = await res.arrayBuffer();
  return new UndiciResponse(res.status === 204 || res.status === 304 ? null : body, { status: res.status, statusText: res.statusText, headers: res.headers });
}

/** Graph answers everything, errors included, as JSON; 204/304 have no body at all. */
function isJsonAnswer(res: UndiciResponse): boolean {
  if (res.status === 204 || res.status === 304) return true;
  return /[/+]json\b/i.test(res.headers.get('content-type') ?? '');
}

/** Names no path or query: they may hold group names or ids from the tenant file. */
function notJson(res: UndiciResponse): UserError {
  const type = res.headers.get('content-type')?.split(';')[0]?.trim() || 'no content type';
  return new UserError(
    `the host in source.graph_endpoint answered a Graph request with HTTP ${res.status} ${type} instead of JSON`,
    res.status >= 500
      ? 'retry later; if it persists, check the proxy or gateway between pbxsync and Graph'
      : "check source.graph_endpoint (https://graph.microsoft.com, or the national cloud's Graph host); a proxy or captive portal may be answering in its place",
  );
}
