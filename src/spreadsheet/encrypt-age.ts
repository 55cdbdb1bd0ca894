/**
 * Encrypting the credentials spreadsheet to its readers' age public keys (`spreadsheet.encrypt_to`),
 * so that the file a CI job keeps as an artifact or mails on holds no readable password.
 *
 * Streamed: the workbook's bytes go from exceljs through the age encrypter (64 KiB chunks) into the
 * private file; no plaintext copy is ever written to disk, not even a temporary one, and none is
 * held whole in memory. The customer decrypts with `age -d -i key.txt FILE.xlsx.age > FILE.xlsx`.
 * age-encryption is loaded only when a spreadsheet is encrypted (it is not small).
 */
import { PassThrough, Readable, type Writable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { pipeline } from 'node:stream/promises';

/** Runs `write` into a plaintext stream whose bytes reach `out` encrypted to `recipients`. */
export async function writeEncrypted(out: Writable, recipients: readonly string[], write: (plain: Writable) => Promise<void>): Promise<void> {
  const { Encrypter } = await import('age-encryption');
  const encrypter = new Encrypter();
  for (const recipient of recipients) encrypter.addRecipient(recipient);
  const plain = new PassThrough();
  const encrypted = await encrypter.encrypt(Readable.toWeb(plain) as unknown as ReadableStream<Uint8Array>);
  const sealing = pipeline(Readable.fromWeb(encrypted as unknown as WebReadableStream<Uint8Array>), out, { end: false });
  sealing.catch(() => undefined);
  try {
    await write(plain);
    if (!plain.writableEnded) plain.end();
  } catch (error) {
    plain.destroy(error as Error);
    throw error;
  }
  await sealing;
}
