/**
 * The HTTPS client both msal and the Graph client use: undici's fetch with an Agent that
 * trusts the system CAs plus, when the tenant file names one, an extra CA (`source.ca_file`).
 * That is how a TLS-inspecting proxy or a local emulator is trusted: by configuration, never
 * by turning certificate checks off.
 */
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { Agent, fetch as undiciFetch, type RequestInit, type Response } from 'undici';
import { UserError } from '../../errors.js';

export type HttpFetch = (url: string, init: RequestInit) => Promise<Response>;

/** A fetch bound to the CA set and the per-request time limit. */
export function httpsFetch(caFile: string | undefined, timeoutMs: number): { fetch: HttpFetch; close: () => Promise<void> } {
  const ca = caFile === undefined ? undefined : [...rootCertificates, readCa(caFile)];
  const agent = new Agent({ connect: { ...(ca ? { ca } : {}), timeout: timeoutMs }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  return {
    fetch: (url, init) => undiciFetch(url, { ...init, dispatcher: agent }),
    close: () => agent.close(),
  };
}

function readCa(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UserError(
      `cannot read source.ca_file ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      'give the path of a PEM certificate, relative to the tenant file',
    );
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new UserError(`source.ca_file ${path} holds no PEM certificate`, 'the file must contain -----BEGIN CERTIFICATE-----');
  }
  return text;
}
