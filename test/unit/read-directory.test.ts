import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/app/logger.js';
import { readDirectory } from '../../src/app/read-directory.js';
import { UserError } from '../../src/errors.js';
import type { TenantConfig } from '../../src/model/tenant-config.js';
import { tempDir } from '../support/tmp.js';

function snapshotTenant(domains: unknown): TenantConfig {
  const dir = tempDir('read-directory-');
  const path = join(dir, 'directory.json');
  const user = { id: '11111111-2222-4333-8444-555555555555', userPrincipalName: 'ann@acme.com', displayName: 'Ann' };
  writeFileSync(path, JSON.stringify({ value: [user], ...(domains === undefined ? {} : { domains }) }));
  return { domain: 'acme.com', source: { type: 'snapshot', path, scope: { enabledOnly: true, membersOnly: true, domains: [] } } } as unknown as TenantConfig;
}

describe('readDirectory', () => {
  it('reads the users when the SIP domain is verified in the directory', async () => {
    const read = await readDirectory(snapshotTenant([{ id: 'acme.com', isVerified: true }]), { log: silentLogger });
    expect(read.users.map((u) => u.userPrincipalName)).toEqual(['ann@acme.com']);
    expect(read.domains).toEqual(['acme.com']);
  });

  it('refuses a SIP domain the directory lists as unverified, naming what is verified', async () => {
    const config = snapshotTenant([
      { id: 'acme.com', isVerified: false },
      { id: 'acme.onmicrosoft.com', isVerified: true },
    ]);
    const err = await readDirectory(config, { log: silentLogger }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toMatch(
      /^the tenant's SIP domain acme\.com is not a verified domain of the directory snapshot .* \(verified there: acme\.onmicrosoft\.com\)$/,
    );
  });
});
