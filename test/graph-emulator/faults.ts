/**
 * Fault injection: throttling (429 with `Retry-After` as seconds, fractional seconds or an
 * HTTP-date), 503/504, dropped connections (the socket is destroyed without an answer),
 * error answers of any status and HTML pages in place of JSON. A rule hits every Nth
 * matching request, or a seeded random share of them, so runs are reproducible.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendAadError, sendGraphError } from './http-util.js';

/**
 * `drop`: no answer at all; `truncate`: a 200 whose body stops halfway, then the socket closes;
 * `error`: the service's own error body with `status` and `code` (e.g. a 500, or a 400 Graph
 * gives a link it refuses); `html`: a web page with `status` instead of JSON, as a proxy, a
 * captive portal or a host that is not the service would answer.
 */
type FaultKind = 'throttle' | 'unavailable' | 'gateway-timeout' | 'drop' | 'truncate' | 'error' | 'html';

export interface FaultRule {
  readonly kind: FaultKind;
  /** Hit every Nth matching request (1 = all). */
  readonly every?: number;
  /** Or hit this share (0..1) of matching requests, drawn from a PRNG seeded with `seed`. */
  readonly share?: number;
  readonly seed?: number;
  /** Which service: 'graph' (default), 'auth' or 'all'. */
  readonly service?: 'graph' | 'auth' | 'all';
  /** Only requests whose path matches. */
  readonly path?: RegExp;
  /** `Retry-After` for 429/503: a number of seconds ('0.05', '2'), 'date' (an HTTP-date 1 s ahead) or 'none'. */
  readonly retryAfter?: string;
  /** Stop after this many hits. */
  readonly limit?: number;
  /** HTTP status of an `error` (default 500) or `html` (default 200) answer. */
  readonly status?: number;
  /** Error code of an `error` answer (Graph's `error.code`, or the authority's `error`). */
  readonly code?: string;
  /** Content type of an `html` answer (default text/html), e.g. a page mislabelled as JSON. */
  readonly contentType?: string;
}

export interface FaultHit {
  readonly kind: FaultKind;
  readonly retryAfter?: string;
  readonly status?: number;
  readonly code?: string;
  readonly contentType?: string;
}

interface ActiveRule {
  readonly rule: FaultRule;
  seen: number;
  hits: number;
  random: () => number;
}

export class FaultInjector {
  private rules: ActiveRule[] = [];

  add(rule: FaultRule): void {
    this.rules.push({ rule, seen: 0, hits: 0, random: mulberry32(rule.seed ?? 1) });
  }

  clear(): void {
    this.rules = [];
  }

  /** The fault for this request, if a rule hits it. Every matching rule counts the request. */
  next(service: 'graph' | 'auth', path: string): FaultHit | undefined {
    let hit: FaultHit | undefined;
    for (const active of this.rules) {
      const { rule } = active;
      if ((rule.service ?? 'graph') !== 'all' && (rule.service ?? 'graph') !== service) continue;
      if (rule.path && !rule.path.test(path)) continue;
      active.seen++;
      if (rule.limit !== undefined && active.hits >= rule.limit) continue;
      const fires = rule.every !== undefined ? active.seen % rule.every === 0 : active.random() < (rule.share ?? 0);
      if (fires && hit === undefined) {
        active.hits++;
        const { retryAfter, status, code, contentType } = rule;
        // Only the fields the rule sets: the hit's type has no room for `undefined`.
        hit = {
          kind: rule.kind,
          ...(Object.fromEntries(Object.entries({ retryAfter, status, code, contentType }).filter(([, v]) => v !== undefined)) as Omit<FaultHit, 'kind'>),
        };
      }
    }
    return hit;
  }
}

/** `Retry-After` header value for a hit (absent for 'none'). */
export function retryAfterHeader(hit: FaultHit, now = Date.now()): Record<string, string> {
  const value = hit.retryAfter ?? '0.01';
  if (value === 'none') return {};
  if (value === 'date') return { 'retry-after': new Date(now + 1000).toUTCString() };
  return { 'retry-after': value };
}

/** A small seeded PRNG (mulberry32), enough for reproducible fault shares. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Answers an `error` or `html` fault the way the service (or a stranger in its place) would. */
export function sendFault(req: IncomingMessage, res: ServerResponse, service: 'graph' | 'auth', hit: FaultHit): void {
  if (hit.kind === 'html') {
    res.writeHead(hit.status ?? 200, { 'content-type': hit.contentType ?? 'text/html; charset=utf-8' });
    res.end('<!DOCTYPE html><html><head><title>Not Found</title></head><body><h1>The page you asked for is not here.</h1></body></html>');
    return;
  }
  const status = hit.status ?? 500;
  if (service === 'auth') return sendAadError(res, status, hit.code ?? 'server_error', 50000, 'There was an error issuing a token or an authorization code.');
  sendGraphError(req, res, status, hit.code ?? 'generalException', status >= 500 ? 'An unexpected error occurred.' : 'The request was refused.');
}
