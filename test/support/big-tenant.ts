/** A copy of examples/acme whose directory holds `count` generated users (for locks, crashes, benches). */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { exampleTenant } from './cli.js';

export function generatedUsers(count: number, domain = 'acme.com'): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    userPrincipalName: `user${i}@${domain}`,
    displayName: `User ${String(i).padStart(6, '0')}`,
    mail: `user${i}@${domain}`,
    accountEnabled: true,
    userType: 'Member',
    department: `Dept ${i % 17}`,
  }));
}

/** Edits the tenant file in place. */
export function editTenantFile(file: string, edit: (doc: ReturnType<typeof parseDocument>) => void): void {
  const doc = parseDocument(readFileSync(file, 'utf8'));
  edit(doc);
  writeFileSync(file, doc.toString());
}

/**
 * examples/acme with `count` generated users, no per-user overrides, a range wide enough,
 * and `pbx.url` taken from ${PBX_URL} (set it in the returned env).
 */
export function bigTenant(count: number, opts: { tenant?: string; domain?: string; pbxUrl: string }) {
  const { dir, env } = exampleTenant();
  const domain = opts.domain ?? 'acme.com';
  const file = join(dir, 'tenant.yaml');
  editTenantFile(file, (doc) => {
    doc.set('tenant', opts.tenant ?? 'acme');
    doc.set('domain', domain);
    doc.delete('users');
    doc.setIn(['extensions', 'end'], 99999);
    doc.setIn(['source', 'scope', 'domains'], doc.createNode([domain]));
    doc.setIn(['pbx', 'url'], '${PBX_URL}');
    doc.setIn(['spreadsheet', 'path'], `${opts.tenant ?? 'acme'}-credentials.xlsx`);
    doc.setIn(['state', 'url'], `file:${opts.tenant ?? 'acme'}.pbxsync-state.json`);
  });
  writeFileSync(join(dir, 'directory.json'), JSON.stringify([{ domains: [{ id: domain, isVerified: true }], value: generatedUsers(count, domain) }]));
  return { dir, file, env: { ...env, PBX_URL: opts.pbxUrl } };
}
