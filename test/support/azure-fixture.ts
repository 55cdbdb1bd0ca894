/**
 * An emulated Entra ID tenant holding the users and domains of examples/acme/directory.json,
 * with one app registration, and the azure source config (or tenant file) pointing at it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import type { AzureSourceConfig } from '../../src/directory/azure/token-source.js';
import { GraphEmulator, type EmulatorOptions } from '../graph-emulator/server.js';
import { ROOT } from './cli.js';

export const TENANT_ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
export const CLIENT_ID = '0c8a5f3e-7d2b-4b1e-9f6a-51c3d2e4a7b9';
export const SECRET = 'emu~Secret.value-0123456789';

type Json = Record<string, unknown>;

function acmePages(): { value: Json[]; domains?: Json[] }[] {
  return JSON.parse(readFileSync(join(ROOT, 'examples', 'acme', 'directory.json'), 'utf8')) as { value: Json[]; domains?: Json[] }[];
}

export async function acmeEmulator(options: Partial<EmulatorOptions> = {}): Promise<GraphEmulator> {
  const em = await GraphEmulator.start(TENANT_ID, { defaultPageSize: 100, ...options });
  for (const page of acmePages()) {
    for (const u of page.value) em.directory.addUser(u as Json & { id: string; userPrincipalName: string });
    for (const d of page.domains ?? []) em.directory.domains.push({ id: String(d.id), isVerified: d.isVerified === true, isDefault: d.isDefault === true });
  }
  em.directory.addApp({ clientId: CLIENT_ID, secret: SECRET, consent: 'granted' });
  return em;
}

export function azureConfig(em: GraphEmulator, over: Partial<AzureSourceConfig> = {}): AzureSourceConfig {
  const ids = { tenantId: over.tenantId ?? TENANT_ID, clientId: over.clientId ?? CLIENT_ID };
  return {
    labels: ids,
    type: 'azure',
    tenantId: TENANT_ID,
    clientId: CLIENT_ID,
    authorityHost: em.url,
    graphEndpoint: em.url,
    groups: [],
    scope: { enabledOnly: true, membersOnly: true, domains: ['acme.com'] },
    credential: { kind: 'secret', secret: SECRET },
    caFile: em.caFile,
    delta: true,
    maxWaitMs: 120_000,
    requestTimeoutMs: 10_000,
    ...over,
  };
}

/**
 * Turns the tenant file in `dir` (a copy of examples/acme) into one with an azure source on
 * the emulator; the secret comes from ACME_GRAPH_SECRET. `source` adds or replaces keys.
 */
export function useAzureSource(dir: string, em: GraphEmulator, source: Json = {}): NodeJS.ProcessEnv {
  const file = join(dir, 'tenant.yaml');
  const doc = parseDocument(readFileSync(file, 'utf8'));
  doc.set('source', {
    type: 'azure',
    tenant_id: TENANT_ID,
    client_id: CLIENT_ID,
    client_secret: '${ACME_GRAPH_SECRET}',
    authority_host: em.url,
    graph_endpoint: em.url,
    ca_file: em.caFile,
    scope: { enabled_only: true, members_only: true, domains: ['acme.com'] },
    ...source,
  });
  writeFileSync(file, doc.toString());
  return { ACME_GRAPH_SECRET: SECRET };
}
