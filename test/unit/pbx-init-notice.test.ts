/** What `pbx init sqlite:…` tells about Kamailio's access to a private database. */
import { describe, expect, it } from 'vitest';
import { kamailioAccessNotice } from '../../src/cli/commands/pbx-init.js';

const facts = (mode: number, group = 'root') => ({ path: '/var/lib/pbx.sqlite', mode, owner: 'pbxsync', group, shmPath: '/var/lib/pbx.sqlite-shm' });

describe('kamailioAccessNotice', () => {
  it('0600: Kamailio must own the file or get group access, and write the -shm', () => {
    expect(kamailioAccessNotice(facts(0o600))).toEqual([
      '/var/lib/pbx.sqlite is mode 0600, for its owner (pbxsync) only: Kamailio can read it if it runs as pbxsync, or once it gets group access (e.g. files.pbx_group: kamailio in the ISP configuration)',
      'Kamailio also needs write access to /var/lib/pbx.sqlite-shm (WAL mode) and, when SQLite must create it, to the folder.',
    ]);
  });

  it('0640 with a group: readable in the group, but the -shm needs 0660', () => {
    expect(kamailioAccessNotice(facts(0o640, 'kamailio'))).toEqual([
      '/var/lib/pbx.sqlite is mode 0640, group kamailio: Kamailio can read it if it runs as pbxsync or in group kamailio',
      'Kamailio also needs write access to /var/lib/pbx.sqlite-shm (WAL mode) and, when SQLite must create it, to the folder: mode 0640 does not let group kamailio write it, 0660 does.',
    ]);
  });

  it('0660 with a group', () => {
    expect(kamailioAccessNotice(facts(0o660, 'kamailio'))[1]).toBe(
      'Kamailio also needs write access to /var/lib/pbx.sqlite-shm (WAL mode) and, when SQLite must create it, to the folder.',
    );
  });

  it('a world-readable file found in place says so', () => {
    expect(kamailioAccessNotice(facts(0o644))[0]).toBe('/var/lib/pbx.sqlite is mode 0644: every local user can read its HA1 hashes');
  });
});
