/**
 * Looks up a domain verification record (`_pbxsync.acme.com TXT "pbxsync-verification=…"`)
 * and says what was found, as data. A TXT record is a list of strings of at most 255 bytes
 * each; a DNS provider may split a value, so the strings of one record are joined (as RFC
 * 7208 does for SPF) before comparing. Any one of several TXT records on the name verifies.
 * A CNAME at the name is followed by the resolver.
 */
import { VERIFICATION_PREFIX, type VerificationRecord } from '../credentials/domain-token.js';
import { dnsClient, failuresText, type DnsOptions, type ServerFailure } from './query.js';

type MissingReason = 'nxdomain' | 'no-txt' | 'no-verification-txt';

export type VerificationLookup =
  | { readonly state: 'verified'; readonly server: string; readonly detail: string }
  | { readonly state: 'missing'; readonly reason: MissingReason; readonly server: string; readonly found: readonly string[]; readonly detail: string }
  | { readonly state: 'wrong-value'; readonly server: string; readonly found: readonly string[]; readonly detail: string }
  | { readonly state: 'failure'; readonly failures: readonly ServerFailure[]; readonly detail: string };

export async function lookupVerification(record: VerificationRecord, options: DnsOptions = {}): Promise<VerificationLookup> {
  const answer = await dnsClient(options).query('TXT', record.name);
  switch (answer.kind) {
    case 'failure':
      return { state: 'failure', failures: answer.failures, detail: `no DNS server answered for ${record.name} TXT: ${failuresText(answer.failures)}` };
    case 'nxdomain':
      return missing('nxdomain', answer.server, [], `${record.name} does not exist (NXDOMAIN from ${answer.server})`);
    case 'nodata':
      return missing('no-txt', answer.server, [], `${record.name} exists but has no TXT record (answer from ${answer.server})`);
    case 'records':
      return judgeValues(
        record,
        answer.records.map((chunks) => chunks.join('')),
        answer.server,
      );
  }
}

function missing(reason: MissingReason, server: string, found: readonly string[], detail: string): VerificationLookup {
  return { state: 'missing', reason, server, found, detail };
}

/** The TXT values of the name (chunks joined) against the expected one. */
function judgeValues(record: VerificationRecord, values: readonly string[], server: string): VerificationLookup {
  const from = `(answer from ${server})`;
  if (values.includes(record.value)) return { state: 'verified', server, detail: `${record.name} has the record ${from}` };
  const ours = values.filter((v) => v.toLowerCase().includes(VERIFICATION_PREFIX));
  if (ours.length === 0) {
    const count = values.length === 1 ? 'a TXT record' : `${values.length} TXT records`;
    return missing('no-verification-txt', server, values, `${record.name} has ${count}, none with ${VERIFICATION_PREFIX} ${from}`);
  }
  return { state: 'wrong-value', server, found: ours, detail: `${record.name} has ${wrongText(record.value, ours)} ${from}` };
}

/** Why the value differs: typed with quotes, spaces or capitals, or another token altogether. */
function wrongText(expected: string, found: readonly string[]): string {
  const shown = found.map(shortQuoted).join(', ');
  const nearly = found.some(
    (v) =>
      v
        .trim()
        .replace(/^"+|"+$/g, '')
        .trim()
        .toLowerCase() === expected,
  );
  if (nearly) return `${shown}, the right token but with extra quotes, spaces or other letter case`;
  return `${shown} instead, a token for another domain or from another ISP's key`;
}

/** A DNS value in quotes, control characters escaped (JSON), cut when long: it is anyone's text. */
function shortQuoted(value: string): string {
  const cut = [...value].length > 100 ? `${[...value].slice(0, 100).join('')}…` : value;
  return JSON.stringify(cut);
}
