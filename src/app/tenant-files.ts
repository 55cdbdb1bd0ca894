/**
 * Which tenant files a command runs on: the arguments as given, a folder standing for every
 * `*.yaml` / `*.yml` file directly inside it (not in subfolders, no dot-files; saved plans,
 * state, cache and snapshot files are JSON and never match), in name order. The same file
 * named twice (or by a file and by its folder) runs once.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../errors.js';

export interface TenantFileList {
  /** The files as they are reported: a file argument as typed, a folder's file as `DIR/name.yaml`. */
  readonly files: readonly string[];
  /**
   * One file argument, no folder: the command behaves exactly as for one tenant file
   * (its output, prompts and exit code); otherwise it runs the set and prints a summary.
   */
  readonly single: boolean;
}

const TENANT_FILE = /^[^.].*\.ya?ml$/i;

export function expandTenantArgs(args: readonly string[]): TenantFileList {
  const files: string[] = [];
  const seen = new Set<string>();
  let folders = 0;
  const add = (file: string) => {
    const key = resolve(file);
    if (seen.has(key)) return;
    seen.add(key);
    files.push(file);
  };
  for (const arg of args) {
    if (!isFolder(arg)) {
      add(arg); // a missing or unreadable file is reported by the tenant's own run, with its name
      continue;
    }
    folders++;
    const inside = tenantFilesIn(arg);
    if (inside.length === 0) {
      throw new UserError(
        `${arg} holds no tenant file (*.yaml or *.yml directly inside it)`,
        'name the tenant files, or the folder that holds them (subfolders are not searched: use a glob such as tenants/*/tenant.yaml)',
      );
    }
    inside.forEach(add);
  }
  return { files, single: folders === 0 && files.length === 1 };
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function tenantFilesIn(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir, { withFileTypes: true })
      .filter((e) => (e.isFile() || e.isSymbolicLink()) && TENANT_FILE.test(e.name))
      .map((e) => e.name);
  } catch (err) {
    throw new UserError(`cannot read the folder ${dir} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, 'check the path and its permissions');
  }
  return names.sort().map((name) => join(dir, name));
}
