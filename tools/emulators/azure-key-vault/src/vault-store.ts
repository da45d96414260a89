import { randomBytes } from 'node:crypto';

/** One version of a secret, as Key Vault keeps it. */
export interface StoredVersion {
  readonly version: string;
  readonly value: string;
  readonly contentType?: string;
  readonly tags: Readonly<Record<string, string>>;
  enabled: boolean;
  readonly created: number;
  updated: number;
}

/** A secret: its name as first written (names are case-insensitive) and its versions, oldest first. */
export interface StoredSecret {
  readonly name: string;
  readonly versions: StoredVersion[];
  /** When set, every request on the secret is answered 403, as without an RBAC role on it. */
  forbidden: boolean;
}

/** Names Key Vault accepts: 1–127 letters, digits and dashes. */
export const SECRET_NAME_PATTERN = /^[0-9A-Za-z-]{1,127}$/;

/** The secrets of one vault. Lookups ignore case, as Key Vault's object identifiers do. */
export class VaultStore {
  private readonly secrets = new Map<string, StoredSecret>();

  constructor(private readonly now: () => number) {}

  find(name: string): StoredSecret | undefined {
    return this.secrets.get(name.toLowerCase());
  }

  /** Adds a new version (the latest from now on) and answers it. */
  add(
    name: string,
    value: string,
    options: { tags?: Record<string, string>; contentType?: string; enabled?: boolean } = {},
  ): StoredVersion {
    let secret = this.find(name);
    if (secret === undefined) {
      secret = { name, versions: [], forbidden: false };
      this.secrets.set(name.toLowerCase(), secret);
    }
    const at = Math.floor(this.now() / 1000);
    const version: StoredVersion = {
      version: randomBytes(16).toString('hex'),
      value,
      contentType: options.contentType,
      tags: { ...(options.tags ?? {}) },
      enabled: options.enabled ?? true,
      created: at,
      updated: at,
    };
    secret.versions.push(version);
    return version;
  }

  latest(secret: StoredSecret): StoredVersion | undefined {
    return secret.versions.at(-1);
  }
}
