/**
 * msal-node's network client, replaced so that msal talks only to the configured authority
 * host, over the same CA set and retry loop as the Graph client. msal expects JSON bodies
 * and lower-case header names.
 */
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { UserError } from '../../errors.js';
import type { HttpFetch } from './https-agent.js';
import { sendWithRetry, type RetryContext } from './http-retry.js';
import { isSameService } from './same-service.js';

export class MsalNetworkClient implements INetworkModule {
  /** The last transport failure, kept because msal replaces it by a generic network error. */
  lastFailure: unknown;
  /**
   * `error_description` of the last error answer: msal drops it when the OpenID configuration
   * request fails (e.g. an unknown tenant, AADSTS90002).
   */
  lastErrorDescription = '';

  constructor(
    private readonly authorityOrigin: string,
    private readonly fetch: HttpFetch,
    private readonly retry: RetryContext,
  ) {}

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  private async send<T>(method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    this.lastFailure = undefined;
    // Instance discovery or an endpoint on another host would send the tenant's credentials there.
    if (!isSameService(url, this.authorityOrigin)) {
      this.lastFailure = new UserError(
        `the authority ${this.authorityOrigin} sent msal to ${new URL(url).origin}; refusing to send credentials there`,
        'source.authority_host must be the host its OpenID configuration names for its endpoints',
      );
      throw this.lastFailure;
    }
    this.lastErrorDescription = '';
    try {
      const init = { method, headers: options?.headers ?? {}, ...(method === 'POST' ? { body: options?.body ?? '' } : {}) };
      // The body is read inside the retry loop, so a connection dropped mid-answer is retried too.
      const { res, text } = await sendWithRetry(async () => {
        const answer = await this.fetch(url, init);
        const body = await answer.text();
        return { res: answer, text: body, status: answer.status, headers: answer.headers, arrayBuffer: async () => new ArrayBuffer(0) };
      }, this.retry);
      const headers: Record<string, string> = {};
      res.headers.forEach((value, name) => (headers[name.toLowerCase()] = value));
      const body = parseBody(text);
      // msal would take `{}` for a token answer without a token, and send Graph an empty one.
      if (body === undefined) throw notJson(url, res.status, headers['content-type']);
      if (res.status >= 400) this.lastErrorDescription = describeError(body);
      return { status: res.status, headers, body: body as T };
    } catch (err) {
      this.lastFailure = err;
      throw err;
    }
  }
}

/** The JSON object msal reads (`error`/`error_description` included), or undefined for anything else. */
function parseBody(text: string): object | undefined {
  try {
    const body = JSON.parse(text) as unknown;
    return typeof body === 'object' && body !== null ? body : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A web page (a proxy's, a captive portal's, or a host that is no authority) where the
 * authority answers JSON. Names the request by its kind: its path holds the tenant id.
 */
function notJson(url: string, status: number, contentType: string | undefined): UserError {
  const path = new URL(url).pathname;
  const what = path.endsWith('openid-configuration')
    ? 'the OpenID configuration request'
    : path.endsWith('/devicecode')
      ? 'the device-code request'
      : path.endsWith('/token')
        ? 'the token request'
        : 'a request';
  const type = contentType?.split(';')[0]?.trim() || 'no content type';
  const body = /json/i.test(type) ? 'that does not parse as JSON' : 'instead of JSON';
  return new UserError(
    `the host in source.authority_host answered ${what} with HTTP ${status} ${type} ${body}`,
    status >= 500
      ? 'retry later; if it persists, check the proxy or gateway between pbxsync and the authority'
      : "check source.authority_host (https://login.microsoftonline.com, or the national cloud's login host); a proxy or captive portal may be answering in its place",
  );
}

function describeError(body: unknown): string {
  if (typeof body !== 'object' || body === null) return '';
  const { error, error_description: description } = body as Record<string, unknown>;
  return [error, description].filter((v) => typeof v === 'string').join(': ');
}
