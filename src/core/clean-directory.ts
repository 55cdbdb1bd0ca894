/**
 * Directory text that cannot be stored as it is: control characters (C0, DEL, C1 — NUL makes
 * PostgreSQL refuse the whole apply) and halves of surrogate pairs (stored as something else,
 * so the account would differ on every plan). They are removed, the same way on every
 * database, and the plan says for whom. Pure.
 */
import type { DirectoryUser } from '../model/directory-user.js';
import type { PlanWarning } from '../model/plan.js';

// C0 controls, DEL, C1 controls, and (in `u` mode, where a valid pair is one code point) lone surrogates.
const UNSTORABLE = /[\u0000-\u001f\u007f-\u009f\ud800-\udfff]/gu;

const FIELDS = ['userPrincipalName', 'displayName', 'mail', 'department', 'givenName', 'surname'] as const;

function cleanText(text: string): string {
  return text.replace(UNSTORABLE, '');
}

export function cleanDirectory(users: readonly DirectoryUser[]): { users: DirectoryUser[]; warnings: PlanWarning[] } {
  const warnings: PlanWarning[] = [];
  const cleaned = users.map((user) => {
    const changed: string[] = [];
    const out: Record<string, unknown> = { ...user };
    for (const field of FIELDS) {
      const value = user[field];
      if (typeof value !== 'string') continue;
      const clean = cleanText(value);
      if (clean !== value) {
        out[field] = clean;
        changed.push(field);
      }
    }
    if (changed.length === 0) return user;
    warnings.push({
      code: 'value-cleaned',
      message: `directory user ${user.id}: ${changed.join(', ')} held control characters or broken surrogate pairs, removed before storing`,
      hint: 'fix the value in the directory to silence this warning',
    });
    return out as unknown as DirectoryUser;
  });
  return { users: cleaned, warnings };
}
