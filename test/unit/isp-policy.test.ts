/**
 * The ISP's policy over tenant files (PBXSYNC_ISP_CONFIG): which variables and where, which
 * hosts, CA files and folders; the ISP configuration's own checks; and that no message ever
 * shows what a reference expanded to.
 */
import { describe, expect, it } from 'vitest';
import { checkTenantText, type LoadResult } from '../../src/config/load-tenant.js';
import { DEFAULT_POLICY, hostAllowed, parseHostRule } from '../../src/policy/isp-policy.js';
import { IspConfigError, ispPolicyFromText } from '../../src/policy/load-isp-config.js';

const FILE = '/srv/tenants/acme/acme.yaml';
const SECRETS = {
  ACME_GRAPH_SECRET: 'gr4ph-s3cret-value',
  PBX_DB_PASSWORD: 'db-p4ssword-value',
  PBX_URL: 'postgres://sync:u4l-p4ss@db.example.net/pbx',
  ACME_TENANT: 'tenant-from-env.example',
  PBXSYNC_MASTER_KEY: 'bWFzdGVyLWtleS1zaG91bGQtbmV2ZXItbGVhaw==',
};

const isp = (yaml: string) => ispPolicyFromText(yaml, 'isp.yaml', '/etc/pbxsync/isp.yaml', {});
const ISP = isp(`
allow:
  env: [ACME_*, PBX_DB_PASSWORD, PBX_URL]
  env_in: [source.tenant_id]
  hosts:
    database: ["db.example.net", "*.pg.example.net:6432"]
  ca_files: [/etc/pbxsync/ca/]
  paths: [/var/lib/pbxsync]
`);

function tenant(extra: string, source = 'source: {type: snapshot, path: directory.json}'): string {
  return `tenant: acme\ndomain: acme.com\n${source}\npbx: {url: "sqlite:pbx.sqlite"}\nextensions: {start: 1000}\n${extra}`;
}

function azure(lines: string): string {
  return `source:\n  type: azure\n  tenant_id: acme.onmicrosoft.com\n  client_id: 0c8a5f3e-7d2b-4b1e-9f6a-51c3d2e4a7b9\n${lines.replace(/^/gm, '  ')}`;
}

const check = (text: string, policy = ISP, env: Record<string, string> = SECRETS): LoadResult => checkTenantText(text, 'acme.yaml', FILE, env, policy);
const errors = (r: LoadResult) => r.problems.filter((p) => p.severity === 'error').map((p) => `${p.line}:${p.col} ${p.message}`);
const shown = (r: LoadResult) => JSON.stringify(r.problems);

describe('environment variables in tenant files', () => {
  it('are refused everywhere without an ISP configuration, with a hint where the policy lives', () => {
    const r = check(tenant('', azure('client_secret: ${ACME_GRAPH_SECRET}')), DEFAULT_POLICY);
    expect(errors(r)).toEqual([
      '7:18 environment variable ACME_GRAPH_SECRET may not be used in a tenant file: no ISP configuration allows it (PBXSYNC_ISP_CONFIG is not set)',
    ]);
    expect(r.problems[0]?.hint).toMatch(/allow\.env/);
  });

  it('are taken in credentials and database passwords, for the variables the ISP allows', () => {
    const r = check(tenant('state: {url: "postgres://sync:${PBX_DB_PASSWORD}@db.example.net/pbxsync"}', azure('client_secret: ${ACME_GRAPH_SECRET}')));
    expect(errors(r)).toEqual([]);
    expect(r.config?.source).toMatchObject({ credential: { kind: 'secret', secret: 'gr4ph-s3cret-value' } });
    expect(r.config?.state.url).toBe('postgres://sync:db-p4ssword-value@db.example.net/pbxsync');
    expect(r.config?.labels.stateUrl).toBe('postgres://sync:${PBX_DB_PASSWORD}@db.example.net/pbxsync');
  });

  it('are refused in every value that reaches the PBX or a plan, and for variables the ISP does not list', () => {
    const r = check(
      tenant('defaults:\n  visual_plan: ${ACME_GRAPH_SECRET}\n  caller_id: "+1${ACME_X:-212}"\nusers:\n  bob@acme.com: {username: "${PBX_URL}"}'),
    );
    expect(errors(r)).toEqual([
      '7:16 defaults.visual_plan may not take its value from the environment',
      '8:14 defaults.caller_id may not take its value from the environment',
      '10:28 users.bob@acme.com.username may not take its value from the environment',
    ]);
    const other = check(tenant('', azure('client_secret: ${GITHUB_TOKEN}')));
    expect(errors(other)).toEqual([
      '7:18 environment variable GITHUB_TOKEN may not be used in a tenant file: the ISP configuration /etc/pbxsync/isp.yaml does not allow it',
    ]);
  });

  it("never expand pbxsync's own variables, even when the ISP lists them", () => {
    const lax = isp('allow:\n  env: ["PBXSYNC_*", PBXSYNC_MASTER_KEY]\n');
    expect(lax.env).toEqual({ names: new Set(['PBXSYNC_MASTER_KEY']), prefixes: ['PBXSYNC_'] });
    expect(() => isp('allow:\n  env: ["*"]\n')).toThrow(/allow\.env\[0\] must match the pattern/);
    const r = check(tenant('', azure('client_secret: ${PBXSYNC_MASTER_KEY}')), lax);
    expect(errors(r)).toEqual(["7:18 environment variable PBXSYNC_MASTER_KEY is pbxsync's own and can never be used in a tenant file"]);
    expect(shown(r)).not.toContain(SECRETS.PBXSYNC_MASTER_KEY);
  });

  it('want a secret as exactly one reference without a literal default, and no password written in a URL', () => {
    expect(errors(check(tenant('', azure('client_secret: ${ACME_UNSET:-literal}'))))).toEqual([
      '7:18 source.client_secret must be exactly one ${NAME}, without a default: a secret must come from the environment',
    ]);
    expect(errors(check(tenant('', azure('client_secret: "x${ACME_GRAPH_SECRET}"'))))).toEqual([
      '7:18 source.client_secret must be exactly one ${NAME}, without a default: a secret must come from the environment',
    ]);
    expect(errors(check(tenant('', azure('client_secret: literal-secret'))))).toEqual([
      '7:18 source.client_secret is written in the file; it must come from the environment',
    ]);
    expect(errors(check(tenant('state: {url: "postgres://sync:hunter2@db.example.net/x"}')))).toEqual([
      '6:14 state.url holds a password written in the file; it must come from the environment',
    ]);
    expect(errors(check(tenant('state: {url: "postgres://${ACME_USER}:${PBX_DB_PASSWORD}@db.example.net/x"}')))).toEqual([
      '6:14 state.url may take only its password from the environment',
    ]);
    expect(errors(check(tenant('state: {url: "postgres://sync:${PBX_DB_PASSWORD:-pw}@db.example.net/x"}')))).toEqual([
      '6:14 state.url holds a password written in the file; it must come from the environment',
    ]);
  });

  it('take a key the ISP allows (env_in) from the environment, and no message shows its value', () => {
    const r = check(tenant('', azure('tenant_id: ${ACME_TENANT}\nclient_secret: ${ACME_GRAPH_SECRET}').replace('  tenant_id: acme.onmicrosoft.com\n', '')));
    expect(errors(r)).toEqual([]);
    expect(r.config?.source).toMatchObject({ tenantId: 'tenant-from-env.example', labels: { tenantId: '${ACME_TENANT}' } });
    const bad = check(tenant('', azure('tenant_id: ${ACME_TENANT}').replace('  tenant_id: acme.onmicrosoft.com\n', '')), ISP, {
      ...SECRETS,
      ACME_TENANT: 'common',
    });
    expect(errors(bad)).toEqual(["6:14 source.tenant_id '${ACME_TENANT}' is a multi-tenant alias; pbxsync signs in to one customer's directory"]);
  });
});

describe('destinations', () => {
  it("allow only Microsoft's public clouds by default, and the ISP's hosts otherwise", () => {
    expect(
      errors(check(tenant('', azure('authority_host: https://login.microsoftonline.us\ngraph_endpoint: https://graph.microsoft.us')), DEFAULT_POLICY, {})),
    ).toEqual([]);
    const r = check(tenant('', azure('authority_host: https://attacker.example:8443\ngraph_endpoint: https://graph.attacker.example')), DEFAULT_POLICY, {});
    expect(errors(r)).toEqual([
      "7:19 source.authority_host attacker.example:8443 is not allowed by pbxsync's defaults (no ISP configuration: PBXSYNC_ISP_CONFIG is not set)",
      "8:19 source.graph_endpoint graph.attacker.example is not allowed by pbxsync's defaults (no ISP configuration: PBXSYNC_ISP_CONFIG is not set)",
    ]);
  });

  it('allow a CA file, a database server and a folder only when the ISP lists them', () => {
    expect(errors(check(tenant('', azure('ca_file: /etc/pbxsync/ca/emulator.pem'))))).toEqual([]);
    expect(errors(check(tenant('', azure('ca_file: /tmp/pr-ca.pem'))))).toEqual([
      '7:12 source.ca_file /tmp/pr-ca.pem is not a certificate authority the ISP configuration /etc/pbxsync/isp.yaml allows',
    ]);
    expect(errors(check(tenant('state: {url: "postgres://sync:${PBX_DB_PASSWORD}@a.pg.example.net:6432/x"}')))).toEqual([]);
    expect(errors(check(tenant('state: {url: "postgres://sync:${PBX_DB_PASSWORD}@a.pg.example.net/x"}')))).toEqual([
      '6:14 state.url names the database server a.pg.example.net:5432, which the ISP configuration /etc/pbxsync/isp.yaml does not allow',
    ]);
    expect(errors(check(tenant('spreadsheet: {path: /var/lib/pbxsync/acme.xlsx}')))).toEqual([]);
    expect(errors(check(tenant('spreadsheet: {path: ../globex/globex-credentials.xlsx}')))).toEqual([
      "6:21 spreadsheet.path names /srv/tenants/globex/globex-credentials.xlsx, outside the tenant file's folder, which the ISP configuration /etc/pbxsync/isp.yaml does not allow",
    ]);
  });

  it('name a database server that came from the environment by its reference only', () => {
    const envUrl = isp('allow:\n  env: [PBX_URL]\n  env_in: [pbx.url]\n');
    const r = check(tenant('').replace('pbx: {url: "sqlite:pbx.sqlite"}', 'pbx: {url: "${PBX_URL}"}'), envUrl);
    expect(errors(r)).toEqual(['4:12 pbx.url names the database server (${PBX_URL}), which the ISP configuration /etc/pbxsync/isp.yaml does not allow']);
    expect(shown(r)).not.toMatch(/db\.example\.net|u4l-p4ss/);
  });

  it('match hosts, ports and wildcards exactly', () => {
    const rules = ['db.example.net', '*.pg.example.net:*', '[::1]:5432'].map(parseHostRule);
    expect(hostAllowed(rules, 'db.example.net', 5432, 5432)).toBe(true);
    expect(hostAllowed(rules, 'DB.example.net.', 5432, 5432)).toBe(true);
    expect(hostAllowed(rules, 'db.example.net', 5433, 5432)).toBe(false);
    expect(hostAllowed(rules, 'evil-db.example.net', 5432, 5432)).toBe(false);
    expect(hostAllowed(rules, 'x.pg.example.net', 1, 5432)).toBe(true);
    expect(hostAllowed(rules, 'pg.example.net', 5432, 5432)).toBe(false);
    expect(hostAllowed(rules, '[::1]', 5432, 5432)).toBe(true);
  });
});

describe('the ISP configuration itself', () => {
  it('is checked against its schema, with positions', () => {
    const error = (() => {
      try {
        isp('allow:\n  env: [ACME_*]\n  hosts:\n    databse: [db]\nfiles:\n  pbx_mode: "0644"\n');
      } catch (e) {
        return e;
      }
    })() as IspConfigError;
    expect(error).toBeInstanceOf(IspConfigError);
    expect(error.problems.map((p) => `${p.line}:${p.col} ${p.message}`)).toEqual([
      "4:5 unknown property 'databse' in allow.hosts",
      "6:13 files.pbx_mode must be one of 0600, 0640, 0660 (got '0644')",
    ]);
  });

  it('refuses keys that touch prototypes, in it as in tenant files', () => {
    expect(() => isp('__proto__:\n  allow: {env: ["*"]}\n')).toThrow(/the key '__proto__' is not allowed/);
    const r = check(tenant('__proto__: {leavers: delete}\nconstructor: {x: 1}'));
    expect(errors(r)).toEqual(["6:1 the key '__proto__' is not allowed", "7:1 the key 'constructor' is not allowed"]);
    expect(({} as Record<string, unknown>).leavers).toBeUndefined();
  });
});
