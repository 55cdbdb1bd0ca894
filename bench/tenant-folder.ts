/**
 * One tenant folder per (size, backend): the tenant file with an azure source on the emulator
 * (its CA copied in, `source.ca_file`), the ISP configuration that allows the emulator's and
 * the database's hosts, and the environment the CLI children run with. The master key is made
 * by `pbxsync key generate` and the PBX tables by `pbxsync pbx init`, as an operator would.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GraphEmulator } from '../test/graph-emulator/server.js';
import { CLIENT_ID, DOMAIN, SECRET, TENANT_ID } from './directory.js';

export const TENANT = 'contoso';
export const SPREADSHEET = `${TENANT}-credentials.xlsx`;

export interface TenantFolder {
  readonly dir: string;
  readonly file: string;
  readonly keyFile: string;
  readonly env: NodeJS.ProcessEnv;
  remove(): void;
}

export function makeTenantFolder(em: GraphEmulator, pbxUrl: string): TenantFolder {
  const dir = mkdtempSync(join(tmpdir(), 'pbxsync-bench-'));
  copyFileSync(em.caFile, join(dir, 'emulator-ca.pem'));
  const file = join(dir, 'tenant.yaml');
  writeFileSync(file, tenantYaml(em.url));
  const isp = join(dir, 'isp.yaml');
  writeFileSync(isp, ispYaml(dir, pbxUrl));
  const keyFile = join(dir, 'master.key');
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    NO_COLOR: '1',
    PBXSYNC_MASTER_KEY_FILE: keyFile,
    PBXSYNC_ISP_CONFIG: isp,
    BENCH_GRAPH_SECRET: SECRET,
    PBX_URL: pbxUrl,
  };
  return { dir, file, keyFile, env, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

function tenantYaml(emulatorUrl: string): string {
  return `tenant: ${TENANT}
domain: ${DOMAIN}
source:
  type: azure
  tenant_id: ${TENANT_ID}
  client_id: ${CLIENT_ID}
  client_secret: \${BENCH_GRAPH_SECRET}
  authority_host: ${emulatorUrl}
  graph_endpoint: ${emulatorUrl}
  ca_file: emulator-ca.pem
  scope:
    enabled_only: true
    members_only: true
    domains: [${DOMAIN}]
pbx:
  url: \${PBX_URL}
extensions:
  start: 100000
  end: 199999
  reserved: [100100, "109000-109999"]
  reuse: never
defaults:
  voicemail_to_email: true
  area_code: "212"
  caller_id: "+12125550100"
  language: en-US
  max_concurrent_calls: 2
  dial_timeout: 25
  security_group: domestic
  visual_plan: office-hours
  business_hours:
    from: "2025-01-01"
    to: "2025-12-31"
  pickup_group: contoso-all
users:
  bo.smith@${DOMAIN}:
    extension: 100050
    call_group: front-desk
  dmitri.smith@${DOMAIN}:
    forward_no_answer: "+12125550142"
  chloe.smith@${DOMAIN}:
    exclude: true
leavers: disable
safety:
  max_remove_share: 0.2
  max_update_share: 0.5
  min_existing: 10
spreadsheet:
  path: ${SPREADSHEET}
  phone_setup:
    registrar: sip.${DOMAIN}
    transport: tls
    port: 5061
state:
  url: file:${TENANT}.pbxsync-state.json
credentials:
  store_plaintext: false
`;
}

function ispYaml(dir: string, pbxUrl: string): string {
  const db = pbxUrl.startsWith('postgres') ? new URL(pbxUrl) : undefined;
  const dbHosts = ['"127.0.0.1:*"', '"localhost:*"', ...(db ? [JSON.stringify(`${db.hostname}:*`)] : [])];
  return `allow:
  env: [BENCH_GRAPH_SECRET, PBX_URL]
  env_in: [pbx.url]
  hosts:
    authority: ["127.0.0.1:*"]
    graph: ["127.0.0.1:*"]
    database: [${[...new Set(dbHosts)].join(', ')}]
  ca_files: [${JSON.stringify(`${dir}/`)}]
  paths: [${JSON.stringify(dir)}]
namespaces: [${DOMAIN}]
`;
}
