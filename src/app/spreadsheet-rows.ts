/** One spreadsheet row per active account (plus those this apply disabled), passwords derived. */
import type { CredentialDeriver } from '../credentials/credentials.js';
import { primaryExtension, type AccountView, type Plan } from '../model/plan.js';
import { META } from '../model/subscriber-fields.js';
import type { SpreadsheetRow } from '../spreadsheet/spreadsheet-row.js';

export function spreadsheetRows(plan: Plan, credentials: CredentialDeriver): SpreadsheetRow[] {
  const status = new Map<string, SpreadsheetRow['status']>();
  const disabled: AccountView[] = [];
  for (const c of plan.changes) {
    if (c.entity !== 'subscriber') continue;
    if (c.kind === 'create') status.set(c.after.objectId, 'new');
    else if (c.kind === 'update') status.set(c.after.objectId, 'updated');
    else if (c.kind === 'disable') disabled.push(c.after);
  }
  const rows = plan.accounts.map((a) => {
    const creds = credentials.derive(a);
    return row(plan, a, status.get(a.objectId) ?? 'unchanged', creds.sipPassword, creds.softphonePassword);
  });
  return [...rows, ...disabled.map((a) => row(plan, a, 'disabled', '', ''))];
}

/** One account's row with its derived passwords (the welcome e-mail's card is made from it). */
export function accountRow(plan: Plan, credentials: CredentialDeriver, a: AccountView, status: SpreadsheetRow['status']): SpreadsheetRow {
  const creds = credentials.derive(a);
  return row(plan, a, status, creds.sipPassword, creds.softphonePassword);
}

function row(plan: Plan, a: AccountView, status: SpreadsheetRow['status'], sip: string, softphone: string): SpreadsheetRow {
  return {
    displayName: a.displayName,
    upn: a.upn,
    email: a.preferences[META.email]?.value ?? '',
    extension: primaryExtension(a),
    username: a.username,
    domain: plan.domain,
    sipPassword: sip,
    softphonePassword: softphone,
    department: a.preferences[META.department]?.value ?? '',
    status,
  };
}
