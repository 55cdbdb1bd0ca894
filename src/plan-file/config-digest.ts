/**
 * A digest per section of the normalised tenant file, carried by a saved plan so that
 * `apply --plan` refuses a plan whose tenant file changed since, naming the sections that
 * differ. Keyed with the plan-signing key, so a digest reveals nothing of the values; paths
 * are taken relative to the tenant file (plan and apply may run in different checkouts) and
 * secrets are left out (a rotated secret does not make a reviewed plan stale).
 */
import { createHmac } from 'node:crypto';
import { dirname, relative } from 'node:path';
import { canonicalJson } from '../core/canonical-json.js';
import type { TenantConfig } from '../model/tenant-config.js';

export type ConfigSections = Record<string, string>;

export function configSections(config: TenantConfig, key: Buffer): ConfigSections {
  const dir = dirname(config.file);
  const rel = (path: string): string => relative(dir, path) || '.';
  const url = (value: string): string =>
    value.startsWith('sqlite:') ? `sqlite:${rel(value.slice(7))}` : value.startsWith('file:') ? `file:${rel(value.slice(5))}` : withoutPassword(value);
  const source = config.source;
  const sections: Record<string, unknown> = {
    tenant: { name: config.name, domain: config.domain },
    source:
      source.type === 'snapshot'
        ? { ...source, path: rel(source.path) }
        : {
            ...source,
            credential:
              source.credential.kind === 'certificate'
                ? { ...source.credential, privateKeyFile: rel(source.credential.privateKeyFile) }
                : { kind: source.credential.kind },
            ...(source.caFile !== undefined ? { caFile: rel(source.caFile) } : {}),
          },
    pbx: { url: url(config.pbx.url) },
    extensions: config.extensions,
    defaults: config.defaults,
    users: config.users,
    leavers: config.leavers,
    safety: config.safety,
    spreadsheet: spreadsheetSection(config.spreadsheet, rel),
    state: { url: url(config.state.url) },
    credentials: config.credentials,
  };
  return Object.fromEntries(
    Object.entries(sections).map(([name, value]) => [
      name,
      createHmac('sha256', key)
        .update(`${name}\n${canonicalJson(value)}`)
        .digest('hex')
        .slice(0, 32),
    ]),
  );
}

/** Without `encryptTo` when there is none, so that plans saved before it existed still match. */
function spreadsheetSection(spreadsheet: TenantConfig['spreadsheet'], rel: (path: string) => string): object {
  const { encryptTo, ...rest } = spreadsheet;
  return { ...rest, path: rel(spreadsheet.path), ...(encryptTo.length > 0 ? { encryptTo } : {}) };
}

function withoutPassword(value: string): string {
  try {
    const parsed = new URL(value);
    parsed.password = '';
    return parsed.toString();
  } catch {
    return value;
  }
}

/** The sections whose digests differ (or exist on one side only), sorted. */
export function differingSections(a: ConfigSections, b: ConfigSections): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => a[k] !== b[k]).sort();
}
