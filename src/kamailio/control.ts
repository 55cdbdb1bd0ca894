/**
 * A Kamailio control connection: runs RPC commands (`domain.reload`, `ul.rm …`) in order,
 * over JSON-RPC (jsonrpcs through xhttp) or the ctl module's binrpc socket (through kamcmd),
 * each bounded by the ISP configuration's time limit. A failure is an outcome, not an
 * exception: the caller reports every command that did not go through, one line each.
 */
import { UserError } from '../errors.js';
import type { KamailioControlConfig } from '../policy/isp-policy.js';
import { JsonRpcControl } from './jsonrpc-client.js';
import type { KamailioError } from './kamailio-error.js';
import { KamcmdControl } from './kamcmd-client.js';
import type { RpcCommand } from './rpc-command.js';

export type RpcOutcome =
  | { readonly command: RpcCommand; readonly ok: true; readonly result: unknown }
  | { readonly command: RpcCommand; readonly ok: false; readonly error: KamailioError };

export interface KamailioControl {
  /** How Kamailio is reached, for messages: `JSON-RPC at http://127.0.0.1:5071/RPC`, `kamcmd -s unix:…`. */
  readonly label: string;
  /**
   * Runs the commands in order, over one connection. Never rejects for Kamailio's sake: once
   * the connection itself fails, the commands not yet answered fail with it, unsent.
   */
  runAll(commands: readonly RpcCommand[]): Promise<readonly RpcOutcome[]>;
}

/** JSON-RPC when the ISP configuration names a URL (no program needed), else kamcmd on the ctl socket. */
export function openKamailioControl(config: KamailioControlConfig): KamailioControl {
  if (config.jsonrpcUrl !== undefined) return new JsonRpcControl(config.jsonrpcUrl, config.timeoutMs);
  if (config.ctlSocket !== undefined) return new KamcmdControl(config.kamcmd, config.ctlSocket, config.timeoutMs);
  throw new UserError("the ISP configuration's kamailio section names neither jsonrpc_url nor ctl_socket", 'set one of them');
}

/** One command; rejects with its KamailioError when it does not go through. */
export async function call(control: KamailioControl, command: RpcCommand): Promise<unknown> {
  const [outcome] = await control.runAll([command]);
  if (!outcome) throw new Error('no outcome for the command');
  if (!outcome.ok) throw outcome.error;
  return outcome.result;
}
