/**
 * What Kamailio must be told once a plan is committed, because it keeps two things in memory
 * that the database rows no longer match:
 *
 * - the domain module's copy of the domain table: a new tenant's phones get 403 "Unknown
 *   domain" until `domain.reload`;
 * - usrloc's registrations: a phone that registered before the apply stays reachable under
 *   its address of record until the registration expires, even when the credentials it
 *   registered with no longer open the account. `ul.rm location <aor>` ends it at once.
 *
 * Subscribers and extensions are read from the database on every request, so nothing else
 * needs telling.
 */
import type { Plan, SubscriberChange } from '../model/plan.js';
import { registrationAor } from './aor.js';
import { domainReload, removeRegistrations, type RpcCommand } from './rpc-command.js';

/** The commands for a committed plan, in order: the reload first, then one `ul.rm` per address (each once). */
export function kamailioCommands(plan: Plan): RpcCommand[] {
  const move = plan.changes.find((c) => c.entity === 'domain' && c.kind === 'move');
  // A move: Kamailio must learn the new domain, and every registration under the old one ends
  // (those phones registered with the old domain's credentials; the subscriber rows are gone from it).
  const reload = move !== undefined || plan.changes.some((c) => c.entity === 'domain' && c.kind === 'create');
  const aors = new Set<string>();
  if (move?.kind === 'move') {
    for (const account of move.rehash) aors.add(registrationAor(account.username, move.from));
    for (const change of plan.changes) {
      if (change.entity === 'subscriber' && change.kind !== 'create') aors.add(registrationAor(change.before.username, move.from));
    }
  }
  // Under the new domain nothing has registered yet.
  for (const change of move ? [] : plan.changes) {
    if (change.entity !== 'subscriber') continue;
    for (const username of usernamesToUnregister(change)) aors.add(registrationAor(username, plan.domain));
  }
  return [...(reload ? [domainReload()] : []), ...[...aors].map(removeRegistrations)];
}

/**
 * The usernames whose registrations must end: those whose phone may have registered with
 * credentials that no longer open the account, or whose account is gone.
 */
function usernamesToUnregister(change: SubscriberChange): string[] {
  switch (change.kind) {
    case 'create':
      // Adopting an existing subscriber row that pbxsync did not create replaces its
      // password: its phones registered with the old one.
      return change.adopts ? [change.after.username] : [];
    case 'update': {
      // A rename: the old address has no subscriber any more (the new one has no
      // registration yet). New passwords (a new generation, a new master key) or stored
      // hashes that pbxsync puts back after they were changed by hand: the phones'
      // credentials are not the account's any more.
      if (change.username !== null) return [change.username.before];
      const replaced = change.credentials.newPasswords || change.credentials.reasons.includes('hash-mismatch');
      return replaced ? [change.before.username] : [];
    }
    case 'disable':
    case 'delete':
      // A leaver: the subscriber row goes, a registration made before must not outlive it.
      return [change.before.username];
  }
}
