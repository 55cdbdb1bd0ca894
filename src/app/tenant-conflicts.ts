/**
 * Cross-file conflicts of a set of tenant files, found before anything runs: two files that
 * would fight over the same rows or files. Pure: over configs already loaded. Each conflict
 * is reported at the later file's position and names the earlier file's, with a hint.
 *
 * - one tenant name (the did and the state key) in two files;
 * - one SIP domain in two files;
 * - a file's SIP domain or one of its `source.scope.domains` equal to another file's SIP
 *   domain or scope domain: the same people would be onboarded twice (unless both files
 *   choose their users by Entra `groups`, which then decide);
 * - one credentials spreadsheet path for two tenants (each apply would overwrite the other's).
 * A shared PBX, state store or snapshot is normal: rows and records are keyed by tenant.
 */
import type { Problem, YamlPath } from '../config/problem.js';
import { locatorFor } from '../config/yaml-positions.js';
import type { TenantConfig } from '../model/tenant-config.js';

export interface LoadedTenant {
  /** The file as reported to the user. */
  readonly file: string;
  readonly config: TenantConfig;
}

interface Claim {
  readonly owner: LoadedTenant;
  readonly path: YamlPath;
}

export function findConflicts(tenants: readonly LoadedTenant[]): Problem[] {
  const problems: Problem[] = [];
  const names = new Map<string, Claim>();
  const domains = new Map<string, Claim>();
  const sheets = new Map<string, Claim>();
  for (const t of tenants) {
    const { config } = t;
    claim(names, config.name, { owner: t, path: ['tenant'] }, problems, (first) => ({
      message: `tenant ${config.name} is also the tenant of ${where(first)}`,
      hint: 'a tenant name is the tenant’s permanent id: each tenant has one file; rename one of them (a new tenant) or remove the copy',
    }));
    for (const [domain, path] of peopleDomains(config)) {
      claim(domains, domain, { owner: t, path }, problems, (first) => {
        if (bothByGroups(first.owner.config, config) && !(path.length === 1 && first.path.length === 1)) return null;
        const same = path.length === 1 && first.path.length === 1;
        return {
          message: same
            ? `domain ${domain} is also the domain of ${where(first)}`
            : `domain ${domain} is also claimed by ${where(first)}: its users would be onboarded into both tenants`,
          hint: same
            ? 'a domain belongs to one tenant: choose another domain for one of them'
            : 'list a domain in one tenant file only (scope domains too), or choose the users of both by source.groups',
        };
      });
    }
    claim(sheets, config.spreadsheet.path, { owner: t, path: ['spreadsheet', 'path'] }, problems, (first) => ({
      message: `spreadsheet ${config.spreadsheet.path} is also the spreadsheet of ${where(first)}: each apply would overwrite the other's credentials`,
      hint: 'give each tenant its own spreadsheet.path (the default is TENANT-credentials.xlsx next to the file)',
    }));
  }
  return problems;
}

/** The SIP domain and the scope domains: every UPN domain whose users the file onboards. */
function peopleDomains(config: TenantConfig): [string, YamlPath][] {
  const out: [string, YamlPath][] = [[config.domain, ['domain']]];
  config.source.scope.domains.forEach((d, i) => {
    if (d !== config.domain) out.push([d, ['source', 'scope', 'domains', i]]);
  });
  return out;
}

function bothByGroups(a: TenantConfig, b: TenantConfig): boolean {
  return a.source.type === 'azure' && a.source.groups.length > 0 && b.source.type === 'azure' && b.source.groups.length > 0;
}

function claim(
  seen: Map<string, Claim>,
  key: string,
  c: Claim,
  problems: Problem[],
  conflict: (first: Claim) => { message: string; hint: string } | null,
): void {
  const first = seen.get(key);
  if (first === undefined) {
    seen.set(key, c);
    return;
  }
  if (first.owner === c.owner) return;
  const found = conflict(first);
  if (found === null) return;
  const { line, col } = position(c);
  problems.push({ severity: 'error', file: c.owner.file, line, col, ...found });
}

function position(c: Claim): { line: number; col: number } {
  return locatorFor(c.owner.config, c.owner.file).locate(c.path, 'value');
}

function where(c: Claim): string {
  const { line, col } = position(c);
  return `${c.owner.file}:${line}:${col}`;
}
