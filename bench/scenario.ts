/**
 * One (size, backend) run: a fresh emulator holding `size` users (answers delayed by the
 * latency), a fresh tenant folder and PBX, then the CLI phases in order and the floors of the
 * same run. Everything it makes is registered with the cleanup and undone at its end.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { GraphEmulator } from '../test/graph-emulator/server.js';
import { ChildFailed, runCli, type ChildResult } from './child-run.js';
import type { Cleanup } from './cleanup.js';
import { changeOnePercent, DOMAIN, loadDirectory, TENANT_ID } from './directory.js';
import { hashFloor, insertFloor, pagingFloor, writeDump, type FloorResult } from './floors.js';
import type { Backend, BenchOptions } from './options.js';
import { describeRows, dumpTenantRows } from './pbx-rows.js';
import { createDatabase, KAMAILIO_SQL_DIR } from './postgres-databases.js';
import { makeTenantFolder, SPREADSHEET, TENANT, type TenantFolder } from './tenant-folder.js';

export type Phase = 'first plan' | 'first apply' | 'no-change re-sync' | '1% changed re-sync' | 'paging floor' | 'insert floor' | 'hash floor';

export interface Measured {
  readonly phase: Phase;
  readonly size: number;
  readonly backend: Backend;
  /** CLI phases: spawn to exit. Floors: the work alone, measured inside the child. */
  readonly wallMs: number;
  readonly peakRssMb: number;
  readonly graphRequests: number;
}

export interface ScenarioResult {
  readonly size: number;
  readonly backend: Backend;
  readonly rows: Measured[];
  /** What the first apply wrote, e.g. "1 domain, …, 318,600 usr_preferences". */
  readonly written?: string;
  readonly failure?: string;
}

interface Context {
  readonly size: number;
  readonly backend: Backend;
  readonly options: BenchOptions;
  readonly cleanup: Cleanup;
  readonly admin: string | undefined;
  readonly progress: (line: string) => void;
}

export async function runScenario(ctx: Context): Promise<ScenarioResult> {
  const rows: Measured[] = [];
  const release: (() => Promise<void>)[] = [];
  let written: string | undefined;
  try {
    const em = await GraphEmulator.start(TENANT_ID, { latencyMs: ctx.options.latencyMs });
    release.push(ctx.cleanup.add('Graph emulator', () => em.stop()));
    loadDirectory(em, ctx.size);
    const pbx = await pbxUrl(ctx, release);
    const folder = makeTenantFolder(em, pbx);
    release.push(ctx.cleanup.add(`folder ${folder.dir}`, () => folder.remove()));
    const common = { cwd: folder.dir, env: folder.env, cleanup: ctx.cleanup };
    await runCli('key generate', ['key', 'generate'], common);
    await runCli('pbx init', pbxInitArgs(pbx), common);

    const phase = async (name: Phase, args: string[], ok: number[]): Promise<ChildResult> => {
      ctx.progress(`${ctx.size} ${ctx.backend}: ${name}`);
      const tag = `${ctx.size}-${ctx.backend}-${name}`;
      const r = await runCli(tag, args, { ...common, ok, emulator: em, cpuProfDir: ctx.options.cpuProfDir });
      rows.push({ phase: name, size: ctx.size, backend: ctx.backend, wallMs: r.wallMs, peakRssMb: r.peakRssMb, graphRequests: r.graphRequests });
      return r;
    };
    const floor = (name: Phase, f: FloorResult) => rows.push({ phase: name, size: ctx.size, backend: ctx.backend, wallMs: f.ms, peakRssMb: f.peakRssMb, graphRequests: f.graphRequests });

    ctx.progress(`${ctx.size} ${ctx.backend}: paging floor`);
    floor('paging floor', await pagingFloor(em, folder, { cleanup: ctx.cleanup }));
    await phase('first plan', ['plan', 'tenant.yaml', '--detailed-exitcode'], [2]);
    // The plan cached the directory for delta reads: the first apply must read it all again.
    rmSync(join(folder.dir, `${TENANT}.pbxsync-cache.json`), { force: true });
    await phase('first apply', ['apply', 'tenant.yaml', '--auto-approve'], [0]);
    if (!existsSync(join(folder.dir, SPREADSHEET))) throw new Error('the first apply wrote no spreadsheet');
    const dump = await dumpTenantRows(pbx.startsWith('sqlite:') ? `sqlite:${join(folder.dir, pbx.slice(7))}` : pbx, { domain: DOMAIN, did: TENANT });
    written = describeRows(dump);
    await phase('no-change re-sync', ['plan', 'tenant.yaml', '--detailed-exitcode'], [0]);
    if (ctx.options.changed) {
      changeOnePercent(em, ctx.size);
      await phase('1% changed re-sync', ['apply', 'tenant.yaml', '--auto-approve'], [0]);
    }

    const dumpFile = writeDump(folder, dump);
    const target = await floorDatabase(ctx, folder, release);
    ctx.progress(`${ctx.size} ${ctx.backend}: insert and hash floors`);
    floor('insert floor', await insertFloor(dumpFile, target, folder, { cleanup: ctx.cleanup }));
    floor('hash floor', await hashFloor(dumpFile, folder, { cleanup: ctx.cleanup }));
    return { size: ctx.size, backend: ctx.backend, rows, written };
  } catch (err) {
    return { size: ctx.size, backend: ctx.backend, rows, ...(written ? { written } : {}), failure: describeFailure(err) };
  } finally {
    for (const undo of release.reverse()) await undo();
  }
}

/** The PBX of the phases: `sqlite:pbx.sqlite` in the tenant folder, or a new PostgreSQL database. */
async function pbxUrl(ctx: Context, release: (() => Promise<void>)[]): Promise<string> {
  if (ctx.backend === 'sqlite') return 'sqlite:pbx.sqlite';
  const db = await createDatabase(ctx.admin!, ctx.cleanup, 'pbx');
  release.push(db.drop);
  return db.url;
}

function pbxInitArgs(url: string): string[] {
  return url.startsWith('sqlite:') ? ['pbx', 'init', url] : ['pbx', 'init', url, '--sql-dir', KAMAILIO_SQL_DIR];
}

/** An empty database with Kamailio's tables for the insert floor, made by `pbxsync pbx init`. */
async function floorDatabase(ctx: Context, folder: TenantFolder, release: (() => Promise<void>)[]): Promise<string> {
  let url = `sqlite:${join(folder.dir, 'floor.sqlite')}`;
  if (ctx.backend === 'postgres') {
    const db = await createDatabase(ctx.admin!, ctx.cleanup, 'floor');
    release.push(db.drop);
    url = db.url;
  }
  await runCli('pbx init (floor)', pbxInitArgs(url), { cwd: folder.dir, env: folder.env, cleanup: ctx.cleanup });
  return url;
}

function describeFailure(err: unknown): string {
  if (err instanceof ChildFailed) {
    const { result, message } = err;
    const tail = (s: string) => s.trimEnd().split('\n').slice(-40).join('\n');
    return `${message}\n--- stderr ---\n${tail(result.stderr)}${result.stdout.trim() ? `\n--- stdout (end) ---\n${tail(result.stdout)}` : ''}`;
  }
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
