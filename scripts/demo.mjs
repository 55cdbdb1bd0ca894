#!/usr/bin/env node
// The quickstart's main job on the embedded default: create the SQLite PBX with Kamailio's
// tables (once), plan the example tenant, apply it, and leave the PBX and spreadsheet behind.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { homedir } from 'node:os';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'bin', 'pbxsync.js');
const tenant = join('examples', 'acme', 'tenant.yaml');

// The demo's ISP configuration: acme.com counts as the ISP's own, so no DNS record is needed.
const env = { ...process.env, PBXSYNC_ISP_CONFIG: process.env.PBXSYNC_ISP_CONFIG || join(root, 'examples', 'isp', 'demo.yaml') };

function pbxsync(...args) {
  console.error(`\n$ pbxsync ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, stdio: 'inherit', env });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

// pbxsync never makes a master key by itself (a new key would change every password); the
// demo makes one, once, in the open.
const keyFile = process.env.PBXSYNC_MASTER_KEY_FILE || join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'pbxsync', 'master.key');
if (!process.env.PBXSYNC_MASTER_KEY && !existsSync(keyFile)) {
  console.error(`No master key yet: the demo creates one at ${keyFile}.`);
  pbxsync('key', 'generate');
}
if (!existsSync(join(root, 'examples', 'acme', 'pbx.sqlite'))) pbxsync('pbx', 'init', 'sqlite:examples/acme/pbx.sqlite');
pbxsync('plan', tenant);
pbxsync('apply', tenant, '--auto-approve');
console.error('\nDone: examples/acme/pbx.sqlite holds the PBX, examples/acme/acme-credentials.xlsx the credentials.');
console.error('Run `npm run demo` again: the plan says "No changes."');
