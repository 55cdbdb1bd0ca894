/** Small HTTP helpers of the emulator: Graph's error body, JSON answers, request bodies. */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; odata.metadata=minimal; charset=utf-8', 'request-id': randomUUID(), ...headers });
  res.end(text);
}

/** Graph's error shape: `{ error: { code, message, innerError: { date, request-id, client-request-id } } }`. */
export function sendGraphError(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): void {
  const requestId = randomUUID();
  sendJson(
    res,
    status,
    {
      error: {
        code,
        message,
        innerError: {
          date: new Date().toISOString().replace(/\.\d+Z$/, ''),
          'request-id': requestId,
          'client-request-id': String(req.headers['client-request-id'] ?? requestId),
        },
      },
    },
    headers,
  );
}

/** The authority's OAuth error shape, with the AADSTS code in the description. */
export function sendAadError(
  res: ServerResponse,
  status: number,
  error: string,
  aadsts: number,
  description: string,
  headers: Record<string, string> = {},
): void {
  const trace = randomUUID();
  sendJson(
    res,
    status,
    {
      error,
      error_description: `AADSTS${aadsts}: ${description} Trace ID: ${trace} Correlation ID: ${randomUUID()} Timestamp: ${new Date().toISOString()}`,
      error_codes: [aadsts],
      timestamp: new Date().toISOString(),
      trace_id: trace,
      correlation_id: randomUUID(),
      error_uri: `https://login.microsoftonline.com/error?code=${aadsts}`,
    },
    headers,
  );
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** base64url JSON, for opaque skip and delta tokens. */
export function encodeToken(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeToken<T>(token: string): T | undefined {
  try {
    return JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as T;
  } catch {
    return undefined;
  }
}
