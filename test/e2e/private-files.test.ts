/**
 * Every file the built CLI creates is its owner's alone, and `pbx init` says how Kamailio then
 * gets to read the PBX database. The last test runs the built provider as an unprivileged
 * user with a supplementary group, where SQLite itself does not give -wal/-shm the database's
 * group (it only does as root).
 */
import { spawnSync } from 'node:child_process';
import { chownSync, readdirSync, readFileSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { lookupGroup } from '../../src/fs/group-id.js';
import { exampleTenant, pbxsync, ROOT } from '../support/cli.js';
import { NOBODY, openFoldersTo, spareGroup, whyNoNobody } from '../support/file-modes.js';
import { tempDir } from '../support/tmp.js';

let dir: string;
let env: NodeJS.ProcessEnv;
const run = (...args: string[]) => pbxsync(args, { cwd: dir, env });

beforeEach(() => {
  ({ dir, env } = exampleTenant());
});

describe('files the CLI creates', () => {
  it('pbx init creates the database 0600 and tells how Kamailio can read it', () => {
    const r = run('pbx', 'init', 'sqlite:pbx.sqlite');
    expect(r.status, r.stderr).toBe(0);
    const db = join(dir, 'pbx.sqlite');
    expect(statSync(db).mode & 0o777).toBe(0o600);
    const owner = spawnSync('id', ['-un'], { encoding: 'utf8' }).stdout.trim();
    expect(r.stderr).toBe(
      'Kamailio 5.6 tables ready in sqlite:pbx.sqlite\n' +
        `${db} is mode 0600, for its owner (${owner}) only: Kamailio can read it if it runs as ${owner}, or once it gets group access (e.g. files.pbx_group: kamailio in the ISP configuration)\n` +
        `Kamailio also needs write access to ${realpathSync(db)}-shm (WAL mode) and, when SQLite must create it, to the folder.\n`,
    );
  });

  it('after init, plan --out and apply, every new file is private and nothing is left behind', () => {
    const before = new Set(readdirSync(dir));
    expect(run('pbx', 'init', 'sqlite:pbx.sqlite').status).toBe(0);
    const plan = run('plan', 'tenant.yaml', '--out', 'plan.json');
    expect(plan.status, plan.stderr).toBe(0);
    const apply = run('apply', 'tenant.yaml', '--auto-approve');
    expect(apply.status, apply.stderr).toBe(0);
    expect(`${plan.stderr}${apply.stderr}`).not.toContain('warning:');

    const created = readdirSync(dir).filter((name) => !before.has(name));
    expect(created).toEqual(expect.arrayContaining(['pbx.sqlite', 'plan.json', 'acme-credentials.xlsx', 'acme.pbxsync-state.json']));
    expect(created.filter((name) => /\.lock$|\.tmp$/.test(name))).toEqual([]);
    for (const name of created) expect({ name, mode: statSync(join(dir, name)).mode & 0o777 }).toEqual({ name, mode: 0o600 });
  });

  it('apply on a loose database warns on stderr with the chmod command, and still applies', () => {
    expect(run('pbx', 'init', 'sqlite:pbx.sqlite').status).toBe(0);
    const db = join(dir, 'pbx.sqlite');
    // An operator's chmod, or a file made by another tool.
    spawnSync('chmod', ['644', db]);
    const apply = run('apply', 'tenant.yaml', '--auto-approve');
    expect(apply.status, apply.stderr).toBe(0);
    const warnings = apply.stderr.split('\n').filter((line) => line.startsWith('warning: '));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(new RegExp(`^warning: PBX database files readable beyond mode 0600: ${db} \\(0644\\)`));
    expect(warnings[0]).toContain(`Fix: chmod 600 ${db}`);
  });

  it('pbx init refuses a symlink planted at the database path in one line, and its target is unchanged', () => {
    const target = join(tempDir('pbxsync-victim-'), 'victim');
    writeFileSync(target, 'precious\n');
    symlinkSync(target, join(dir, 'pbx.sqlite'));
    const r = run('pbx', 'init', 'sqlite:pbx.sqlite');
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/^error: the PBX database \S+pbx\.sqlite is a symlink; pbxsync does not create files through symlinks\n {2}hint: [^\n]+\n$/);
    expect(readFileSync(target, 'utf8')).toBe('precious\n');
  });
});

const GROUP = spareGroup();
/** A primary group for the unprivileged run that is not the database's group. */
const OTHER = ['daemon', 'bin', 'sys'].map(lookupGroup).find((g) => g !== null && g.gid !== GROUP?.gid) ?? null;
const SETPRIV = spawnSync('setpriv', ['--version']).status === 0;
const DIST = join(ROOT, 'dist', 'pbx', 'sqlite-provider.js');

function whySkipGroupRun(): string | null {
  const noNobody = whyNoNobody();
  if (noNobody !== null) return noNobody;
  if (!SETPRIV) return 'setpriv (util-linux) is needed to give a process a supplementary group';
  if (GROUP === null || OTHER === null) return 'this system has no two spare groups';
  const probe = spawnSync(process.execPath, ['-e', 'require("fs").readFileSync(process.argv[1])', DIST], { uid: NOBODY!.uid, gid: NOBODY!.gid });
  return probe.status === 0 ? null : `user nobody cannot read ${DIST} (build first, from a checkout others can read)`;
}

const SKIP_GROUP_RUN = whySkipGroupRun();

describe('a group for Kamailio, without root', () => {
  it.skipIf(SKIP_GROUP_RUN !== null)(`-wal and -shm get the database's group and mode${SKIP_GROUP_RUN ? ` (skipped: ${SKIP_GROUP_RUN})` : ''}`, () => {
    const folder = tempDir('pbxsync-group-');
    chownSync(folder, NOBODY!.uid, OTHER!.gid);
    openFoldersTo(join(folder, 'x'));
    const path = join(folder, 'pbx.sqlite');
    const script = `
      const { SqlitePbxProvider } = await import(${JSON.stringify(pathToFileURL(DIST).href)});
      const { emptyRowOps } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'core', 'row-ops.js')).href)});
      const { statSync } = await import('node:fs');
      const [path, group] = process.argv.slice(1);
      const pbx = new SqlitePbxProvider(path, { fileMode: 0o660, fileGroup: group, onWarning: (m) => console.error(m) });
      await pbx.init();
      const ops = { ...emptyRowOps('a.example', 't'), insertSubscribers: [{ username: 'u1', password: '', ha1: 'h', ha1b: 'hb' }] };
      await pbx.apply(ops);
      const of = (p) => ({ mode: statSync(p).mode & 0o777, gid: statSync(p).gid });
      console.log(JSON.stringify({ db: of(path), wal: of(path + '-wal'), shm: of(path + '-shm'), egid: process.getegid() }));
      await pbx.close();`;
    const r = spawnSync(
      'setpriv',
      [
        '--reuid',
        String(NOBODY!.uid),
        '--regid',
        String(OTHER!.gid),
        '--groups',
        String(GROUP!.gid),
        process.execPath,
        '--input-type=module',
        '-e',
        script,
        path,
        GROUP!.name,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const wanted = { mode: 0o660, gid: GROUP!.gid };
    expect(JSON.parse(r.stdout)).toEqual({ db: wanted, wal: wanted, shm: wanted, egid: OTHER!.gid });
  });
});
