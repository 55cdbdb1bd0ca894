/**
 * Answers that are not what Entra ID or Graph would say, as when source.authority_host or
 * source.graph_endpoint names the wrong host, a proxy answers in their place, or the service
 * fails: each is one line with a hint (a `UserError`), never a stack trace, and names no value
 * of the tenant file.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/app/logger.js';
import { AzureSource } from '../../src/directory/azure-source.js';
import type { AzureSourceConfig } from '../../src/directory/azure/token-source.js';
import { UserError } from '../../src/errors.js';
import { GraphEmulator } from '../graph-emulator/server.js';
import { acmeEmulator, azureConfig, CLIENT_ID, SECRET, TENANT_ID } from '../support/azure-fixture.js';

let em: GraphEmulator;
beforeEach(async () => {
  em = await acmeEmulator();
});
afterEach(async () => {
  await em.stop();
});

const noWait = { sleep: async () => undefined, random: () => 0.5, now: Date.now };

async function failure(config: AzureSourceConfig = azureConfig(em, { delta: false })): Promise<UserError> {
  const source = new AzureSource(config, { log: silentLogger, clock: noWait });
  try {
    const err: unknown = await source.listUsers().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UserError);
    const { message, hint } = err as UserError;
    expect(`${message} ${hint}`).not.toMatch(new RegExp(`${TENANT_ID}|${CLIENT_ID}|${SECRET}`));
    expect(message).not.toContain('\n');
    return err as UserError;
  } finally {
    await source.close();
  }
}

describe('the authority', () => {
  it.each([404, 200])('a web page (HTTP %i) instead of the OpenID configuration: the wrong authority_host', async (status) => {
    em.faults.add({ kind: 'html', status, service: 'auth', every: 1 });
    const err = await failure();
    expect(err.message).toBe(`the host in source.authority_host answered the OpenID configuration request with HTTP ${status} text/html instead of JSON`);
    expect(err.hint).toMatch(/^check source\.authority_host \(https:\/\/login\.microsoftonline\.com.*proxy/);
  });

  it('a web page from a gateway instead of a token', async () => {
    em.faults.add({ kind: 'html', status: 502, service: 'auth', path: /token$/, every: 1 });
    const err = await failure();
    expect(err.message).toBe('the host in source.authority_host answered the token request with HTTP 502 text/html instead of JSON');
    expect(err.hint).toMatch(/^retry later/);
    expect(em.graphRequests()).toEqual([]); // no empty token was sent to Graph
  });

  it('a body labelled JSON that does not parse', async () => {
    em.faults.add({ kind: 'html', status: 400, contentType: 'application/json', service: 'auth', path: /token$/, every: 1 });
    const err = await failure();
    expect(err.message).toBe('the host in source.authority_host answered the token request with HTTP 400 application/json that does not parse as JSON');
  });

  it('JSON that is no OpenID configuration', async () => {
    em.faults.add({ kind: 'error', status: 404, code: 'not_found', service: 'auth', path: /openid-configuration$/, every: 1 });
    const err = await failure();
    expect(err.message).toBe('the host in source.authority_host gave no OpenID configuration for source.tenant_id (endpoints_resolution_error)');
    expect(err.hint).toMatch(/authority_host.*tenant_id/);
  });

  it('a server error of its own (500 server_error)', async () => {
    em.faults.add({ kind: 'error', status: 500, service: 'auth', path: /token$/, every: 1 });
    const err = await failure();
    expect(err.message).toBe('Entra ID could not issue a token (server_error, AADSTS50000)');
    expect(err.hint).toBe('Entra ID failed on its side; retry later (details: https://login.microsoftonline.com/error?code=50000)');
  });

  it('an OAuth error no other mapping knows keeps its code and a lookup link', async () => {
    em.faults.add({ kind: 'error', status: 400, code: 'invalid_scope', service: 'auth', path: /token$/, every: 1 });
    const err = await failure();
    expect(err.message).toBe('Entra ID refused the token request (invalid_scope, AADSTS50000)');
    expect(err.hint).toMatch(/^look the code up at https:\/\/login\.microsoftonline\.com\/error\?code=50000; check source\.tenant_id, source\.client_id/);
  });

  it('a multi-tenant alias that got past validation (msal: missing_tenant_id_error)', async () => {
    const err = await failure(azureConfig(em, { tenantId: 'organizations', delta: false }));
    expect(err.message).toBe("app-only sign-in needs the customer's own directory, and source.tenant_id is a multi-tenant alias (missing_tenant_id_error)");
    expect(err.hint).toMatch(/directory \(tenant\) id or one of its verified domains/);
  });
});

describe('Microsoft Graph', () => {
  it.each([200, 404])('a web page (HTTP %i) instead of JSON: the wrong graph_endpoint or a proxy', async (status) => {
    em.faults.add({ kind: 'html', status, every: 1 });
    const err = await failure();
    expect(err.message).toBe(`the host in source.graph_endpoint answered a Graph request with HTTP ${status} text/html instead of JSON`);
    expect(err.hint).toMatch(/^check source\.graph_endpoint \(https:\/\/graph\.microsoft\.com.*proxy/);
  });

  it.each([200, 400])('a body labelled JSON that does not parse (HTTP %i)', async (status) => {
    em.faults.add({ kind: 'html', status, contentType: 'application/json', every: 1 });
    const err = await failure();
    expect(err.message).toBe(`the host in source.graph_endpoint answered a Graph request with HTTP ${status} and a body that does not parse as JSON`);
  });

  it('JSON that is no Graph collection: another JSON service at graph_endpoint', async () => {
    em.faults.add({ kind: 'error', status: 200, code: 'NotGraph', every: 1 });
    const err = await failure();
    expect(err.message).toBe('the host in source.graph_endpoint answered a Graph request with JSON without the "value" array of a Graph collection');
    expect(err.hint).toMatch(/^check source\.graph_endpoint/);
  });

  it('a web page instead of a delta page keeps the cached link: it is not Graph refusing it', async () => {
    const store = { value: undefined as unknown, load: async () => store.value, save: async (v: unknown) => void (store.value = v) };
    const first = new AzureSource(azureConfig(em), { log: silentLogger, clock: noWait, deltaStore: store });
    await first.listUsers().finally(() => first.close());
    const cached = JSON.stringify(store.value);
    em.faults.add({ kind: 'html', status: 404, every: 1 });
    const source = new AzureSource(azureConfig(em), { log: silentLogger, clock: noWait, deltaStore: store });
    await expect(source.listUsers().finally(() => source.close())).rejects.toThrow(/answered a Graph request with HTTP 404 text\/html instead of JSON/);
    expect(JSON.stringify(store.value)).toBe(cached);
  });

  it('a Graph host whose certificate is not the one ca_file trusts', async () => {
    const other = await GraphEmulator.start(TENANT_ID);
    try {
      const err = await failure(azureConfig(em, { graphEndpoint: other.url, delta: false }));
      expect(err.message).toMatch(/^the TLS certificate of https:\/\/127\.0\.0\.1:\d+ is not trusted \(\w+\)$/);
      expect(err.hint).toMatch(/ca_file/);
      expect(em.log.some((r) => r.path.endsWith('/token') && r.status === 200)).toBe(true); // the authority was trusted
    } finally {
      await other.stop();
    }
  });
});
