import { writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, it, expect } from 'vitest';
import { checkTenantText, loadTenant, loadTenantOrThrow, TenantFileError, type LoadResult } from '../../src/config/load-tenant.js';
import { formatProblem, type Problem } from '../../src/config/problem.js';
import { overridesMatchingNobody } from '../../src/config/semantic-rules.js';
import { UserError } from '../../src/errors.js';
import type { DirectoryUser } from '../../src/model/directory-user.js';
import { permissivePolicy } from '../support/isp.js';
import { tempDir } from '../support/tmp.js';

const FILE = '/srv/tenants/acme/acme.yaml';
const DIR = '/srv/tenants/acme';

const MINIMAL = `tenant: acme
domain: Acme.COM
source: {type: snapshot, path: directory.json}
pbx: {url: "sqlite:pbx.sqlite"}
extensions: {start: 1000}
`;

/** Under a policy that allows every reference: these tests are about the other layers. */
function check(text: string, env: Record<string, string> = {}): LoadResult {
  return checkTenantText(text, 'acme.yaml', FILE, env, permissivePolicy());
}

/** `line:col message` of every error, for exact comparisons. */
function errors(r: LoadResult): string[] {
  return r.problems.filter((p) => p.severity === 'error').map((p) => `${p.line}:${p.col} ${p.message}`);
}

function only(r: LoadResult): Problem {
  expect(r.config).toBeUndefined();
  expect(r.problems, r.problems.map(formatProblem).join('\n')).toHaveLength(1);
  return r.problems[0]!;
}

describe('loadTenant: valid files', () => {
  it('normalises a minimal file, filling every default', () => {
    const { config, problems } = check(MINIMAL);
    expect(problems).toEqual([]);
    expect(config).toEqual({
      file: FILE,
      name: 'acme',
      domain: 'acme.com',
      source: {
        type: 'snapshot',
        path: `${DIR}/directory.json`,
        scope: { enabledOnly: true, membersOnly: true, domains: [] },
      },
      pbx: { url: `sqlite:${DIR}/pbx.sqlite` },
      extensions: { start: 1000, reserved: [], reuse: 'never' },
      defaults: {},
      users: [],
      leavers: 'disable',
      safety: { maxRemoveShare: 0.3, maxUpdateShare: 0.5, minExisting: 10 },
      spreadsheet: {
        path: `${DIR}/acme-credentials.xlsx`,
        phoneSetup: { registrar: 'acme.com', transport: 'udp', port: 5060 },
        encryptTo: [],
      },
      phones: { path: `${DIR}/acme-phones` },
      welcome: { onApply: false, subject: 'Your phone account at acme' },
      cards: { folder: `${DIR}/acme-cards`, paper: 'A4', afterApply: false },
      state: { url: `file:${DIR}/acme.pbxsync-state.json` },
      credentials: { storePlaintext: false },
      labels: { pbxUrl: 'sqlite:pbx.sqlite', stateUrl: 'file:acme.pbxsync-state.json' },
    });
  });

  it('normalises a full file', () => {
    const text = `tenant: acme-corp
domain: acme.com
source:
  type: azure
  tenant_id: \${AZ_TENANT}
  client_id: 11111111-2222-3333-4444-555555555555
  graph_endpoint: https://graph.microsoft.us/
  groups: [Phones, Sales]
  scope: {enabled_only: false, members_only: false, domains: [Acme.com, acme.de]}
pbx: {url: "postgres://pbx@db/kamailio"}
extensions:
  start: 100
  end: 199
  reserved: [150, "190-199"]
  reuse: after-delete
defaults:
  voicemail_to_email: true
  language: en-US
  max_concurrent_calls: 2
  business_hours: {from: 2025-01-01, to: 2025-12-31}
users:
  Bob@Acme.com:
    extension: 101
    exclude: false
    adopt: true
    username: bobby
    email: bob@example.org
    generation: 2
    caller_id: "+12125550100"
    dial_timeout: 30
  AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE:
    exclude: true
leavers: delete
safety: {max_remove_share: 0.1, max_update_share: 1, min_existing: 0}
spreadsheet:
  path: ../out/acme.xlsx
  phone_setup: {transport: tls, outbound_proxy: sbc.voip.example:5061}
state: {url: "file:/var/lib/pbxsync/acme.json"}
credentials: {store_plaintext: true}
`;
    const { config, problems } = check(text, { AZ_TENANT: 'contoso.onmicrosoft.com' });
    expect(problems).toEqual([]);
    expect(config).toMatchObject({
      name: 'acme-corp',
      source: {
        type: 'azure',
        tenantId: 'contoso.onmicrosoft.com',
        clientId: '11111111-2222-3333-4444-555555555555',
        authorityHost: 'https://login.microsoftonline.com',
        graphEndpoint: 'https://graph.microsoft.us',
        groups: ['Phones', 'Sales'],
        scope: { enabledOnly: false, membersOnly: false, domains: ['acme.com', 'acme.de'] },
      },
      pbx: { url: 'postgres://pbx@db/kamailio' },
      extensions: {
        start: 100,
        end: 199,
        reserved: [
          { from: 150, to: 150 },
          { from: 190, to: 199 },
        ],
        reuse: 'after-delete',
      },
      defaults: {
        voicemail_to_email: true,
        language: 'en-US',
        max_concurrent_calls: 2,
        business_hours: '2025-01-01/2025-12-31',
      },
      leavers: 'delete',
      safety: { maxRemoveShare: 0.1, maxUpdateShare: 1, minExisting: 0 },
      spreadsheet: {
        path: '/srv/tenants/out/acme.xlsx',
        phoneSetup: { registrar: 'acme.com', outboundProxy: 'sbc.voip.example:5061', transport: 'tls', port: 5061 },
        encryptTo: [],
      },
      phones: { path: `${DIR}/acme-corp-phones` },
      welcome: { onApply: false, subject: 'Your phone account at acme-corp' },
      state: { url: 'file:/var/lib/pbxsync/acme.json' },
      credentials: { storePlaintext: true },
    });
    expect(config?.users).toEqual([
      {
        match: { by: 'upn', value: 'bob@acme.com' },
        exclude: false,
        adopt: true,
        extension: 101,
        username: 'bobby',
        email: 'bob@example.org',
        generation: 2,
        phones: [],
        fields: { caller_id: '+12125550100', dial_timeout: 30 },
        path: ['users', 'Bob@Acme.com'],
      },
      {
        match: { by: 'id', value: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' },
        exclude: true,
        adopt: false,
        phones: [],
        fields: {},
        path: ['users', 'AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE'],
      },
    ]);
  });

  it('defaults the phone port from the transport', () => {
    const port = (transport: string) => check(`${MINIMAL}spreadsheet: {phone_setup: {transport: ${transport}}}\n`).config?.spreadsheet.phoneSetup.port;
    expect([port('udp'), port('tcp'), port('tls'), port('wss')]).toEqual([5060, 5060, 5061, 443]);
  });

  it('keeps sqlite :memory: and absolute sqlite paths as they are', () => {
    const url = (u: string) => check(MINIMAL.replace('sqlite:pbx.sqlite', u)).config?.pbx.url;
    expect(url('sqlite::memory:')).toBe('sqlite::memory:');
    expect(url('sqlite:/var/db/pbx.sqlite')).toBe('sqlite:/var/db/pbx.sqlite');
    expect(url('sqlite:../db/pbx.sqlite')).toBe('sqlite:/srv/tenants/db/pbx.sqlite');
  });

  it('reads the file from disk and resolves paths against its folder', async () => {
    const dir = tempDir('pbxsync-load-');
    try {
      const path = join(dir, 'acme.yaml');
      await writeFile(path, MINIMAL);
      const shown = relative(process.cwd(), path);
      const { config, problems } = await loadTenant(shown, {});
      expect(problems).toEqual([]);
      expect(config?.file).toBe(path);
      expect(config?.source).toMatchObject({ path: join(dir, 'directory.json') });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('loadTenant: one error of each kind, with its position', () => {
  const cases: [string, string, string][] = [
    [
      'YAML syntax',
      MINIMAL.replace('pbx: {url: "sqlite:pbx.sqlite"}', 'pbx: {url: "sqlite:pbx.sqlite"'),
      '5:1 invalid YAML: Flow map in block collection must be sufficiently indented and end with a }',
    ],
    ['duplicate key', `${MINIMAL}tenant: other\n`, "6:1 duplicate key 'tenant'"],
    [
      'duplicate user key',
      `${MINIMAL}users:\n  00000000-0000-4000-8000-000000000001: {}\n  a@acme.com: {}\n  00000000-0000-4000-8000-000000000001: { exclude: true }\n`,
      "9:3 duplicate key '00000000-0000-4000-8000-000000000001'",
    ],
    ['duplicate key in a flow mapping', MINIMAL.replace('{start: 1000}', '{start: 1000, end: 1999, start: 1001}'), "5:38 duplicate key 'start'"],
    ['unknown top-level property', `${MINIMAL}leaver: keep\n`, "6:1 unknown property 'leaver'"],
    ['unknown user property', `${MINIMAL}users:\n  bob@acme.com:\n    extention: 1001\n`, "8:5 unknown property 'extention' in users.bob@acme.com"],
    ['wrong type', MINIMAL.replace('{start: 1000}', '{start: abc}'), "5:21 extensions.start must be a whole number (got 'abc')"],
    ['missing required at the root', MINIMAL.replace('domain: Acme.COM\n', ''), "1:1 missing required property 'domain'"],
    [
      'missing required in a mapping',
      MINIMAL.replace('extensions: {start: 1000}', 'extensions:\n  end: 1999'),
      "6:3 missing required property 'start' in extensions",
    ],
    ['bad enum', `${MINIMAL}leavers: remove\n`, "6:10 leavers must be one of disable, delete, keep (got 'remove')"],
    ['bad source type', MINIMAL.replace('type: snapshot', 'type: ldap'), "3:16 source.type must be one of snapshot, azure (got 'ldap')"],
    ['snapshot source without path', MINIMAL.replace(', path: directory.json', ''), "3:9 missing required property 'path' in source"],
    [
      'tenant name pattern',
      MINIMAL.replace('tenant: acme', 'tenant: Acme Corp'),
      '1:9 tenant must be 1-63 lower-case letters, digits, "-" or "_", starting with a letter or digit (e.g. acme) (got \'Acme Corp\')',
    ],
    [
      'username pattern',
      `${MINIMAL}users:\n  bob@acme.com: {username: Bob}\n`,
      '7:28 users.bob@acme.com.username may only contain a-z, 0-9, ".", "_" and "-" (1-64 characters) (got \'Bob\')',
    ],
    [
      'reserved item',
      MINIMAL.replace('{start: 1000}', '{start: 1000, reserved: [1900-1999, ten]}'),
      "5:49 extensions.reserved[1] must be a number or a range like 1900-1999 (got 'ten')",
    ],
    ['number out of bounds', `${MINIMAL}safety: {max_remove_share: 2}\n`, '6:28 safety.max_remove_share must be at most 1 (got 2)'],
    [
      'pinned extension outside the range',
      `${MINIMAL.replace('{start: 1000}', '{start: 1000, end: 1099}')}users:\n  bob@acme.com: {extension: 2000}\n`,
      '7:29 extension 2000 of users.bob@acme.com is outside the range 1000-1099',
    ],
    [
      'pinned extension below an open range',
      `${MINIMAL}users:\n  bob@acme.com: {extension: 999}\n`,
      '7:29 extension 999 of users.bob@acme.com is outside the range 1000 and up',
    ],
    [
      'pinned extension on a reserved number',
      `${MINIMAL.replace('{start: 1000}', '{start: 1000, reserved: [1001]}')}users:\n  bob@acme.com: {extension: 1001}\n`,
      '7:29 extension 1001 of users.bob@acme.com is reserved (1001)',
    ],
    [
      'duplicate pinned extension',
      `${MINIMAL}users:\n  a@acme.com: {extension: 1001}\n  b@acme.com: {extension: 1001}\n`,
      '8:27 extension 1001 of users.b@acme.com is already pinned to users.a@acme.com',
    ],
    [
      'reserved range backwards',
      MINIMAL.replace('{start: 1000}', '{start: 1000, reserved: ["1999-1900"]}'),
      '5:38 reserved range 1999-1900 starts after it ends',
    ],
    ['single-label domain', MINIMAL.replace('Acme.COM', 'localhost'), "2:9 domain 'localhost' must have at least one dot (e.g. acme.com)"],
    ['domain with a trailing dot', MINIMAL.replace('Acme.COM', 'acme.com.'), "2:9 domain 'acme.com.' must not end with a dot"],
    ['unset variable', MINIMAL.replace('"sqlite:pbx.sqlite"', '"${PBX_DB_URL}"'), '4:12 environment variable PBX_DB_URL is not set'],
    ['users key neither UPN nor id', `${MINIMAL}users:\n  bob: {exclude: true}\n`, "7:3 users key 'bob' is neither a UPN nor an object id"],
    [
      'same UPN twice',
      `${MINIMAL}users:\n  bob@acme.com: {exclude: true}\n  Bob@Acme.com: {adopt: true}\n`,
      '8:3 users.Bob@Acme.com names the same user as users.bob@acme.com',
    ],
    ['end below start', MINIMAL.replace('{start: 1000}', '{start: 1000, end: 999}'), '5:32 extensions.end (999) is below extensions.start (1000)'],
  ];
  it.each(cases)('%s', (_name, text, expected) => {
    const r = check(text);
    expect(r.config).toBeUndefined();
    expect(errors(r)).toEqual([expected]);
  });

  it('hints at the property meant', () => {
    expect(only(check(`${MINIMAL}leaver: keep\n`)).hint).toBe("did you mean 'leavers'?");
    expect(only(check(MINIMAL.replace('type: snapshot', 'type: snapshop'))).hint).toBe("did you mean 'snapshot'?");
  });

  it('reports only the errors of the source branch named by source.type', () => {
    const text = MINIMAL.replace('{type: snapshot, path: directory.json}', '{type: azure, client_id: x, paht: y}');
    expect(errors(check(text))).toEqual(["3:9 missing required property 'tenant_id' in source", "3:37 unknown property 'paht' in source"]);
  });

  it('points at the second of two equal list items', () => {
    const text = MINIMAL.replace('path: directory.json', 'path: d.json, scope: {domains: [acme.com, acme.de, acme.com]}');
    expect(errors(check(text))).toEqual(['3:77 source.scope.domains lists the same value twice (items 0 and 2)']);
  });

  it('points at the key when a value is missing', () => {
    expect(errors(check(MINIMAL.replace('pbx: {url: "sqlite:pbx.sqlite"}', 'pbx:')))).toEqual(['4:1 pbx must be a mapping (got nothing)']);
  });

  it('warns about a reserved range outside the extension range, and still loads', () => {
    const r = check(MINIMAL.replace('{start: 1000}', '{start: 1000, end: 1999, reserved: ["100-199"]}'));
    expect(r.config).toBeDefined();
    expect(r.problems.map((p) => `${p.severity} ${p.line}:${p.col} ${p.message}`)).toEqual([
      'warning 5:49 reserved 100-199 lies outside the extension range 1000-1999 and has no effect',
    ]);
  });
});

describe('loadTenant: many problems at once', () => {
  it('reports every schema error, sorted by position', () => {
    const text = `tenant: Acme
domain: acme.com
source: {type: snapshot, path: directory.json, scope: {enabled_only: maybe}}
pbx: {}
extensions: {start: 0, reuse: sometimes}
defaults: {langauge: en, dial_timeout: 1}
users:
  bob@acme.com: {extention: 1, email: nope}
`;
    expect(errors(check(text))).toEqual([
      '1:9 tenant must be 1-63 lower-case letters, digits, "-" or "_", starting with a letter or digit (e.g. acme) (got \'Acme\')',
      "3:70 source.scope.enabled_only must be true or false (got 'maybe')",
      "4:6 missing required property 'url' in pbx",
      '5:21 extensions.start must be at least 1 (got 0)',
      "5:31 extensions.reuse must be one of never, after-delete (got 'sometimes')",
      "6:12 unknown property 'langauge' in defaults",
      '6:40 defaults.dial_timeout must be at least 5 (got 1)',
      "8:18 unknown property 'extention' in users.bob@acme.com",
      "8:39 users.bob@acme.com.email must be an email address (got 'nope')",
    ]);
  });

  it('reports every semantic error and the earlier layers\u2019 warnings', () => {
    const text = `${MINIMAL.replace('Acme.COM', 'acme').replace('{start: 1000}', '{start: 1000, end: 10, reserved: ["9-1"]}')}users:
  bob: {}
  a@acme.com: {extension: 5}
`;
    expect(errors(check(text))).toEqual([
      "2:9 domain 'acme' must have at least one dot (e.g. acme.com)",
      '5:32 extensions.end (10) is below extensions.start (1000)',
      '5:47 reserved range 9-1 starts after it ends',
      "7:3 users key 'bob' is neither a UPN nor an object id",
      '8:27 extension 5 of users.a@acme.com is outside the range 1000-10',
    ]);
  });

  it('reports an unset variable together with schema errors elsewhere, without noise from the variable', () => {
    const text = MINIMAL.replace('"sqlite:pbx.sqlite"', '"${PBX_DB_URL}"').replace('tenant: acme', 'tenant: ACME');
    expect(errors(check(text)).map((e) => e.split(' ').slice(0, 3).join(' '))).toEqual(['1:9 tenant must', '4:12 environment variable']);
  });
});

describe('environment variables', () => {
  const url = (value: string, env: Record<string, string>) =>
    check(
      MINIMAL.replace('"sqlite:pbx.sqlite"', () => JSON.stringify(value)),
      env,
    );

  it('expands ${VAR} anywhere in a string', () => {
    const r = url('postgres://pbx:${PW}@${HOST}/kamailio', { PW: 's3cret', HOST: 'db' });
    expect(r.config?.pbx.url).toBe('postgres://pbx:s3cret@db/kamailio');
  });

  it('uses the default when the variable is unset or empty', () => {
    expect(url('sqlite:${DB:-pbx.db}', {}).config?.pbx.url).toBe(`sqlite:${DIR}/pbx.db`);
    expect(url('sqlite:${DB:-pbx.db}', { DB: '' }).config?.pbx.url).toBe(`sqlite:${DIR}/pbx.db`);
    expect(url('sqlite:${DB:-pbx.db}', { DB: 'x.db' }).config?.pbx.url).toBe(`sqlite:${DIR}/x.db`);
  });

  it('keeps $${ as a literal ${', () => {
    expect(url('postgres://db/$${x}', {}).config?.pbx.url).toBe('postgres://db/${x}');
  });

  it('reports an unset variable at its scalar, with a hint', () => {
    const p = only(url('${PBX_DB_URL}', {}));
    expect(formatProblem(p)).toBe(
      'acme.yaml:4:12: error: environment variable PBX_DB_URL is not set\n' + '  hint: set PBX_DB_URL, or give a default with ${PBX_DB_URL:-value}',
    );
  });

  it('reports a malformed reference', () => {
    expect(only(url('sqlite:${1DB}', {})).message).toBe('malformed ${...} reference');
  });

  it('refuses a reference where no value may come from the environment, even when the ISP allows the variable', () => {
    const r = check(MINIMAL.replace('{start: 1000}', '{start: "${START}"}'), { START: '1000' });
    expect(only(r)).toMatchObject({ line: 5, col: 21, message: 'extensions.start may not take its value from the environment' });
  });

  it('does not expand keys or comments', () => {
    const r = check(`# \${NOPE}\n${MINIMAL}users:\n  \${X}@acme.com: {exclude: true}\n`);
    expect(r.problems).toEqual([]);
    expect(r.config?.users[0]?.match.value).toBe('${x}@acme.com');
  });
});

describe('no exception escapes for user errors', () => {
  const inputs: [string, string][] = [
    ['an empty file', ''],
    ['a comment only', '# nothing\n'],
    ['a scalar', 'hello\n'],
    ['a list', '- a\n- b\n'],
    ['binary junk', '\u0000\u0001\u00ff{[}\n'],
    ['two documents', `${MINIMAL}---\n${MINIMAL}`],
    [
      'an alias bomb',
      'a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n',
    ],
    ['a non-string key', `${MINIMAL}users:\n  [a, b]: {}\n`],
  ];
  it.each(inputs)('%s gives problems, not a throw', (_name, text) => {
    const r = check(text);
    expect(r.config).toBeUndefined();
    expect(errors(r).length).toBeGreaterThan(0);
  });

  it('says the root must be a mapping', () => {
    expect(errors(check(''))).toEqual(['1:1 the tenant file must be a mapping (got nothing)']);
  });

  it('reports a missing file at 1:1 with a hint', async () => {
    const r = await loadTenant('no/such/tenant.yaml', {});
    const p = only(r);
    expect(p).toMatchObject({ file: 'no/such/tenant.yaml', line: 1, col: 1, severity: 'error' });
    expect(p.message).toMatch(/^cannot read tenant file: ENOENT/);
    expect(p.hint).toMatch(/check the path/);
  });

  it('reports a folder instead of a file', async () => {
    const p = only(await loadTenant(tmpdir(), {}));
    expect(p.message).toMatch(/^cannot read tenant file: EISDIR/);
  });

  it('throws a TenantFileError (a UserError) only when asked to', async () => {
    const err = await loadTenantOrThrow('no/such/tenant.yaml', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TenantFileError);
    expect(err).toBeInstanceOf(UserError);
    expect((err as TenantFileError).problems).toHaveLength(1);
    expect((err as TenantFileError).message).toMatch(/^no\/such\/tenant\.yaml:1:1: error: cannot read tenant file/);
  });
});

describe('overridesMatchingNobody', () => {
  const user = (id: string, upn: string): DirectoryUser => ({
    id,
    userPrincipalName: upn,
    displayName: upn,
    mail: upn,
    accountEnabled: true,
    userType: 'Member',
    department: null,
  });

  it('warns at the key of each override that names nobody', () => {
    const text = `${MINIMAL}users:
  Bob@acme.com: {exclude: true}
  carol@acme.com: {exclude: true}
  0f8fad5b-d9cb-469f-a165-70867728950e: {adopt: true}
  7c9e6679-7425-40de-944b-e07fc1f90ae7: {adopt: true}
`;
    const { config } = check(text);
    const warnings = overridesMatchingNobody(config!, [user('0F8FAD5B-D9CB-469F-A165-70867728950E', 'someone@acme.com'), user('1', 'bob@ACME.com')]);
    expect(warnings.map((w) => `${w.file}:${w.line}:${w.col}: ${w.severity}: ${w.message}`)).toEqual([
      'acme.yaml:8:3: warning: users.carol@acme.com matches no directory user',
      'acme.yaml:10:3: warning: users.7c9e6679-7425-40de-944b-e07fc1f90ae7 matches no directory user',
    ]);
  });
});
