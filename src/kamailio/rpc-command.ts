/**
 * One Kamailio RPC command — a method and its arguments, all strings — and the two commands
 * an apply sends. The same command goes out as JSON-RPC (`params`) or as a kamcmd line.
 */
export interface RpcCommand {
  readonly method: string;
  readonly params: readonly string[];
}

/** usrloc's table of registrations in examples/kamailio/kamailio.cfg (`save("location")`). */
const LOCATION_TABLE = 'location';

/** The domain module re-reads the domain table: a new tenant's REGISTERs are accepted from now on. */
export function domainReload(): RpcCommand {
  return { method: 'domain.reload', params: [] };
}

/**
 * usrloc drops the address of record with every contact registered for it. Kamailio 5.6
 * answers success for an AOR that has no registration (delete_urecord finds nothing to
 * delete), so removing "just in case" is safe.
 */
export function removeRegistrations(aor: string): RpcCommand {
  return { method: 'ul.rm', params: [LOCATION_TABLE, aor] };
}

/** `ul.rm location alice@acme.com`: how kamcmd and the messages spell a command. */
export function commandText(command: RpcCommand): string {
  return [command.method, ...command.params].join(' ');
}
