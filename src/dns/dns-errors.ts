/**
 * What a resolver error code means for a lookup. NXDOMAIN and "no records of that type" are
 * answers (the server knows, and says there is nothing); everything else is a failure that
 * says nothing about the record, so the caller tries the next server and, in the end, reports
 * what happened at each one instead of "not found".
 */
import { seconds } from './seconds.js';

export type ErrorKind = 'nxdomain' | 'nodata' | 'failure';

export function errorKind(code: string): ErrorKind {
  if (code === 'ENOTFOUND') return 'nxdomain';
  if (code === 'ENODATA') return 'nodata';
  return 'failure';
}

/** What a server did, as the end of a sentence that starts with its name: "127.0.0.1:53 answered SERVFAIL". */
export function failureText(code: string, timeoutMs: number): string {
  switch (code) {
    case 'ESERVFAIL':
      return "answered SERVFAIL (it could not resolve the name: the domain's DNS servers are unreachable or its DNSSEC signatures do not validate)";
    case 'EREFUSED':
      return 'answered REFUSED (it does not resolve this name for us)';
    case 'ETIMEOUT':
    case 'ECANCELLED':
      return `did not answer within ${seconds(timeoutMs)}`;
    case 'ECONNREFUSED':
      return 'refused the query (nothing listens on that port)';
    case 'ENOTIMP':
      return 'answered NOTIMP (it does not support this query)';
    case 'EFORMERR':
    case 'EBADRESP':
      return `sent an answer that cannot be read (${code})`;
    default:
      return `failed (${code})`;
  }
}
