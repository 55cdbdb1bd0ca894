import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import type { DirectoryUser } from '../../src/model/directory-user.js';
import { readSnapshot, saveSnapshot, SnapshotSource } from '../../src/directory/snapshot-source.js';
import { jsonErrorPosition } from '../../src/directory/json-error-position.js';
import { tempDir } from '../support/tmp.js';

const CONTEXT = 'https://graph.microsoft.com/v1.0/$metadata#users';
const ACME = fileURLToPath(new URL('../../examples/acme/directory.json', import.meta.url));

let dir: string;
beforeEach(() => {
  dir = tempDir('pbxsync-snapshot-');
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(content: unknown, name = 'directory.json'): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

function graphUser(n: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    userPrincipalName: `user${n}@acme.com`,
    displayName: `User ${n}`,
    mail: `user${n}@acme.com`,
    accountEnabled: true,
    userType: 'Member',
    department: 'Sales',
    givenName: 'User',
    surname: String(n),
    ...extra,
  };
}

async function userError(promise: Promise<unknown>): Promise<UserError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(UserError);
  return error as UserError;
}

describe('SnapshotSource', () => {
  it('reads one page and maps users to DirectoryUser', async () => {
    const path = file({ '@odata.context': CONTEXT, value: [graphUser(1, { jobTitle: 'Rep', businessPhones: [] })] });
    const users = await new SnapshotSource(path).listUsers();
    expect(users).toEqual([
      {
        id: '00000000-0000-4000-8000-000000000001',
        userPrincipalName: 'user1@acme.com',
        displayName: 'User 1',
        mail: 'user1@acme.com',
        accountEnabled: true,
        userType: 'Member',
        department: 'Sales',
        givenName: 'User',
        surname: '1',
      },
    ]);
  });

  it('fills missing optional properties: null, enabled, Member, displayName from the UPN', async () => {
    const path = file({ value: [{ id: 'A1B2C3D4-0000-4000-8000-000000000001', userPrincipalName: 'Room.B@Acme.com', mail: null }] });
    const [user] = await new SnapshotSource(path).listUsers();
    expect(user).toEqual({
      id: 'a1b2c3d4-0000-4000-8000-000000000001',
      userPrincipalName: 'Room.B@Acme.com',
      displayName: 'Room.B@Acme.com',
      mail: null,
      accountEnabled: true,
      userType: 'Member',
      department: null,
      givenName: null,
      surname: null,
    });
  });

  it('reads an array of pages in order and accepts a UTF-8 BOM', async () => {
    const pages = [
      { '@odata.context': CONTEXT, value: [graphUser(1), graphUser(2)], '@odata.nextLink': 'https://graph.microsoft.com/v1.0/users?$skiptoken=x' },
      { '@odata.context': CONTEXT, value: [graphUser(3)] },
    ];
    const path = file(`\uFEFF${JSON.stringify(pages)}`);
    const users = await new SnapshotSource(path).listUsers();
    expect(users.map((u) => u.userPrincipalName)).toEqual(['user1@acme.com', 'user2@acme.com', 'user3@acme.com']);
  });

  it('reads verified domains from a "domains" key, lower case, sorted, unverified left out', async () => {
    const domains = [
      { id: 'Acme.com', isVerified: true, isDefault: true },
      { id: 'pending.example', isVerified: false },
      { id: 'acme.onmicrosoft.com', isVerified: true },
    ];
    const pages = [{ value: [graphUser(1)], domains, '@odata.nextLink': 'https://graph.microsoft.com/v1.0/users?$skiptoken=x' }, { value: [graphUser(2)] }];
    expect(await new SnapshotSource(file(pages)).verifiedDomains()).toEqual(['acme.com', 'acme.onmicrosoft.com']);
  });

  it('without "domains", reports the UPN domains present', async () => {
    const path = file({ value: [graphUser(1), graphUser(2, { userPrincipalName: 'x@Labs.Acme.IO' })] });
    expect(await new SnapshotSource(path).verifiedDomains()).toEqual(['acme.com', 'labs.acme.io']);
  });

  it('an explicit empty "domains" means no verified domain', async () => {
    expect(await new SnapshotSource(file({ value: [graphUser(1)], domains: [] })).verifiedDomains()).toEqual([]);
  });

  it('returns copies, so callers cannot change what the next call sees', async () => {
    const source = new SnapshotSource(file({ value: [graphUser(1)] }));
    (await source.listUsers()).pop();
    expect(await source.listUsers()).toHaveLength(1);
  });
});

describe('SnapshotSource errors', () => {
  it('missing file', async () => {
    const path = join(dir, 'nope.json');
    const error = await userError(new SnapshotSource(path).listUsers());
    expect(error.message).toContain(path);
    expect(error.message).toContain('not found');
    expect(error.hint).toBeTruthy();
  });

  it('bad JSON reports file:line:col on one line', async () => {
    const path = file('{\n  "value": [\n    { "id": "a", }\n  ]\n}\n');
    const error = await userError(new SnapshotSource(path).listUsers());
    expect(error.message).toMatch(new RegExp(`^${escape(path)}:3:18: not valid JSON: \\S`));
    expect(error.message).not.toContain('\n');
  });

  it('bad JSON whose JSON.parse message has no position still gets line:col, without the excerpt', async () => {
    const path = file('{\n  "value": [\n    x\n  ]\n}\n');
    const error = await userError(readSnapshot(path));
    expect(error.message).toBe(`${path}:3:5: not valid JSON: unexpected token 'x'`);
  });

  it('truncated JSON points at the end', async () => {
    const error = await userError(readSnapshot(file('[{"value": [\n')));
    expect(error.message).toMatch(/directory\.json:2:1: not valid JSON: unexpected end of JSON input$/);
  });

  it.each([
    [{ value: [{ userPrincipalName: 'a@acme.com' }] }, /user 1 has no "id"/],
    [
      { value: [graphUser(1), { id: '00000000-0000-4000-8000-0000000000ff', displayName: 'No UPN' }] },
      /user 2 \(id 00000000-0000-4000-8000-0000000000ff\) has no "userPrincipalName"/,
    ],
    [{ value: [graphUser(1, { id: '__proto__' })] }, /user 1 \(id __proto__\) has an "id" that is not a directory object id \(a GUID\)/],
    [{ value: [graphUser(1, { userPrincipalName: 'no-at-sign' })] }, /is not name@domain/],
    [{ value: [graphUser(1, { accountEnabled: 'yes' })] }, /"accountEnabled" is "yes", not true or false/],
    [{ value: [graphUser(1, { mail: 42 })] }, /"mail" is 42, not a string/],
    [{ value: ['x'] }, /user 1 is "x", not an object/],
    [{ users: [] }, /is not a Graph page/],
    [[], /holds no page/],
    [[{ value: [] }, { value: [graphUser(1, { id: 7 })] }], /page 2, user 1 .*"id" is 7/],
    [{ value: [graphUser(1)], domains: { id: 'acme.com' } }, /"domains" must be an array/],
    [{ value: [graphUser(1)], domains: [{ isVerified: true }] }, /domain 1 has no "id"/],
  ])('rejects %j', async (content, pattern) => {
    const path = file(content);
    const error = await userError(readSnapshot(path));
    expect(error.message.startsWith(`${path}: `)).toBe(true);
    expect(error.message).toMatch(pattern);
  });

  it('rejects duplicate object ids, also across pages and letter case', async () => {
    const id = 'AAAAAAAA-0000-4000-8000-000000000001';
    const pages = [
      { value: [graphUser(1, { id })], '@odata.nextLink': 'https://graph.microsoft.com/v1.0/users?$skiptoken=x' },
      { value: [graphUser(2, { id: id.toLowerCase() })] },
    ];
    const error = await userError(readSnapshot(file(pages)));
    expect(error.message).toMatch(/duplicate object id/i);
  });

  it('rejects duplicate UPNs', async () => {
    const error = await userError(readSnapshot(file({ value: [graphUser(1), graphUser(2, { userPrincipalName: 'USER1@acme.com' })] })));
    expect(error.message).toContain('duplicate userPrincipalName USER1@acme.com');
  });

  it('refuses a last page that still has @odata.nextLink (missing pages would become leavers)', async () => {
    const page = { value: [graphUser(1)], '@odata.nextLink': 'https://graph.microsoft.com/v1.0/users?$skiptoken=x' };
    const error = await userError(readSnapshot(file(page)));
    expect(error.message).toMatch(/missing pages/);
  });
});

describe('saveSnapshot', () => {
  const users: DirectoryUser[] = [
    {
      id: '00000000-0000-4000-8000-0000000000a1',
      userPrincipalName: 'zoe@acme.com',
      displayName: 'Zoë Ångström',
      mail: null,
      accountEnabled: false,
      userType: 'Member',
      department: null,
      givenName: 'Zoë',
      surname: 'Ångström',
    },
    {
      id: '00000000-0000-4000-8000-0000000000a2',
      userPrincipalName: 'g_x.com#EXT#@acme.onmicrosoft.com',
      displayName: '=1+2',
      mail: 'g@x.com',
      accountEnabled: true,
      userType: 'Guest',
      department: 'Sales',
      givenName: null,
      surname: null,
    },
  ];

  it('writes a Graph page that reads back to the same users and domains', async () => {
    const path = join(dir, 'saved.json');
    await saveSnapshot(path, users, ['Acme.com', 'acme.onmicrosoft.com']);
    expect(statSync(path).mode & 0o777).toBe(0o600); // directory data: owner only
    const snapshot = await readSnapshot(path);
    expect(snapshot.users).toEqual(users);
    expect(snapshot.verifiedDomains).toEqual(['acme.com', 'acme.onmicrosoft.com']);
    const raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    expect(raw['@odata.context']).toMatch(/^https:\/\/graph\.microsoft\.com\/v1\.0\/\$metadata#users\(id,userPrincipalName,/);
    expect(raw.domains).toEqual([
      { id: 'acme.com', isVerified: true },
      { id: 'acme.onmicrosoft.com', isVerified: true },
    ]);
  });

  it('replaces an existing file', async () => {
    const path = file('old');
    await saveSnapshot(path, [], []);
    expect(await readSnapshot(path)).toEqual({ users: [], verifiedDomains: [] });
  });
});

describe('examples/acme/directory.json', () => {
  it('is a valid two-page snapshot of about 40 users with the documented domains', async () => {
    const raw = JSON.parse(readFileSync(ACME, 'utf8')) as unknown[];
    expect(raw).toHaveLength(2);
    const snapshot = await readSnapshot(ACME);
    expect(snapshot.users.length).toBeGreaterThanOrEqual(35);
    expect(snapshot.verifiedDomains).toEqual(['acme-labs.io', 'acme.com', 'acme.onmicrosoft.com']);
    expect(snapshot.users.filter((u) => !u.accountEnabled)).toHaveLength(2);
    expect(snapshot.users.filter((u) => u.userType === 'Guest')).toHaveLength(2);
  });
});

describe('jsonErrorPosition', () => {
  it.each([
    ['{"a": 1}', null],
    ['  [1, -2.5e3, "x\\u00e9", true, false, null, {}]  ', null],
    ['{"a": 01}', { line: 1, col: 8 }],
    ['{"a": "\t"}', { line: 1, col: 8 }],
    ['[1,]', { line: 1, col: 4 }],
    ['{\n"a" 1}', { line: 2, col: 5 }],
    ['{"a": "\\x"}', { line: 1, col: 9 }],
    ['[1] x', { line: 1, col: 5 }],
    ['', { line: 1, col: 1 }],
  ])('%j → %j', (text, expected) => {
    expect(jsonErrorPosition(text)).toEqual(expected);
    if (expected === null) expect(() => JSON.parse(text) as unknown).not.toThrow();
    else expect(() => JSON.parse(text) as unknown).toThrow(SyntaxError);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
