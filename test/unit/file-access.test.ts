/** Loose-file checks, their one-line warning, and group lookups (getent, then /etc/group). */
import type { Stats } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { looseFile, looseFilesWarning, octal, shellQuote } from '../../src/fs/file-access.js';
import { groupIdOf, groupNameOf, lookupGroup } from '../../src/fs/group-id.js';
import { UserError } from '../../src/errors.js';

const stats = (mode: number, gid = 0) => ({ mode: 0o100000 | mode, gid }) as Stats;
const KAMAILIO = { name: 'kamailio', gid: 115 };

describe('looseFile', () => {
  it('is loose when group or others get more than asked, or the group bits are for another group', () => {
    expect(looseFile('f', stats(0o600), { mode: 0o600, group: null })).toBeNull();
    expect(looseFile('f', stats(0o400), { mode: 0o600, group: null })).toBeNull();
    expect(looseFile('f', stats(0o700), { mode: 0o600, group: null })).toBeNull(); // owner bits are the owner's business
    expect(looseFile('f', stats(0o644), { mode: 0o600, group: null })).toEqual({ path: 'f', mode: 0o644, wrongGroup: false });
    expect(looseFile('f', stats(0o640, 115), { mode: 0o640, group: KAMAILIO })).toBeNull();
    expect(looseFile('f', stats(0o600, 0), { mode: 0o640, group: KAMAILIO })).toBeNull();
    expect(looseFile('f', stats(0o640, 0), { mode: 0o640, group: KAMAILIO })).toEqual({ path: 'f', mode: 0o640, wrongGroup: true });
    expect(looseFile('f', stats(0o660, 115), { mode: 0o640, group: KAMAILIO })).toEqual({ path: 'f', mode: 0o660, wrongGroup: false });
    expect(looseFile('f', stats(0o641, 115), { mode: 0o640, group: KAMAILIO })).not.toBeNull();
  });
});

describe('looseFilesWarning', () => {
  it('is one line naming each file, why, and a command that can be pasted into a shell', () => {
    const files = [
      { path: '/var/lib/pbx/pbx.sqlite', mode: 0o644, wrongGroup: true },
      { path: "/var/lib/my pbx/it's.lock", mode: 0o640, wrongGroup: false },
    ];
    expect(looseFilesWarning(files, { mode: 0o640, group: KAMAILIO }, 'PBX database files', 'they hold secrets')).toBe(
      "PBX database files readable beyond mode 0640 with group kamailio: /var/lib/pbx/pbx.sqlite (0644, another group), /var/lib/my pbx/it's.lock (0640); they hold secrets. " +
        "Fix: chgrp kamailio /var/lib/pbx/pbx.sqlite '/var/lib/my pbx/it'\\''s.lock' && chmod 640 /var/lib/pbx/pbx.sqlite '/var/lib/my pbx/it'\\''s.lock'",
    );
  });

  it('leaves chgrp out when no group is wrong', () => {
    expect(looseFilesWarning([{ path: '/p', mode: 0o604, wrongGroup: false }], { mode: 0o600, group: null }, 'files', 'why')).toBe(
      'files readable beyond mode 0600: /p (0604); why. Fix: chmod 600 /p',
    );
  });

  it('quotes what a shell would split or expand', () => {
    expect(shellQuote('/a/b-c_d.e')).toBe('/a/b-c_d.e');
    expect(shellQuote('/a/$(x)')).toBe(`'/a/$(x)'`);
    expect(octal(0o600)).toBe('0600');
    expect(octal(0o100644)).toBe('0644');
  });
});

describe('group lookups', () => {
  it('finds a group by name and by id, and none for an unknown or odd name', () => {
    expect(lookupGroup('root')).toEqual({ name: 'root', gid: 0 });
    expect(lookupGroup('0')).toEqual({ name: 'root', gid: 0 });
    expect(groupNameOf(0)).toBe('root');
    expect(lookupGroup('pbxsync-no-such-group')).toBeNull();
    expect(lookupGroup('--help')).toBeNull();
    expect(lookupGroup('')).toBeNull();
  });

  it('reads /etc/group when getent cannot be run', () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      expect(lookupGroup('root')).toEqual({ name: 'root', gid: 0 });
      expect(lookupGroup('pbxsync-no-such-group')).toBeNull();
    } finally {
      process.env.PATH = path;
    }
  });

  it('makes an unknown group a one-line error', () => {
    expect(() => groupIdOf('pbxsync-no-such-group', 'PBX database /x')).toThrow(UserError);
    expect(() => groupIdOf('pbxsync-no-such-group', 'PBX database /x')).toThrow(/^unknown group "pbxsync-no-such-group" for the PBX database \/x$/);
  });
});
