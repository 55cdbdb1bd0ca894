/**
 * The shell command that does by hand what pbxsync could not do (or was not configured to
 * do): `kamcmd -s unix:/run/kamailio/kamailio_ctl ul.rm location alice@acme.com`. It goes
 * into warnings to be copied into a shell, so every word that is not plainly safe is quoted.
 */
import { kamcmdArgument } from './kamcmd-argument.js';
import type { RpcCommand } from './rpc-command.js';

export interface HandCommandOptions {
  /** The kamcmd program (the ISP configuration's `kamailio.kamcmd`, else `kamcmd`). */
  readonly kamcmd?: string;
  /** Kamailio's ctl socket; without it kamcmd uses its built-in default socket. */
  readonly ctlSocket?: string;
}

export function handCommand(command: RpcCommand, options: HandCommandOptions = {}): string {
  return [kamcmdInvocation(options), ...[command.method, ...command.params.map(kamcmdArgument)].map(shellWord)].join(' ');
}

/** `kamcmd -s unix:/run/kamailio/kamailio_ctl`: the program and its socket, without a command. */
export function kamcmdInvocation(options: HandCommandOptions = {}): string {
  return [options.kamcmd ?? 'kamcmd', ...(options.ctlSocket !== undefined ? ['-s', options.ctlSocket] : [])].map(shellWord).join(' ');
}

/** A word as a POSIX shell reads it back: bare when it is made of harmless characters, else in single quotes. */
function shellWord(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
