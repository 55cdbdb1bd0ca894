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
      if (res.status >= 400) this.lastErrorDescription = describeError(body);
      return { status: res.status, headers, body: body as T };
    } catch (err) {
      this.lastFailure = err;
      throw err;
    }
  }
}

/** msal reads `error`/`error_description` from a body; a non-JSON answer (a proxy's page) becomes an empty object. */
function parseBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return {};
  }
}

function describeError(body: unknown): string {
  if (typeof body !== 'object' || body === null) return '';
  const { error, error_description: description } = body as Record<string, unknown>;
  return [error, description].filter((v) => typeof v === 'string').join(': ');
}
