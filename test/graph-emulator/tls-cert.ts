/**
 * A throw-away self-signed certificate for 127.0.0.1/localhost, made with the openssl CLI in
 * a temporary folder. The client trusts it through `source.ca_file` (the PEM written here),
 * never by switching certificate checks off.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../support/tmp.js';

export interface TlsMaterial {
  readonly key: string;
  readonly cert: string;
  /** Path of `cert` as a PEM file, for `source.ca_file`. */
  readonly caFile: string;
  readonly dir: string;
}

export function selfSignedCertificate(commonName = 'pbxsync graph emulator'): TlsMaterial {
  const dir = tempDir('graph-emulator-');
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-sha256',
      '-days',
      '2',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-subj',
      `/CN=${commonName}`,
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign',
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), caFile: certFile, dir };
}

/** An app credential certificate: private key file, public PEM, SHA-1 and SHA-256 thumbprints (hex). */
export function appCertificate(dir: string, name = 'app'): { keyFile: string; certPem: string; sha1: string; sha256: string } {
  const keyFile = join(dir, `${name}-key.pem`);
  const certFile = join(dir, `${name}-cert.pem`);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-keyout', keyFile, '-out', certFile, '-subj', `/CN=${name}`], {
    stdio: 'ignore',
  });
  const certPem = readFileSync(certFile, 'utf8');
  const der = Buffer.from(certPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  return { keyFile, certPem, sha1: createHash('sha1').update(der).digest('hex'), sha256: createHash('sha256').update(der).digest('hex') };
}
