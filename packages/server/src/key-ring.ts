import type { Baton } from '@baton/core';
import { KEY_BYTES } from './constants.js';
import { EncryptionKeyError } from './errors.js';

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * The encryption keys, resolved through a Baton by ref: the registry's current ref of the
 * key's logical name encrypts, and each stored version names the ref that encrypted it, so
 * versions written before a rotation keep decrypting with their own key as long as its ref
 * resolves. Keys are decoded once per ref (a ref's value never changes).
 */
export class KeyRing {
  private readonly keys = new Map<string, Promise<Buffer>>();

  constructor(
    private readonly baton: Baton,
    readonly logical: string,
  ) {}

  /** The ref new versions are encrypted with. */
  currentRef(): string {
    const entry = this.baton.status(this.logical);
    if (entry === undefined) {
      throw new EncryptionKeyError(
        this.logical,
        `no registry entry; register the key's first ref (${this.logical}:v1) in the service's Baton`,
      );
    }
    return entry.currentRef;
  }

  /** The key of `ref`: 32 bytes, decoded from base64. */
  key(ref: string): Promise<Buffer> {
    let key = this.keys.get(ref);
    if (key === undefined) {
      key = this.load(ref);
      this.keys.set(ref, key);
      // A failure is not remembered: the ref may resolve once its variable is set.
      key.catch(() => this.keys.delete(ref));
    }
    return key;
  }

  private async load(ref: string): Promise<Buffer> {
    let value: string;
    try {
      value = await this.baton.getSecret(ref);
    } catch (error) {
      throw new EncryptionKeyError(ref, 'its value could not be resolved', { cause: error });
    }
    const text = value.trim();
    const key = BASE64.test(text) ? Buffer.from(text, 'base64') : undefined;
    if (key?.length !== KEY_BYTES) {
      throw new EncryptionKeyError(
        ref,
        `its value must be ${KEY_BYTES} random bytes in base64 (make one with \`openssl rand -base64 32\`)`,
      );
    }
    return key;
  }
}
