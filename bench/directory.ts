/**
 * The bench's directory: `size` generated Entra ID users, deterministic, shaped so that the
 * scope filters act (every 10th account disabled, 1.5% guests; at 20,000 users 17,700 are in
 * scope), with repeated display names (the extension order then falls back to the UPN) and
 * accents in names. And the 1% change of a re-sync: renames, leavers and joiners.
 */
import { createHash } from 'node:crypto';
import type { GraphUser } from '../test/graph-emulator/directory-model.js';
import type { GraphEmulator } from '../test/graph-emulator/server.js';

export const DOMAIN = 'contoso.com';
export const TENANT_ID = '6c9d2f1a-3b4e-4f5a-8b7c-9d0e1f2a3b4c';
export const CLIENT_ID = '1f0e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';
export const SECRET = 'bench~Secret.value-0123456789';

const FIRST = [
  'Ana',
  'Bo',
  'Chloé',
  'Dmitri',
  'Eve',
  'Fatima',
  'Gus',
  'Håkon',
  'Inès',
  'José',
  'Kai',
  'Lena',
  'Mateo',
  'Noor',
  'Olga',
  'Pål',
  'Quinn',
  'Rosa',
  'Sven',
  'Tomás',
  'Uma',
  'Vik',
  'Wen',
  'Xavier',
  'Yara',
  'Zoë',
  'Amir',
  'Björn',
  'Carmen',
  'Dario',
  'Elif',
  'Femi',
  'Greta',
  'Hiro',
  'Ivana',
  'Jonas',
  'Kemal',
  'Lucía',
  'Marek',
  'Nadia',
];
const LAST = [
  'Smith',
  'Müller',
  "O'Neil",
  'Ng',
  'Østby',
  'Kowalski',
  'Dubois',
  'Rossi',
  'Tanaka',
  'Silva',
  'García',
  'Nowak',
  'Jensen',
  'Novák',
  'Papadopoulos',
  'Kim',
  'Nguyen',
  'Cohen',
  'Yılmaz',
  'Santos',
  'Horvat',
  'Popescu',
  'Lindqvist',
  'Moreau',
  'Fischer',
  'Costa',
  'Ivanov',
  'Brown',
  'Wilson',
  'Sato',
  'Hansen',
  'Lopez',
  'Murphy',
  'Kaya',
  'Petrov',
  'Virtanen',
  'Bakker',
  'Schmidt',
  'Weber',
  'Zhang',
];
const DEPARTMENTS = [
  'Sales',
  'Support',
  'Engineering',
  'Finance',
  'Legal',
  'Operations',
  'Marketing',
  'HR',
  'Logistics',
  'Research',
  'Facilities',
  'Procurement',
  'IT',
];

/** A GUID derived from `seed` (Entra object ids are random-looking; sorted ids must not follow the index). */
function objectId(seed: string): string {
  const h = createHash('sha1').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const ascii = (s: string): string =>
  s
    .normalize('NFD')
    .replace(/[^A-Za-z]/g, '')
    .toLowerCase();

function benchUser(i: number): GraphUser {
  const first = FIRST[i % FIRST.length]!;
  const last = LAST[Math.floor(i / FIRST.length) % LAST.length]!;
  // The same first/last pair comes back every 1,600 users: UPNs stay unique with a number.
  const round = Math.floor(i / (FIRST.length * LAST.length));
  const local = `${ascii(first)}.${ascii(last)}${round > 0 ? round + 1 : ''}`;
  const guest = i % 200 === 0 || i % 200 === 67 || i % 200 === 134; // 1.5%, none of them disabled
  const upn = guest ? `${local}_fabrikam.example#EXT#@contoso.onmicrosoft.com` : `${local}@${DOMAIN}`;
  return {
    id: objectId(`bench-user-${i}`),
    userPrincipalName: upn,
    displayName: `${first} ${last}`,
    givenName: first,
    surname: last,
    mail: guest ? `${local}@fabrikam.example` : upn,
    accountEnabled: i % 10 !== 9, // 10%
    userType: guest ? 'Guest' : 'Member',
    department: DEPARTMENTS[i % DEPARTMENTS.length]!,
  };
}

/** Fills the emulator: the users, the verified domain and the app registration (consented). */
export function loadDirectory(em: GraphEmulator, size: number): void {
  for (let i = 0; i < size; i++) em.directory.addUser(benchUser(i));
  em.directory.domains.push({ id: DOMAIN, isVerified: true, isDefault: true }, { id: 'contoso.onmicrosoft.com', isVerified: true, isDefault: false });
  em.directory.addApp({ clientId: CLIENT_ID, secret: SECRET, consent: 'granted' });
}

export interface Change {
  readonly renamed: number;
  readonly left: number;
  readonly joined: number;
}

/** 1% of `size` users change: half renamed (new display name and department), a quarter disabled, a quarter new. */
export function changeOnePercent(em: GraphEmulator, size: number): Change {
  const total = Math.max(4, Math.round(size / 100));
  const renamed = Math.floor(total / 2);
  const left = Math.floor(total / 4);
  const joined = total - renamed - left;
  // Users in scope, spread over the directory: enabled members only.
  const pick = (k: number) => Array.from({ length: size }, (_, i) => i).filter((i) => i % 10 !== 9 && (i % 200) % 67 !== 0 && i % 7 === k);
  for (const i of pick(1).slice(0, renamed))
    em.directory.updateUser(objectId(`bench-user-${i}`), { displayName: `${String(benchUser(i).displayName)} (renamed)`, department: 'Transformation' });
  for (const i of pick(3).slice(0, left)) em.directory.updateUser(objectId(`bench-user-${i}`), { accountEnabled: false });
  for (let j = 0; j < joined; j++)
    em.directory.addUser({
      ...benchUser(size + j),
      accountEnabled: true,
      id: objectId(`bench-joiner-${j}`),
      userPrincipalName: `joiner${j}@${DOMAIN}`,
      mail: `joiner${j}@${DOMAIN}`,
      userType: 'Member',
    });
  return { renamed, left, joined };
}
