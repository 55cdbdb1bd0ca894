/**
 * Throttling, transient faults and authentication failures of the azure source against the
 * emulator. Waits go through an injected clock that records them instead of sleeping, so the
 * tests assert how often and how long the source waited, never how long the test took.
 */
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/app/logger.js';
import { AzureSource } from '../../src/directory/azure-source.js';
import type { RetryClock } from '../../src/directory/azure/retry-policy.js';
import { UserError } from '../../src/errors.js';
import type { DirectoryUser } from '../../src/model/directory-user.js';
import type { GraphEmulator } from '../graph-emulator/server.js';
import { appCertificate } from '../graph-emulator/tls-cert.js';
import { acmeEmulator, azureConfig, CLIENT_ID, TENANT_ID } from '../support/azure-fixture.js';

let em: GraphEmulator;
beforeEach(async () => {
  em = await acmeEmulator();
});
afterEach(async () => {
  await em.stop();
});

function recordingClock(): RetryClock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return { sleeps, sleep: async (ms) => void sleeps.push(ms), random: () => 0.5, now: Date.now };
}

async function read(
  config = azureConfig(em),
  clock: RetryClock = recordingClock(),
  extra: { deviceCode?: boolean; log?: typeof silentLogger } = {},
): Promise<DirectoryUser[]> {
  const source = new AzureSource(config, { log: silentLogger, clock, ...extra });
  try {
    return await source.listUsers();
  } finally {
    await source.close();
  }
}

async function failure(promise: Promise<unknown>): Promise<UserError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  return err as UserError;
}

const sorted = (users: DirectoryUser[]) => [...users].sort((a, b) => a.id.localeCompare(b.id));

describe('throttling and transient faults', () => {
  it('a third of the requests throttled: the same users, each 429 waited out per Retry-After', async () => {
    const clean = sorted(await read(azureConfig(em, { delta: false })));
    em.faults.add({ kind: 'throttle', share: 1 / 3, seed: 7, retryAfter: '2', service: 'all' });
    const clock = recordingClock();
    const store = { value: undefined as unknown, load: async () => store.value, save: async (v: unknown) => void (store.value = v) };
    const source = new AzureSource(azureConfig(em), { log: silentLogger, clock, deltaStore: store });
    const users = sorted(await source.listUsers());
    await source.close();
    expect(users).toEqual(clean);
    const throttled = em.log.filter((r) => r.status === 429).length;
    expect(throttled).toBeGreaterThan(0);
    expect(clock.sleeps).toHaveLength(throttled);
    expect(clock.sleeps.every((ms) => ms === 2000)).toBe(true);
  });

  it('reads fractional seconds and HTTP-dates in Retry-After', async () => {
    em.graph.options.maxPageSize = 10; // four pages of users
    em.faults.add({ kind: 'throttle', every: 2, limit: 1, retryAfter: '0.25' });
    em.faults.add({ kind: 'unavailable', every: 3, limit: 1, retryAfter: 'date' });
    // The HTTP-date is whole seconds, at most 1 s after the emulator's clock: read against a
    // clock 10 s behind, it is a wait of 10–11 s less however long the answer took to arrive
    // (a backoff would be under a second), so no busy machine can make it 0.
    const clock = { ...recordingClock(), now: () => Date.now() - 10_000 };
    await read(azureConfig(em, { delta: false }), clock);
    expect(clock.sleeps[0]).toBe(250);
    expect(clock.sleeps[1]).toBeGreaterThan(5_000);
    expect(clock.sleeps[1]).toBeLessThanOrEqual(11_000);
  });

  it('retries 503, 504 and connections dropped before or during the answer, with capped exponential backoff and full jitter', async () => {
    const clean = sorted(await read(azureConfig(em, { delta: false })));
    em.graph.options.maxPageSize = 5; // the seed and eight pages of /users
    em.faults.add({ kind: 'drop', every: 3 });
    em.faults.add({ kind: 'truncate', every: 7 });
    em.faults.add({ kind: 'gateway-timeout', every: 4 });
    em.faults.add({ kind: 'unavailable', every: 5, retryAfter: 'none' });
    const clock = recordingClock();
    const store = { value: undefined as unknown, load: async () => store.value, save: async (v: unknown) => void (store.value = v) };
    const source = new AzureSource(azureConfig(em), { log: silentLogger, clock, deltaStore: store });
    expect(sorted(await source.listUsers())).toEqual(clean);
    await source.close();
    expect(em.log.some((r) => r.status === 0)).toBe(true);
    expect(em.log.filter((r) => r.status === 200 && r.query.includes('skiptoken')).length).toBeGreaterThan(0);
    expect(clock.sleeps.length).toBeGreaterThan(2);
    // random() = 0.5: half of 500 ms · 2^retry, capped at 30 s.
    const allowed = [250, 500, 1000, 2000, 4000, 8000, 15_000];
    expect(clock.sleeps.filter((ms) => !allowed.includes(ms))).toEqual([]);
    expect(clock.sleeps).toContain(250);
  });

  it('gives up with a clear error once the total wait would pass max_wait_seconds, and returns no users', async () => {
    em.faults.add({ kind: 'throttle', every: 1, retryAfter: '30', path: /^\/v1\.0\// });
    const clock = recordingClock();
    const err = await failure(read(azureConfig(em, { maxWaitMs: 100_000 }), clock));
    expect(err.message).toMatch(
      /^Microsoft Graph is still throttled \(429\) after 4 attempts and 90\.0 s of waiting in this read \(limit 100 s\); gave up without a result, nothing was changed$/,
    );
    expect(err.hint).toMatch(/max_wait_seconds/);
    expect(clock.sleeps).toEqual([30_000, 30_000, 30_000]);
  });

  it('throttling of the token request is retried too', async () => {
    em.faults.add({ kind: 'throttle', service: 'auth', path: /token$/, every: 1, limit: 2, retryAfter: '1' });
    const clock = recordingClock();
    expect(await read(azureConfig(em, { delta: false }), clock)).toHaveLength(40);
    expect(clock.sleeps).toEqual([1000, 1000]);
  });
});

describe('authentication and consent', () => {
  it('a wrong client secret names the app and the tenant', async () => {
    const err = await failure(read(azureConfig(em, { credential: { kind: 'secret', secret: 'wrong' } })));
    expect(err.message).toBe(`Entra ID rejected the client secret of app ${CLIENT_ID} in tenant ${TENANT_ID} (AADSTS7000215)`);
    expect(err.message + (err.hint ?? '')).not.toContain('wrong');
    expect(em.graphRequests()).toHaveLength(0);
  });

  it.each(['sha1', 'sha256'] as const)('authenticates with a certificate (%s thumbprint): the signed assertion is checked', async (kind) => {
    const cert = appCertificate(em.tls.dir, `app-${kind}`);
    em.directory.apps.get(CLIENT_ID)!.certificatePem = cert.certPem;
    const credential = { kind: 'certificate' as const, privateKeyFile: cert.keyFile, thumbprint: cert[kind] };
    expect(await read(azureConfig(em, { credential, delta: false }))).toHaveLength(40);
  });

  it('a certificate the app does not know is rejected, naming app and tenant', async () => {
    const registered = appCertificate(em.tls.dir, 'registered');
    const other = appCertificate(em.tls.dir, 'other');
    em.directory.apps.get(CLIENT_ID)!.certificatePem = registered.certPem;
    const credential = { kind: 'certificate' as const, privateKeyFile: other.keyFile, thumbprint: registered.sha1 };
    const err = await failure(read(azureConfig(em, { credential })));
    expect(err.message).toBe(`Entra ID rejected the certificate of app ${CLIENT_ID} in tenant ${TENANT_ID} (AADSTS700027)`);
  });

  it('consent missing at token time (AADSTS65001) prints the admin consent URL', async () => {
    em.directory.apps.get(CLIENT_ID)!.consent = 'missing-token';
    const err = await failure(read());
    expect(err.message).toMatch(/has no admin consent .*AADSTS65001/);
    expect(err.hint).toContain(`${em.url}/${TENANT_ID}/adminconsent?client_id=${CLIENT_ID}`);
  });

  it('consent missing at Graph time (403 Authorization_RequestDenied) prints the admin consent URL', async () => {
    em.directory.apps.get(CLIENT_ID)!.consent = 'missing-graph';
    const err = await failure(read());
    expect(err.message).toMatch(new RegExp(`Microsoft Graph denied app ${CLIENT_ID} in tenant ${TENANT_ID} access to .* \\(Authorization_RequestDenied\\)`));
    expect(err.hint).toContain(`${em.url}/${TENANT_ID}/adminconsent?client_id=${CLIENT_ID}`);
  });

  it('an app unknown in the tenant (AADSTS700016) points at consent too', async () => {
    const err = await failure(read(azureConfig(em, { clientId: '11111111-2222-4333-8444-555555555555' })));
    expect(err.message).toMatch(/AADSTS700016/);
    expect(err.hint).toMatch(/adminconsent\?client_id=11111111-2222-4333-8444-555555555555/);
  });

  it('msal is never sent to another host than authority_host', async () => {
    em.auth.endpointOrigin = 'https://login.elsewhere.example';
    const err = await failure(read());
    expect(err.message).toMatch(
      /^the authority https:\/\/127\.0\.0\.1:\d+ sent msal to https:\/\/login\.elsewhere\.example; refusing to send credentials there$/,
    );
  });

  it('an unknown tenant is named', async () => {
    const err = await failure(read(azureConfig(em, { tenantId: 'nope.example' })));
    expect(err.message).toMatch(/^tenant nope\.example was not found at https:\/\/127\.0\.0\.1:\d+ \(AADSTS90002\)$/);
  });

  it('device-code sign-in (delegated) shows the instructions and reads the users', async () => {
    const prompts: string[] = [];
    const log = { info: () => undefined, warn: (m: string) => prompts.push(m), progress: () => undefined };
    expect(await read(azureConfig(em, { credential: { kind: 'none' }, delta: false }), recordingClock(), { deviceCode: true, log })).toHaveLength(40);
    expect(prompts.join('\n')).toMatch(/devicelogin.*EMU12345/);
  });

  it('without a credential and without --device-code, says what to configure', async () => {
    const err = await failure(read(azureConfig(em, { credential: { kind: 'none' } })));
    expect(err.hint).toMatch(/client_secret.*certificate.*--device-code/);
  });
});

describe('unreachable or untrusted hosts', () => {
  async function closedPort(): Promise<number> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }

  it('Graph on a closed port', async () => {
    const port = await closedPort();
    const err = await failure(read(azureConfig(em, { graphEndpoint: `https://127.0.0.1:${port}` })));
    expect(err.message).toBe(`cannot reach Microsoft Graph at https://127.0.0.1:${port} (ECONNREFUSED)`);
    expect(err.hint).toMatch(/graph_endpoint/);
  });

  it('the authority on a closed port', async () => {
    const port = await closedPort();
    const err = await failure(read(azureConfig(em, { authorityHost: `https://127.0.0.1:${port}` })));
    expect(err.message).toBe(`cannot reach the Entra ID authority at https://127.0.0.1:${port} (ECONNREFUSED)`);
    expect(err.hint).toMatch(/authority_host/);
  });

  it('a Graph host name that does not resolve', async () => {
    const err = await failure(read(azureConfig(em, { graphEndpoint: 'https://graph.pbxsync.invalid' })));
    expect(err.message).toMatch(/^cannot reach Microsoft Graph at https:\/\/graph\.pbxsync\.invalid \((ENOTFOUND|EAI_AGAIN)\)$/);
  });

  it('a host that accepts connections but never answers hits request_timeout_seconds', async () => {
    const sockets: import('node:net').Socket[] = [];
    const silent = createServer((socket) => void sockets.push(socket)); // accepts, never speaks TLS
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const err = await failure(read(azureConfig(em, { graphEndpoint: `https://127.0.0.1:${port}`, requestTimeoutMs: 200 })));
      expect(err.message).toBe(`Microsoft Graph at https://127.0.0.1:${port} did not answer within 0.2 s`);
      expect(err.hint).toMatch(/request_timeout_seconds/);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it.each(['graph_endpoint', 'authority_host'] as const)('%s on a port that speaks plain HTTP, not TLS', async (key) => {
    const plain = createHttpServer((_req, res) => res.end('hello'));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const { port } = plain.address() as { port: number };
    try {
      const host = `https://127.0.0.1:${port}`;
      const err = await failure(read(azureConfig(em, key === 'graph_endpoint' ? { graphEndpoint: host } : { authorityHost: host })));
      const what = key === 'graph_endpoint' ? 'Microsoft Graph' : 'the Entra ID authority';
      expect(err.message).toMatch(new RegExp(`^the TLS handshake with ${what} at https://127\\.0\\.0\\.1:${port} failed \\((ERR_SSL_\\w+|EPROTO)\\)$`));
      expect(err.hint).toContain(`source.${key}`);
    } finally {
      plain.closeAllConnections();
      await new Promise<void>((resolve) => plain.close(() => resolve()));
    }
  });

  it('an emulator certificate not trusted by configuration is refused (no ca_file)', async () => {
    const config = { ...azureConfig(em) };
    delete (config as { caFile?: string }).caFile;
    const err = await failure(read(config));
    expect(err.message).toMatch(/the TLS certificate of https:\/\/127\.0\.0\.1:\d+ is not trusted/);
    expect(err.hint).toMatch(/ca_file/);
  });
});
