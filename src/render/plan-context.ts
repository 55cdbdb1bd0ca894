/**
 * What a plan says about its surroundings, the same way in every renderer: the domain check
 * (is the domain proven to be the customer's?) and the directory scope (who was left out, and
 * why). Plain sentences; each renderer makes them safe for its medium.
 */
import type { DomainCheck, ScopeSummary } from '../model/plan.js';

const STATE_TEXT: Readonly<Record<DomainCheck['state'], string>> = {
  verified: 'verified: its TXT record is in place',
  namespace: "lies under the ISP's own namespace: no DNS record needed",
  missing: 'NOT verified: its TXT record is missing',
  'wrong-value': 'NOT verified: its TXT record holds another value',
  failure: 'NOT verified: the DNS lookup failed',
};

/** The domain check as sentences; empty when the plan neither creates nor moves a domain. */
export function domainCheckLines(check: DomainCheck | null): string[] {
  if (check === null) return [];
  const what = check.reason === 'create' ? 'the tenant is created on it' : 'the tenant moves onto it';
  const lines = [`Domain ${check.domain} (${what}): ${STATE_TEXT[check.state]}${check.detail ? ` (${check.detail})` : ''}.`];
  if (check.state !== 'verified' && check.state !== 'namespace') {
    lines.push(
      `The customer's DNS must hold: ${check.record.name} ${check.record.type} "${check.record.value}". apply refuses until it does (pbxsync domain verify checks it).`,
    );
  }
  return lines;
}

/** One sentence: how many users are in scope, and why the others are not. */
export function scopeLine(scope: ScopeSummary | null): string | null {
  if (scope === null) return null;
  const out = scope.read - scope.inScope;
  if (out === 0) return `Directory: ${scope.read} users read, all in scope.`;
  const reasons: string[] = [];
  if (scope.disabled > 0) reasons.push(`${scope.disabled} disabled`);
  if (scope.guests > 0) reasons.push(`${scope.guests} guest${scope.guests === 1 ? '' : 's'}`);
  const other = Object.entries(scope.otherDomains);
  const otherCount = other.reduce((n, [, c]) => n + c, 0);
  if (otherCount > 0)
    reasons.push(
      `${otherCount} of other domains (${other.map(([d, c]) => `${d}: ${c}`).join(', ')}; add a domain to source.scope.domains to take its users in)`,
    );
  if (scope.excluded > 0) reasons.push(`${scope.excluded} excluded in the file`);
  return `Directory: ${scope.read} users read, ${scope.inScope} in scope; left out: ${reasons.join(', ')}.`;
}
