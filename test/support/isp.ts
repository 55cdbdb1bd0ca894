/**
 * The ISP configuration the tests run under (PBXSYNC_ISP_CONFIG): the variables the tests'
 * tenant files use, loopback hosts (the Graph emulator, the test PostgreSQL) and the
 * emulator's certificate authority under this test file's temporary folder. Tests of the
 * policy itself write their own.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_POLICY, type IspPolicy } from '../../src/policy/isp-policy.js';
import { testTmp } from './tmp.js';

const TEST_ENV_NAMES = ['PBX_URL', 'STATE_URL', 'PBX_DB_PASSWORD', 'STATE_DB_PASSWORD', 'ACME_GRAPH_SECRET', 'ACME_GRAPH_KEY_FILE', 'TEST_*'];

/** `namespaces`: the ISP's own domains (no DNS record needed); by default the tests' tenants' domains. */
export function testIspYaml(
  extra = '',
  namespaces = ['acme.com', 'globex.com', 'moved.example', 'hooli.com', 'hooli2.com', 'initech.com', 'stark.com', 'umbrella.com', 'wayne.com', 'wayne.example'],
): string {
  return [
    'allow:',
    `  env: [${TEST_ENV_NAMES.map((n) => JSON.stringify(n)).join(', ')}]`,
    '  env_in: [pbx.url, state.url]',
    '  hosts:',
    '    authority: ["127.0.0.1:*", "localhost:*", login.microsoftonline.com, login.microsoftonline.us, login.chinacloudapi.cn]',
    '    graph: ["127.0.0.1:*", "localhost:*", graph.microsoft.com, graph.microsoft.us, microsoftgraph.chinacloudapi.cn]',
    '    database: ["127.0.0.1:*", "localhost:*"]',
    '    provisioning: ["127.0.0.1:*", "localhost:*", prov.voice.example.net, phone.voice.example.net]',
    `  ca_files: [${JSON.stringify(`${testTmp()}/`)}]`,
    `  paths: [${JSON.stringify(testTmp())}]`,
    // The tests' tenants need no DNS record; the domain verification tests use other domains.
    namespaces.length > 0 ? `namespaces: [${namespaces.join(', ')}]` : '',
    extra,
  ].join('\n');
}

/** Another ISP configuration for this test file (`name` must be unique in it). */
export function writeTestIspConfig(name: string, yaml: string): string {
  const path = join(testTmp(), name);
  writeFileSync(path, `${yaml}\n`);
  return path;
}

/** The path of this test file's ISP configuration, written on first use. */
export function testIspConfig(): string {
  const path = join(testTmp(), 'isp.yaml');
  if (!existsSync(path)) writeFileSync(path, `${testIspYaml()}\n`);
  return path;
}

/** A policy that allows every variable (but pbxsync's own), every env_in key, any host and any folder: for tests of other layers. */
export function permissivePolicy(): IspPolicy {
  const any = [{ host: '*', port: '*' as const }];
  return {
    ...DEFAULT_POLICY,
    file: '/test/isp.yaml',
    env: { names: new Set(), prefixes: [''] },
    envIn: new Set(['pbx.url', 'state.url', 'source.tenant_id', 'source.client_id', 'source.certificate.thumbprint']),
    hosts: { authority: any, graph: any, database: any, provisioning: any },
    caFiles: ['/'],
    paths: ['/'],
  };
}
