/**
 * Paging floor (a child of the bench): the least a client must do to read every user from
 * Graph: one client-credentials token, then plain undici `fetch` through
 * `/users?$select=<pbxsync's fields>&$top=999`, following `@odata.nextLink`, each page parsed.
 * Same emulator, same latency, same CA as the CLI. Prints `{"ms":…,"users":…,"requests":…}`;
 * `ms` counts from the token request to the last page parsed (not Node's start-up).
 *   node paging-floor.js ORIGIN TENANT_ID CLIENT_ID CA_FILE   (secret in BENCH_GRAPH_SECRET)
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { rootCertificates } from 'node:tls';
import { Agent, fetch } from 'undici';
import { DIRECTORY_USER_FIELDS } from '../../src/model/directory-user.js';

const [origin, tenantId, clientId, caFile] = process.argv.slice(2) as [string, string, string, string];
const dispatcher = new Agent({ connect: { ca: [...rootCertificates, readFileSync(caFile, 'utf8')] } });

async function token(): Promise<string> {
  const body = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: clientId,
    client_secret: process.env.BENCH_GRAPH_SECRET ?? '',
    scope: `${origin}/.default`,
  });
  const res = await fetch(`${origin}/${tenantId}/oauth2/v2.0/token`, { method: 'POST', body, dispatcher });
  if (!res.ok) throw new Error(`token request: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

const t0 = performance.now();
const headers = { authorization: `Bearer ${await token()}` };
let next: string | undefined = `${origin}/v1.0/users?$select=${DIRECTORY_USER_FIELDS.join(',')}&$top=999`;
let users = 0;
let requests = 0;
while (next !== undefined) {
  const res = await fetch(next, { headers, dispatcher });
  requests++;
  if (!res.ok) throw new Error(`GET ${next}: HTTP ${res.status} ${await res.text()}`);
  const page = (await res.json()) as { value: unknown[]; '@odata.nextLink'?: string };
  users += page.value.length;
  next = page['@odata.nextLink'];
}
const ms = performance.now() - t0;
await dispatcher.close();
process.stdout.write(`${JSON.stringify({ ms, users, requests })}\n`);
