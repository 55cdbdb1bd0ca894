/**
 * What pbxsync may show of values that came from the environment: never the value, always
 * the reference as written (`${ACME_TENANT_ID}`, `postgres://sync:${PBX_DB_PASSWORD}@db/pbx`).
 * `withLabels` gives the config the texts to use in messages; `redactExpansions` replaces any
 * expanded value a message might still quote by its reference.
 */
import type { TenantConfig } from '../model/tenant-config.js';
import type { Expansion } from './expand-env.js';
import type { Problem } from './problem.js';

/** Shorter values carry no secret and would match ordinary words of a message. */
const MIN_REDACTED_LENGTH = 3;

export function redactExpansions(problems: readonly Problem[], expansions: readonly Expansion[]): Problem[] {
  const swaps = expansions
    .flatMap((e) => valuesOf(e))
    .filter((s) => s.value.length >= MIN_REDACTED_LENGTH)
    .sort((a, b) => b.value.length - a.value.length);
  if (swaps.length === 0) return [...problems];
  const redact = (text: string): string => swaps.reduce((t, s) => t.split(s.value).join(s.text), text);
  return problems.map((p) => ({ ...p, message: redact(p.message), ...(p.hint !== undefined ? { hint: redact(p.hint) } : {}) }));
}

/** The whole expanded value, and each variable's own value within it. */
function valuesOf(e: Expansion): { value: string; text: string }[] {
  return [{ value: e.value, text: e.text }, ...e.variables.map((v) => ({ value: v.value, text: `\${${v.name}}` }))];
}

const textAt = (expansions: readonly Expansion[], key: string): string | undefined => expansions.find((e) => e.path.join('.') === key)?.text;

export function withLabels(config: TenantConfig, expansions: readonly Expansion[]): TenantConfig {
  const labels = {
    pbxUrl: textAt(expansions, 'pbx.url') ?? config.labels.pbxUrl,
    stateUrl: textAt(expansions, 'state.url') ?? config.labels.stateUrl,
  };
  const source = config.source;
  if (source.type !== 'azure') return { ...config, labels };
  const sourceLabels = {
    tenantId: textAt(expansions, 'source.tenant_id') ?? source.labels.tenantId,
    clientId: textAt(expansions, 'source.client_id') ?? source.labels.clientId,
  };
  return { ...config, labels, source: { ...source, labels: sourceLabels } };
}
