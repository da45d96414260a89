import { badRequest } from './vault-error.js';

/** One version of a KV v2 secret. */
export interface KvVersion {
  readonly version: number;
  data: Record<string, unknown> | undefined;
  readonly createdTime: number;
  deletionTime?: number;
  destroyed: boolean;
}

/** A KV v2 secret: its versions and settings. */
export interface KvSecret {
  currentVersion: number;
  readonly versions: Map<number, KvVersion>;
  readonly createdTime: number;
  updatedTime: number;
  casRequired: boolean;
  maxVersions: number;
}

/** A KV v2 mount's settings (`{mount}/config`). */
export interface KvConfig {
  casRequired: boolean;
  /** Versions kept per secret; 0 means Vault's default of 10. */
  maxVersions: number;
}

/** Vault keeps this many versions when neither the mount nor the secret says otherwise. */
const DEFAULT_MAX_VERSIONS = 10;

/** A KV v2 mount: secrets by path, with Vault's rules for versions and check-and-set. */
export class KvMount {
  readonly secrets = new Map<string, KvSecret>();
  readonly config: KvConfig = { casRequired: false, maxVersions: 0 };

  constructor(private readonly clock: () => number) {}

  /** Writes a new version (with check-and-set when `cas` is given) and answers it. */
  write(path: string, data: Record<string, unknown>, cas: number | undefined): KvVersion {
    const now = this.clock();
    const secret = this.secrets.get(path) ?? {
      currentVersion: 0,
      versions: new Map<number, KvVersion>(),
      createdTime: now,
      updatedTime: now,
      casRequired: false,
      maxVersions: 0,
    };
    if (cas !== undefined) {
      if (cas !== secret.currentVersion) {
        throw badRequest('check-and-set parameter did not match the current version');
      }
    } else if (this.config.casRequired || secret.casRequired) {
      throw badRequest('check-and-set parameter required for this call');
    }
    const version: KvVersion = {
      version: secret.currentVersion + 1,
      data: structuredClone(data),
      createdTime: now,
      destroyed: false,
    };
    secret.currentVersion = version.version;
    secret.versions.set(version.version, version);
    secret.updatedTime = now;
    this.secrets.set(path, secret);
    const keep = Math.max(secret.maxVersions, this.config.maxVersions) || DEFAULT_MAX_VERSIONS;
    for (const number of secret.versions.keys()) {
      if (number <= secret.currentVersion - keep) secret.versions.delete(number);
    }
    return version;
  }

  /** The version asked for (0 or none: the current one), if it is still kept. */
  version(path: string, wanted: number | undefined): KvVersion | undefined {
    const secret = this.secrets.get(path);
    if (secret === undefined) return undefined;
    return secret.versions.get(
      wanted === undefined || wanted === 0 ? secret.currentVersion : wanted,
    );
  }

  /** Soft-deletes versions (the current one when none are named). */
  delete(path: string, versions?: readonly number[]): void {
    const secret = this.secrets.get(path);
    if (secret === undefined) return;
    for (const number of versions ?? [secret.currentVersion]) {
      const version = secret.versions.get(number);
      if (version !== undefined && !version.destroyed && version.deletionTime === undefined) {
        version.deletionTime = this.clock();
      }
    }
  }

  undelete(path: string, versions: readonly number[]): void {
    for (const number of versions) {
      const version = this.secrets.get(path)?.versions.get(number);
      if (version !== undefined && !version.destroyed) version.deletionTime = undefined;
    }
  }

  /** Destroys versions for good: their data is gone. */
  destroy(path: string, versions: readonly number[]): void {
    for (const number of versions) {
      const version = this.secrets.get(path)?.versions.get(number);
      if (version !== undefined) {
        version.destroyed = true;
        version.data = undefined;
      }
    }
  }
}
