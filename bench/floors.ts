/**
 * Runs the three floors of one (size, backend) as children, like the CLI phases (so that each
 * gets a process of its own and its peak RSS), and returns what they measured inside.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GraphEmulator } from '../test/graph-emulator/server.js';
import { runChild, type ChildResult, type RunOptions } from './child-run.js';
import { CLIENT_ID, DOMAIN, TENANT_ID } from './directory.js';
import type { TableRows } from './pbx-rows.js';
import { TENANT, type TenantFolder } from './tenant-folder.js';

export interface FloorResult {
  /** Measured inside the child: the work alone, not Node's start-up. */
  readonly ms: number;
  readonly peakRssMb: number;
  readonly graphRequests: number;
  readonly detail: Record<string, number>;
}

const script = (name: string): string => fileURLToPath(new URL(`./floors/${name}.js`, import.meta.url));

async function floor(what: string, name: string, args: string[], options: RunOptions): Promise<FloorResult> {
  const r: ChildResult = await runChild(what, script(name), args, options);
  const { ms, ...detail } = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { ms: number } & Record<string, number>;
  return { ms, peakRssMb: r.peakRssMb, graphRequests: r.graphRequests, detail };
}

export function pagingFloor(em: GraphEmulator, folder: TenantFolder, options: Omit<RunOptions, 'cwd' | 'env'>): Promise<FloorResult> {
  return floor('paging floor', 'paging-floor', [em.url, TENANT_ID, CLIENT_ID, em.caFile], { ...options, cwd: folder.dir, env: folder.env, emulator: em });
}

/** Writes the dump next to the tenant file, for the insert and hash floors. */
export function writeDump(folder: TenantFolder, dump: readonly TableRows[]): string {
  const file = join(folder.dir, 'rows.json');
  writeFileSync(file, JSON.stringify(dump));
  return file;
}

/** `target`: a fresh database made by `pbxsync pbx init` (sqlite:PATH or postgres://…). */
export function insertFloor(dumpFile: string, target: string, folder: TenantFolder, options: Omit<RunOptions, 'cwd' | 'env'>): Promise<FloorResult> {
  return floor('insert floor', 'insert-floor', [dumpFile, target], { ...options, cwd: folder.dir, env: folder.env });
}

export function hashFloor(dumpFile: string, folder: TenantFolder, options: Omit<RunOptions, 'cwd' | 'env'>): Promise<FloorResult> {
  return floor('hash floor', 'hash-floor', [dumpFile, TENANT, DOMAIN], { ...options, cwd: folder.dir, env: folder.env });
}
