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

export type Phase =
  'first plan' | 'first apply' | 'first re-sync (full plan)' | 'no-change re-sync' | '1% changed re-sync' | 'paging floor' | 'insert floor' | 'hash floor';

export interface Measured {
  readonly phase: Phase;
  readonly size: number;
  readonly backend: Backend;
  /** CLI phases: spawn to exit. Floors: the work alone, measured inside the child. */
  readonly wallMs: number;
  readonly peakRssMb: number;
  readonly graphRequests: number;
  /** What the CLI said it planned or did (its `Plan: …`, `No changes.` or `Apply complete: …` line). */
  readonly said?: string;
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
  const run = new Scenario(ctx);
  try {
    await run.phasesAndFloors();
    return run.result();
  } catch (err) {
    return run.result(describeFailure(err));
  } finally {
    await run.release();
  }
}

class Scenario {
  private readonly rows: Measured[] = [];
  private readonly undo: (() => Promise<void>)[] = [];
  private written: string | undefined;

  constructor(private readonly ctx: Context) {}

  async phasesAndFloors(): Promise<void> {
    const { em, folder, pbx } = await this.setUp();
    this.progress('paging floor');
    this.floor('paging floor', await pagingFloor(em, folder, { cleanup: this.ctx.cleanup }));
    await this.phase(em, folder, 'first plan', ['plan', 'tenant.yaml', '--detailed-exitcode'], 2);
    // The plan cached the directory for delta reads: the first apply must read it all again.
    rmSync(join(folder.dir, `${TENANT}.pbxsync-cache.json`), { force: true });
    await this.phase(em, folder, 'first apply', ['apply', 'tenant.yaml', '--auto-approve'], 0);
    if (!existsSync(join(folder.dir, SPREADSHEET))) throw new Error('the first apply wrote no spreadsheet');
    const dump = await dumpTenantRows(pbx.startsWith('sqlite:') ? `sqlite:${join(folder.dir, pbx.slice('sqlite:'.length))}` : pbx, {
      domain: DOMAIN,
      did: TENANT,
    });
    this.written = describeRows(dump);
    // The first plan after an apply that changed rows plans in full (and remembers it found
    // nothing to do); the next one answers from the no-change check without reading the rows.
    await this.phase(em, folder, 'first re-sync (full plan)', ['plan', 'tenant.yaml', '--detailed-exitcode'], 0);
    await this.phase(em, folder, 'no-change re-sync', ['plan', 'tenant.yaml', '--detailed-exitcode'], 0);
    if (this.ctx.options.changed) {
      changeOnePercent(em, this.ctx.size);
      await this.phase(em, folder, '1% changed re-sync', ['apply', 'tenant.yaml', '--auto-approve'], 0);
    }
    const dumpFile = writeDump(folder, dump);
    const target = await this.floorDatabase(folder);
    this.progress('insert and hash floors');
    this.floor('insert floor', await insertFloor(dumpFile, target, folder, { cleanup: this.ctx.cleanup }));
    this.floor('hash floor', await hashFloor(dumpFile, folder, { cleanup: this.ctx.cleanup }));
  }

  result(failure?: string): ScenarioResult {
    const { size, backend } = this.ctx;
    return { size, backend, rows: this.rows, ...(this.written ? { written: this.written } : {}), ...(failure ? { failure } : {}) };
  }

  /** Undoes what this run made (the rest of the cleanup stays registered). */
  async release(): Promise<void> {
    for (const undo of this.undo.splice(0).reverse()) await undo();
  }

  /** Emulator with the directory, PBX, tenant folder, master key and Kamailio's tables. */
  private async setUp(): Promise<{ em: GraphEmulator; folder: TenantFolder; pbx: string }> {
    const em = await GraphEmulator.start(TENANT_ID, { latencyMs: this.ctx.options.latencyMs });
    this.undo.push(this.ctx.cleanup.add('Graph emulator', () => em.stop()));
    loadDirectory(em, this.ctx.size);
    const pbx = await this.database('pbx', 'sqlite:pbx.sqlite');
    const folder = makeTenantFolder(em, pbx);
    this.undo.push(this.ctx.cleanup.add(`folder ${folder.dir}`, () => folder.remove()));
    await runCli('key generate', ['key', 'generate'], this.childOptions(folder));
    await runCli('pbx init', pbxInitArgs(pbx), this.childOptions(folder));
    return { em, folder, pbx };
  }

  private async phase(em: GraphEmulator, folder: TenantFolder, name: Phase, args: string[], ok: number): Promise<ChildResult> {
    this.progress(name);
    const { size, backend, options } = this.ctx;
    const r = await runCli(`${size}-${backend}-${name}`, args, { ...this.childOptions(folder), ok: [ok], emulator: em, cpuProfDir: options.cpuProfDir });
    const said = [...r.stdout.matchAll(/^(Plan: .*|No changes\.|Apply complete: [^.]*\.)/gm)].pop()?.[1];
    this.rows.push({ phase: name, size, backend, wallMs: r.wallMs, peakRssMb: r.peakRssMb, graphRequests: r.graphRequests, ...(said ? { said } : {}) });
    return r;
  }

  private floor(name: Phase, f: FloorResult): void {
    this.rows.push({ phase: name, size: this.ctx.size, backend: this.ctx.backend, wallMs: f.ms, peakRssMb: f.peakRssMb, graphRequests: f.graphRequests });
  }

  /** An empty database with Kamailio's tables for the insert floor, made by `pbxsync pbx init`. */
  private async floorDatabase(folder: TenantFolder): Promise<string> {
    const url = await this.database('floor', `sqlite:${join(folder.dir, 'floor.sqlite')}`);
    await runCli('pbx init (floor)', pbxInitArgs(url), this.childOptions(folder));
    return url;
  }

  /** `sqlite` on SQLite; on PostgreSQL a new database, dropped at the end of this run. */
  private async database(label: string, sqlite: string): Promise<string> {
    if (this.ctx.backend === 'sqlite') return sqlite;
    const db = await createDatabase(this.ctx.admin!, this.ctx.cleanup, label);
    this.undo.push(db.drop);
    return db.url;
  }

  private childOptions(folder: TenantFolder) {
    return { cwd: folder.dir, env: folder.env, cleanup: this.ctx.cleanup };
  }

  private progress(step: string): void {
    this.ctx.progress(`${this.ctx.size} ${this.ctx.backend}: ${step}`);
  }
}

function pbxInitArgs(url: string): string[] {
  return url.startsWith('sqlite:') ? ['pbx', 'init', url] : ['pbx', 'init', url, '--sql-dir', KAMAILIO_SQL_DIR];
}

function describeFailure(err: unknown): string {
  if (err instanceof ChildFailed) {
    const { result, message } = err;
    const tail = (s: string) => s.trimEnd().split('\n').slice(-40).join('\n');
    return `${message}\n--- stderr ---\n${tail(result.stderr)}${result.stdout.trim() ? `\n--- stdout (end) ---\n${tail(result.stdout)}` : ''}`;
  }
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
