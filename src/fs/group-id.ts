/**
 * Group names ↔ group ids, for giving the PBX database to Kamailio's group. `getent group`
 * asks NSS, so groups from LDAP or sssd are found too; where getent is missing (a minimal
 * container) /etc/group is read instead. No dependency: Node has no getgrnam.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { UserError } from '../errors.js';

/** What a group name may look like (POSIX portable names); also keeps it from being an option. */
const GROUP_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*\$?$/;

export interface GroupEntry {
  readonly name: string;
  readonly gid: number;
}

/** The group called `name` (or with the id `name`, when it is a number); null when there is none. */
export function lookupGroup(name: string): GroupEntry | null {
  if (!GROUP_NAME.test(name)) return null;
  const line = getentGroup(name);
  if (line === undefined) return fromEtcGroup(name);
  return line === null ? null : parseGroupLine(line);
}

/** The group id of `name`; an unknown group is a one-line error naming `what` it is for. */
export function groupIdOf(name: string, what: string): number {
  const entry = lookupGroup(name);
  if (entry === null) {
    throw new UserError(`unknown group "${name}" for the ${what}`, 'create the group first (groupadd), or fix the group name');
  }
  return entry.gid;
}

/** The name of group `gid`, or the number itself when it has no name. */
export function groupNameOf(gid: number): string {
  return lookupGroup(String(gid))?.name ?? String(gid);
}

/** getent's line; null: no such group (exit status 2); undefined: getent could not be run. */
function getentGroup(name: string): string | null | undefined {
  try {
    return execFileSync('getent', ['group', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 }).split('\n')[0] ?? null;
  } catch (error) {
    const status = (error as { status?: number | null }).status;
    return status === 2 ? null : undefined;
  }
}

function fromEtcGroup(name: string): GroupEntry | null {
  let text: string;
  try {
    text = readFileSync('/etc/group', 'utf8');
  } catch {
    return null;
  }
  const entries = text
    .split('\n')
    .map(parseGroupLine)
    .filter((e): e is GroupEntry => e !== null);
  return entries.find((e) => e.name === name) ?? entries.find((e) => String(e.gid) === name) ?? null;
}

/** `name:password:gid:members`. */
function parseGroupLine(line: string): GroupEntry | null {
  const [name, , gid] = line.split(':');
  if (name === undefined || name === '' || gid === undefined || !/^\d+$/.test(gid)) return null;
  return { name, gid: Number(gid) };
}
