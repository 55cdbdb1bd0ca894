/**
 * Desk phones end to end through the built CLI: an apply writes each phone's provisioning
 * file (0600) with that user's derived password; a rotation rewrites exactly the rotated
 * user's file; a leaver's files go.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { derivePassword } from '../../src/credentials/derive.js';
import { loadMasterKey } from '../../src/credentials/master-key.js';
import { exampleTenant, pbxsync } from '../support/cli.js';

const ALICE = '566bf9d7-c55a-45f8-91a6-e55e9b9b1325';
const VICTOR = '857ce06b-f9a2-4be1-b55c-ca5db3c7b88e';

let dir: string;
let env: NodeJS.ProcessEnv;
const run = (...args: string[]) => pbxsync(args, { cwd: dir, env });
const phones = () => join(dir, 'acme-phones');
const read = (name: string) => readFileSync(join(phones(), name), 'utf8');
const sip = (objectId: string, generation = 1) => derivePassword(loadMasterKey(env).key, 'acme', objectId, generation, 'sip');
const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, parseAttributeValue: false });

function setTenant(edit: (text: string) => string): void {
  const file = join(dir, 'tenant.yaml');
  writeFileSync(file, edit(readFileSync(file, 'utf8')));
}

const withPhones = (text: string, aliceGeneration?: number) =>
  text
    .replace(
      '  alice.johnson@acme.com:\n',
      `  alice.johnson@acme.com:\n${aliceGeneration ? `    generation: ${aliceGeneration}\n` : ''}    phones:\n      - { mac: "00:15:65:AA:BB:01", model: yealink }\n`,
    )
    .replace('  grace.hopper@acme.com:\n', '  grace.hopper@acme.com:\n    phones: [{ mac: 0004F2AABB02, model: polycom }]\n')
    .replace(`  ${VICTOR}:\n`, `  ${VICTOR}:\n    phones: [{ mac: 00-0b-82-aa-bb-03, model: grandstream }]\n`);

describe('desk phone provisioning files', () => {
  it('apply writes them, a rotation rewrites only its user’s, a leaver’s go', () => {
    ({ dir, env } = exampleTenant());
    const original = readFileSync(join(dir, 'tenant.yaml'), 'utf8');
    setTenant((t) => withPhones(t));
    expect(run('pbx', 'init', 'sqlite:pbx.sqlite').status).toBe(0);
    const first = run('apply', 'tenant.yaml', '--auto-approve');
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toContain('phone provisioning files in');

    expect(
      readdirSync(phones())
        .filter((n) => n !== '.pbxsync-tenant')
        .sort(),
    ).toEqual(['000000000000.cfg', '0004f2aabb02-phone.cfg', '001565aabb01.cfg', 'cfg000b82aabb03.xml']);
    expect(statSync(phones()).mode & 0o777).toBe(0o700);
    for (const name of readdirSync(phones())) expect({ name, mode: statSync(join(phones(), name)).mode & 0o777 }).toEqual({ name, mode: 0o600 });

    const yealink = read('001565aabb01.cfg');
    expect(yealink.split('\n')[0]).toBe('#!version:1.0.0.1');
    expect(yealink).toContain('account.1.user_name = alice.johnson\n');
    expect(yealink).toContain(`account.1.password = ${sip(ALICE)}\n`);
    expect(yealink).toContain('account.1.sip_server.1.address = sip.acme.com\naccount.1.sip_server.1.port = 5061\naccount.1.sip_server.1.transport_type = 2\n');
    const grace = (xml.parse(read('0004f2aabb02-phone.cfg')).polycomConfig as { reg: Record<string, string> }).reg;
    expect(grace['@reg.1.address']).toBe('grace.hopper@acme.com');
    expect(grace['@reg.1.server.1.transport']).toBe('TLS');
    const victor = (xml.parse(read('cfg000b82aabb03.xml')).gs_provision as { config: Record<string, string> }).config;
    expect(victor.P34).toBe(sip(VICTOR));
    expect(victor.P47).toBe('sip.acme.com:5061');

    const before = Object.fromEntries(readdirSync(phones()).map((n) => [n, statSync(join(phones(), n)).mtimeMs]));
    setTenant(() => withPhones(original, 2));
    const rotate = run('apply', 'tenant.yaml', '--auto-approve');
    expect(rotate.status, rotate.stderr).toBe(0);
    expect(rotate.stderr).toMatch(/phone provisioning files in .*: 1 written, 0 removed, 3 unchanged/);
    expect(read('001565aabb01.cfg')).toContain(`account.1.password = ${sip(ALICE, 2)}\n`);
    for (const name of ['000000000000.cfg', '0004f2aabb02-phone.cfg', 'cfg000b82aabb03.xml'])
      expect({ name, mtime: statSync(join(phones(), name)).mtimeMs }).toEqual({ name, mtime: before[name] });

    // Grace leaves the directory's scope: her phone's file and the Polycom master go.
    const directory = join(dir, 'directory.json');
    writeFileSync(
      directory,
      readFileSync(directory, 'utf8').replace(/("userPrincipalName": "grace\.hopper@acme\.com"[\s\S]*?"accountEnabled": )true/, '$1false'),
    );
    const leave = run('apply', 'tenant.yaml', '--auto-approve');
    expect(leave.status, leave.stderr).toBe(0);
    expect(leave.stdout).toContain('1 disabled');
    expect(readdirSync(phones()).sort()).toEqual(['.pbxsync-tenant', '001565aabb01.cfg', 'cfg000b82aabb03.xml']);
  });
});
