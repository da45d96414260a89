import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { IV_BYTES } from './constants.js';

/** An encrypted value as stored: the nonce, and the ciphertext with GCM's 16-byte tag appended. */
export interface Sealed {
  readonly iv: Buffer;
  readonly ciphertext: Buffer;
}

const TAG_BYTES = 16;

/**
 * The associated data of a value: its path and version. GCM authenticates it, so a ciphertext
 * copied to another row (another path, an older version) fails to decrypt instead of being
 * served under the wrong name.
 */
function associatedData(path: string, version: number): Buffer {
  return Buffer.from(`baton-secrets/v1\u0000${path}\u0000${version}`, 'utf8');
}

/** Encrypts `plaintext` with AES-256-GCM under `key`, a fresh random 96-bit nonce per value. */
export function seal(key: Buffer, path: string, version: number, plaintext: string): Sealed {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData(path, version));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { iv, ciphertext: Buffer.concat([body, cipher.getAuthTag()]) };
}

/** Decrypts what `seal` made for the same path and version; throws when anything differs. */
export function open(key: Buffer, path: string, version: number, sealed: Sealed): string {
  const { iv, ciphertext } = sealed;
  if (ciphertext.length < TAG_BYTES) throw new Error('ciphertext shorter than its tag');
  const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(associatedData(path, version));
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - TAG_BYTES));
  return Buffer.concat([
    decipher.update(ciphertext.subarray(0, ciphertext.length - TAG_BYTES)),
    decipher.final(),
  ]).toString('utf8');
}
