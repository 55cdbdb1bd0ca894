import { describe, expect, it } from 'vitest';
import { checkTenantText, type LoadResult } from '../../src/config/load-tenant.js';
import { adminConsentUrl } from '../../src/directory/azure/consent.js';
import { permissivePolicy } from '../support/isp.js';

const FILE = '/srv/tenants/acme/acme.yaml';

function tenant(source: string): string {
  return `tenant: acme
domain: acme.com
source:
  type: azure
  tenant_id: 3f2504e0-4f89-41d3-9a0c-0305e82c3301
  client_id: 0c8a5f3e-7d2b-4b1e-9f6a-51c3d2e4a7b9
${source.replace(/^/gm, '  ')}
pbx: {url: "sqlite:pbx.sqlite"}
extensions: {start: 1000}
`;
}

/** Under a policy that allows every reference and host: these tests are about the azure source itself. */
const check = (text: string, env: Record<string, string> = {}): LoadResult => checkTenantText(text, 'acme.yaml', FILE, env, permissivePolicy());
const errors = (r: LoadResult) => r.problems.filter((p) => p.severity === 'error').map((p) => `${p.line}:${p.col} ${p.message}`);

describe('azure source config', () => {
  it('takes the client secret from the environment and fills the defaults', () => {
    const { config, problems } = check(tenant('client_secret: ${ACME_GRAPH_SECRET}'), { ACME_GRAPH_SECRET: 's3cret' });
    expect(problems).toEqual([]);
    expect(config!.source).toEqual({
      type: 'azure',
      tenantId: '3f2504e0-4f89-41d3-9a0c-0305e82c3301',
      clientId: '0c8a5f3e-7d2b-4b1e-9f6a-51c3d2e4a7b9',
      labels: { tenantId: '3f2504e0-4f89-41d3-9a0c-0305e82c3301', clientId: '0c8a5f3e-7d2b-4b1e-9f6a-51c3d2e4a7b9' },
      authorityHost: 'https://login.microsoftonline.com',
      graphEndpoint: 'https://graph.microsoft.com',
      groups: [],
      scope: { enabledOnly: true, membersOnly: true, domains: [] },
      credential: { kind: 'secret', secret: 's3cret' },
      delta: true,
      maxWaitMs: 120_000,
      requestTimeoutMs: 60_000,
    });
  });

  it('refuses a client secret written in the file, without repeating it', () => {
    const r = check(tenant('client_secret: hunter2-literal'));
    expect(errors(r)).toEqual(['7:18 source.client_secret is written in the file; it must come from the environment']);
    expect(JSON.stringify(r.problems)).not.toContain('hunter2-literal');
    expect(r.problems[0]!.hint).toMatch(/\$\{ACME_GRAPH_SECRET\}/);
  });

  it('reads a certificate credential (paths relative to the file), national cloud hosts, CA file and limits', () => {
    const { config, problems } = check(
      tenant(`certificate: {private_key_file: keys/app.pem, thumbprint: ABCDEF0123456789ABCDEF0123456789ABCDEF01}
authority_host: https://login.microsoftonline.us/
graph_endpoint: https://graph.microsoft.us
ca_file: ca.pem
delta: false
max_wait_seconds: 30
request_timeout_seconds: 5.5
groups: [Phones]`),
    );
    expect(problems).toEqual([]);
    expect(config!.source).toMatchObject({
      credential: { kind: 'certificate', privateKeyFile: '/srv/tenants/acme/keys/app.pem', thumbprint: 'abcdef0123456789abcdef0123456789abcdef01' },
      authorityHost: 'https://login.microsoftonline.us',
      graphEndpoint: 'https://graph.microsoft.us',
      caFile: '/srv/tenants/acme/ca.pem',
      delta: false,
      maxWaitMs: 30_000,
      requestTimeoutMs: 5500,
      groups: ['Phones'],
    });
  });

  it('refuses a secret and a certificate together, and a malformed thumbprint', () => {
    const both = check(tenant('client_secret: ${S}\ncertificate: {private_key_file: k.pem, thumbprint: ABCDEF0123456789ABCDEF0123456789ABCDEF01}'), { S: 'x' });
    expect(errors(both)).toEqual(['8:3 give either source.client_secret or source.certificate, not both']);
    const bad = check(tenant('certificate: {private_key_file: k.pem, thumbprint: xyz}'));
    expect(errors(bad)).toHaveLength(1);
    expect(errors(bad)[0]).toMatch(/thumbprint/);
  });

  it('wants https hosts without a path for the authority and Graph', () => {
    const r = check(tenant('client_secret: ${S}\nauthority_host: http://127.0.0.1:8443\ngraph_endpoint: https://graph.example/v1.0'), { S: 'x' });
    expect(errors(r)).toEqual(['8:19 source.authority_host must be an https:// URL', '9:19 source.graph_endpoint must be scheme://host[:port] without a path']);
  });

  it.each(['common', 'organizations', 'consumers', 'Common', 'ORGANIZATIONS'])('refuses the multi-tenant alias tenant_id: %s at source.tenant_id', (alias) => {
    const r = check(tenant('client_secret: ${S}').replace(/tenant_id: \S+/, `tenant_id: ${alias}`), { S: 'x' });
    expect(errors(r)).toEqual([`5:14 source.tenant_id '${alias.toLowerCase()}' is a multi-tenant alias; pbxsync signs in to one customer's directory`]);
    expect(r.problems[0]!.hint).toBe(
      "use the customer's directory (tenant) id or one of its verified domains; `common` is only for interactive multi-tenant sign-in",
    );
  });

  it('refuses an alias that comes from the environment without echoing any other value', () => {
    const r = check(tenant('client_secret: ${S}').replace(/tenant_id: \S+/, 'tenant_id: ${ACME_TENANT}'), {
      S: 'hunter2-from-env',
      ACME_TENANT: 'Organizations',
    });
    expect(errors(r)).toEqual(["5:14 source.tenant_id 'organizations' is a multi-tenant alias; pbxsync signs in to one customer's directory"]);
    expect(JSON.stringify(r.problems)).not.toMatch(/hunter2|Organizations/);
  });

  it('takes a tenant id or a domain that merely contains an alias word', () => {
    for (const id of ['common.onmicrosoft.com', 'organizations-inc.com', '3f2504e0-4f89-41d3-9a0c-0305e82c3301']) {
      expect(errors(check(tenant('client_secret: ${S}').replace(/tenant_id: \S+/, `tenant_id: ${id}`), { S: 'x' }))).toEqual([]);
    }
  });

  it('builds the admin consent URL the way Microsoft documents it', () => {
    expect(
      adminConsentUrl({
        authorityHost: 'https://login.microsoftonline.com',
        tenantId: 'acme.onmicrosoft.com',
        clientId: '0c8a5f3e-7d2b-4b1e-9f6a-51c3d2e4a7b9',
      }),
    ).toBe('https://login.microsoftonline.com/acme.onmicrosoft.com/adminconsent?client_id=0c8a5f3e-7d2b-4b1e-9f6a-51c3d2e4a7b9');
  });
});
