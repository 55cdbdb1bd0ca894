/**
 * The shape of an age public key (`age1…`, bech32 with a checksum), checked when the tenant file
 * is validated so that a mistyped key fails `validate`, not the apply after the PBX commit.
 */
import { bech32 } from '@scure/base';

/** Why `recipient` is not an age public key this version encrypts to; undefined when it is one. */
export function ageRecipientProblem(recipient: string): string | undefined {
  let decoded: { prefix: string; words: number[] };
  try {
    decoded = bech32.decode(recipient as `${string}1${string}`, 4096);
  } catch {
    return 'is not an age public key: its checksum does not match (a character mistyped or missing?)';
  }
  if (decoded.prefix === 'age1pq') return undefined; // post-quantum hybrid (age 1.3 and later)
  if (decoded.prefix !== 'age') return `is not an age public key (it is a bech32 string for '${decoded.prefix}')`;
  if (bech32.fromWords(decoded.words).length !== 32) return 'is not an age X25519 public key (wrong length)';
  return undefined;
}
