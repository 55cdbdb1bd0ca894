/**
 * The tenant file `pbxsync init` writes, from settings and directory users: it loads through
 * every check layer with one override per user and nothing else, and directory text in its
 * comments (hostile names, very long ones) can neither end a comment nor add a key.
 */
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseDefaultAssignment } from '../../src/config/default-assignment.js';
import { COMMENT_FIELD_MAX, initDocument, type InitListing } from '../../src/config/init-document.js';
import { optionAt, tenantSkeleton, type InitSettings } from '../../src/config/init-skeleton.js';
import { checkTenantText } from '../../src/config/load-tenant.js';
import type { DirectoryUser } from '../../src/model/directory-user.js';
import { permissivePolicy } from '../support/isp.js';
import { HOSTILE, firstUnsafe } from '../support/hostile.js';

const SETTINGS: InitSettings = {
  tenant: 'acme',
  domain: 'acme.com',
  start: 1001,
  end: 1999,
  source: { type: 'snapshot', path: 'directory.json' },
  pbxUrl: 'sqlite:pbx.sqlite',
  scopeDomains: [],
  defaults: { language: 'en-US', area_code: '0212', dial_timeout: 25, voicemail_to_email: true },
};

function user(n: number, displayName: string, local = `user${n}`): DirectoryUser {
  const id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  return { id, userPrincipalName: `${local}@acme.com`, displayName, mail: null, accountEnabled: true, userType: 'Member', department: null };
}

function listing(users: DirectoryUser[]): InitListing {
  return { users, summary: { read: users.length + 3, inScope: users.length, disabled: 1, guests: 1, otherDomains: { 'acme-labs.io': 1 }, excluded: 0 } };
}

function load(text: string) {
  return checkTenantText(text, 'acme.yaml', '/srv/tenants/acme.yaml', { ACME_GRAPH_SECRET: 's3cret' }, permissivePolicy());
}

describe('initDocument', () => {
  it('loads with no problem: the settings as given, one empty override per user, by object id', () => {
    const users = [user(1, 'Ada Lovelace'), user(2, 'Alan Turing')];
    const text = initDocument(tenantSkeleton(SETTINGS), listing(users));
    const { config, problems } = load(text);
    expect(problems).toEqual([]);
    expect(config!.name).toBe('acme');
    expect(config!.extensions).toMatchObject({ start: 1001, end: 1999 });
    expect(config!.defaults).toEqual({ language: 'en-US', area_code: '0212', dial_timeout: 25, voicemail_to_email: true });
    expect(config!.users.map((o) => o.match)).toEqual(users.map((u) => ({ by: 'id', value: u.id })));
    expect(config!.users.every((o) => !o.exclude && Object.keys(o.fields).length === 0)).toBe(true);
    expect(text).toContain(`  ${users[0]!.id}: {} # user1@acme.com  Ada Lovelace\n`);
    expect(text).toMatch(/^# Tenant acme \(acme\.com\), written by `pbxsync init` from 5 directory users\./);
    expect(text).toContain('# Not listed (source.scope): 1 disabled, 1 guest, 1 in other domains (acme-labs.io: 1).');
  });

  it('keeps the order it is given (the order extensions are handed out)', () => {
    const users = [user(3, 'Zoe'), user(1, 'Adam'), user(2, 'Maya')];
    const parsed = parse(initDocument(tenantSkeleton(SETTINGS), listing(users))) as { users: Record<string, unknown> };
    expect(Object.keys(parsed.users)).toEqual(users.map((u) => u.id));
  });

  it('an empty directory gives users: {}; no defaults gives no defaults: section, and says what it takes', () => {
    const text = initDocument(tenantSkeleton({ ...SETTINGS, defaults: {} }), listing([]));
    expect(text).toContain('\nusers: {}\n');
    expect(text).not.toMatch(/^defaults:/m);
    expect(text).toContain('# No defaults: section yet; it takes voicemail_to_email, area_code,');
    const { config, problems } = load(text);
    expect(problems).toEqual([]);
    expect(config!.users).toEqual([]);
  });

  it('an azure source: the secret as one ${VAR} reference, which the policy allows', () => {
    const settings: InitSettings = {
      ...SETTINGS,
      source: {
        type: 'azure',
        tenantId: 'contoso.onmicrosoft.com',
        clientId: '0c8a5f3e-7d2b-4b1e-9f6a-51c3d2e4a7b9',
        credential: { kind: 'secret', env: 'ACME_GRAPH_SECRET' },
        caFile: 'ca.pem',
      },
    };
    const text = initDocument(tenantSkeleton(settings), listing([user(1, 'Ada')]));
    expect(text).toContain('client_secret: ${ACME_GRAPH_SECRET}');
    expect(text).not.toContain('s3cret');
    const { config, problems } = load(text);
    expect(problems).toEqual([]);
    expect(config!.source).toMatchObject({
      type: 'azure',
      tenantId: 'contoso.onmicrosoft.com',
      credential: { kind: 'secret', secret: 's3cret' },
      caFile: '/srv/tenants/ca.pem',
    });
  });

  it('an azure source with a certificate: the key file as one ${VAR} reference', () => {
    const thumbprint = '3A'.repeat(20);
    const settings: InitSettings = {
      ...SETTINGS,
      source: {
        type: 'azure',
        tenantId: 'contoso.onmicrosoft.com',
        clientId: '0c8a5f3e-7d2b-4b1e-9f6a-51c3d2e4a7b9',
        credential: { kind: 'certificate', keyFileEnv: 'ACME_GRAPH_KEY_FILE', thumbprint },
      },
    };
    const text = initDocument(tenantSkeleton(settings), listing([]));
    expect(text).toContain('    private_key_file: ${ACME_GRAPH_KEY_FILE}\n');
    const result = checkTenantText(text, 'acme.yaml', '/srv/tenants/acme.yaml', { ACME_GRAPH_KEY_FILE: '/run/secrets/acme.pem' }, permissivePolicy());
    expect(result.problems).toEqual([]);
    expect(result.config!.source).toMatchObject({ credential: { kind: 'certificate', privateKeyFile: '/run/secrets/acme.pem' } });
  });

  describe('hostile directory text', () => {
    const names = [
      ...Object.values(HOSTILE),
      'x\nevil: true',
      'x\r\nusers: { 00000000-0000-4000-8000-999999999999: { exclude: true } }',
      '"quoted": \'single\' # hash',
      '} { ] [ & * ! | > % @ `',
      '\n---\ntenant: evil\n...',
      'a\u0085NEL\u2028LS\u2029PS',
      'é'.repeat(5000),
      '\u{1F600}'.repeat(200),
    ];
    const users = names.map((name, i) => user(i + 1, name, `u${i}.${name.replace(/[^a-z]/gi, '').slice(0, 20) || 'x'}`));
    const text = initDocument(tenantSkeleton(SETTINGS), listing(users));

    it('no key appears that init did not write, and every override stays empty', () => {
      const parsed = parse(text) as Record<string, unknown>;
      expect(Object.keys(parsed)).toEqual(['tenant', 'domain', 'source', 'pbx', 'extensions', 'defaults', 'users', 'leavers']);
      expect(parsed.tenant).toBe('acme');
      expect(parsed.users).toEqual(Object.fromEntries(users.map((u) => [u.id, {}])));
      const { config, problems } = load(text);
      expect(problems).toEqual([]);
      expect(config!.users).toHaveLength(users.length);
    });

    it('each user is one line, with no raw control, format or separator character', () => {
      expect(firstUnsafe(text)).toBeNull();
      const lines = text.split('\n');
      for (const u of users) expect(lines.filter((l) => l.includes(u.id))).toEqual([expect.stringMatching(new RegExp(`^  ${u.id}: \\{\\} # `))]);
      expect(text).toContain('\\u{202e}gnp.exe\\u{202c}');
      expect(text).toContain('x\\u{a}evil: true');
      // one document, whatever a name says
      expect(text.split('\n').filter((l) => /^(---|\.\.\.)/.test(l))).toEqual([]);
    });

    it('long names are cut', () => {
      const long = text.split('\n').find((l) => l.includes(users[names.length - 2]!.id))!;
      expect(long).toContain(`${'é'.repeat(COMMENT_FIELD_MAX - 1)}…`);
      expect(long.length).toBeLessThan(300);
    });
  });
});

describe('init settings', () => {
  it('--set takes the type the schema gives the key', () => {
    expect(parseDefaultAssignment('area_code=0212')).toEqual({ key: 'area_code', value: '0212' });
    expect(parseDefaultAssignment('caller_id=+12125550100')).toEqual({ key: 'caller_id', value: '+12125550100' });
    expect(parseDefaultAssignment('dial_timeout=25')).toEqual({ key: 'dial_timeout', value: 25 });
    expect(parseDefaultAssignment('voicemail_to_email=false')).toEqual({ key: 'voicemail_to_email', value: false });
    expect(parseDefaultAssignment('business_hours=2025-01-01/2025-12-31')).toEqual({ key: 'business_hours', value: { from: '2025-01-01', to: '2025-12-31' } });
    expect(parseDefaultAssignment('forward_always=sip:a=b@acme.com')).toEqual({ key: 'forward_always', value: 'sip:a=b@acme.com' });
  });

  it('--set refuses unknown keys (with a suggestion), prototype keys and values of the wrong type', () => {
    expect(() => parseDefaultAssignment('langauge=en-US')).toThrow(/"langauge" is not a key of defaults/);
    expect(() => parseDefaultAssignment('__proto__=x')).toThrow(/not a key of defaults/);
    expect(() => parseDefaultAssignment('language')).toThrow(/not KEY=VALUE/);
    expect(() => parseDefaultAssignment('dial_timeout=soon')).toThrow(/whole number/);
    expect(() => parseDefaultAssignment('voicemail_to_email=yes')).toThrow(/true or false/);
  });

  it('a problem in the skeleton names the option it came from', () => {
    expect(optionAt(['domain'])).toBe('--domain');
    expect(optionAt(['extensions', 'start'])).toBe('--start');
    expect(optionAt(['source', 'scope', 'domains', 0])).toBe('--scope-domain');
    expect(optionAt(['defaults', 'language'])).toBe('--set language');
  });
});
