import { createHash } from 'node:crypto';
import { crc32c } from '@aws-crypto/crc32c';
import { ApiError } from './api-error.js';

/** The states of a secret version (`google.cloud.secretmanager.v1.SecretVersion.State`). */
export type VersionState = 'ENABLED' | 'DISABLED' | 'DESTROYED';

/** Numeric values of the states, for clients that ask for `enum-encoding=int`. */
export const STATE_NUMBER: Record<VersionState, number> = { ENABLED: 1, DISABLED: 2, DESTROYED: 3 };

export interface StoredVersion {
  readonly number: number;
  state: VersionState;
  data: Uint8Array | undefined;
  readonly crc32c: number;
  readonly clientChecksum: boolean;
  readonly createTime: number;
  destroyTime?: number;
  etag: string;
}

export interface StoredSecret {
  /** `projects/{number}[/locations/{location}]/secrets/{id}`. */
  readonly name: string;
  readonly location: string | undefined;
  readonly createTime: number;
  readonly replication: unknown;
  labels: Record<string, string>;
  aliases: Map<string, number>;
  versions: StoredVersion[];
  etag: string;
}

/** A parsed resource name: the secret, and the version segment if any. */
export interface ResourceName {
  readonly project: string;
  readonly location?: string;
  readonly secret?: string;
  readonly version?: string;
}

const SECRET_ID = /^[A-Za-z0-9_-]{1,255}$/;
const ALIAS = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;
const MAX_PAYLOAD_BYTES = 65_536;
const MAX_ALIASES = 50;

/** Secrets by name, with Secret Manager's rules for versions, states and aliases. */
export class SecretStore {
  private readonly secrets = new Map<string, StoredSecret>();
  private readonly numbers = new Map<string, string>();
  private etagCounter = 0;

  constructor(
    private readonly clock: () => number,
    projects: Readonly<Record<string, string>> = {},
  ) {
    for (const [id, number] of Object.entries(projects)) this.numbers.set(id, number);
  }

  /** The project number of a project id (a number stays itself); unknown ids get a stable one. */
  projectNumber(project: string): string {
    if (/^\d+$/.test(project)) return project;
    let number = this.numbers.get(project);
    if (number === undefined) {
      const digest = createHash('sha256').update(project).digest();
      number = String(100_000_000_000 + (digest.readUInt32BE(0) % 900_000_000_000));
      this.numbers.set(project, number);
    }
    return number;
  }

  /** Parses `projects/P[/locations/L][/secrets/S[/versions/V]]`; anything else is refused. */
  parse(resource: string): ResourceName {
    const parts = resource.split('/');
    const take = (label: string) => {
      if (parts[0] !== label || parts[1] === undefined || parts[1] === '') return undefined;
      parts.splice(0, 1);
      return parts.shift();
    };
    const project = take('projects');
    const location = parts[0] === 'locations' ? take('locations') : undefined;
    const secret = parts[0] === 'secrets' ? take('secrets') : undefined;
    const version = parts[0] === 'versions' ? take('versions') : undefined;
    if (project === undefined || parts.length > 0) {
      throw new ApiError('INVALID_ARGUMENT', `The resource name "${resource}" is not valid.`);
    }
    return { project, location, secret, version };
  }

  /** The canonical name (project number) of a project or location. */
  parentName(parent: ResourceName): string {
    const project = `projects/${this.projectNumber(parent.project)}`;
    return parent.location === undefined ? project : `${project}/locations/${parent.location}`;
  }

  /** A resource name with the project number in place of the id. */
  normalise(resource: string): string {
    const match = /^projects\/([^/]+)(.*)$/.exec(resource);
    return match === null
      ? resource
      : `projects/${this.projectNumber(match[1] as string)}${match[2]}`;
  }

  secretName(name: ResourceName): string {
    return `${this.parentName(name)}/secrets/${name.secret}`;
  }

  find(name: ResourceName): StoredSecret | undefined {
    return this.secrets.get(this.secretName(name));
  }

  /** The secret, or NOT_FOUND in Secret Manager's words. */
  get(name: ResourceName, wording: 'plain' | 'versions' = 'plain'): StoredSecret {
    const secret = this.find(name);
    if (secret === undefined) {
      const suffix = wording === 'versions' ? ' not found or has no versions.' : ' not found.';
      throw new ApiError('NOT_FOUND', `Secret [${this.secretName(name)}]${suffix}`);
    }
    return secret;
  }

  list(parent: ResourceName): StoredSecret[] {
    const prefix = `${this.parentName(parent)}/secrets/`;
    return [...this.secrets.values()].filter((secret) => secret.name.startsWith(prefix));
  }

  create(
    parent: ResourceName,
    secretId: string,
    input: { replication?: unknown; labels?: Record<string, string> },
  ): StoredSecret {
    if (!SECRET_ID.test(secretId)) {
      throw new ApiError(
        'INVALID_ARGUMENT',
        'Secret ID must be 1-255 characters: letters, digits, underscores and hyphens.',
      );
    }
    const name = `${this.parentName(parent)}/secrets/${secretId}`;
    if (this.secrets.has(name)) {
      throw new ApiError('ALREADY_EXISTS', `Secret [${name}] already exists.`);
    }
    const regional = parent.location !== undefined;
    if (regional && input.replication !== undefined && input.replication !== null) {
      throw new ApiError('INVALID_ARGUMENT', 'Replication is not supported for regional secrets.');
    }
    if (!regional && !isReplication(input.replication)) {
      throw new ApiError(
        'INVALID_ARGUMENT',
        'Secret.replication is required: set automatic or user_managed replication.',
      );
    }
    const secret: StoredSecret = {
      name,
      location: parent.location,
      createTime: this.clock(),
      replication: regional ? undefined : input.replication,
      labels: { ...(input.labels ?? {}) },
      aliases: new Map(),
      versions: [],
      etag: this.newEtag(),
    };
    this.secrets.set(name, secret);
    return secret;
  }

  delete(name: ResourceName, etag: string | undefined): void {
    const secret = this.get(name);
    this.checkEtag(secret.etag, etag);
    this.secrets.delete(secret.name);
  }

  /** Adds a version; `checksum` (if given) must be the CRC32C of `data`. */
  addVersion(secret: StoredSecret, data: Uint8Array, checksum?: number): StoredVersion {
    if (data.length > MAX_PAYLOAD_BYTES) {
      throw new ApiError('INVALID_ARGUMENT', 'Secret payload data must be at most 64 KiB.');
    }
    const computed = crc32c(data);
    if (checksum !== undefined && checksum !== computed) {
      throw new ApiError(
        'INVALID_ARGUMENT',
        'Checksum mismatch: the data_crc32c of the payload does not match its data.',
      );
    }
    const version: StoredVersion = {
      number: (secret.versions.at(-1)?.number ?? 0) + 1,
      state: 'ENABLED',
      data: new Uint8Array(data),
      crc32c: computed,
      clientChecksum: checksum !== undefined,
      createTime: this.clock(),
      etag: this.newEtag(),
    };
    secret.versions.push(version);
    return version;
  }

  /**
   * The version a name points at: a number, an alias, or `latest` (the newest version,
   * whatever its state: this is why `latest` fails when the newest one is disabled).
   */
  version(secret: StoredSecret, spec: string): StoredVersion {
    const number =
      spec === 'latest'
        ? secret.versions.at(-1)?.number
        : /^[1-9]\d*$/.test(spec)
          ? Number(spec)
          : secret.aliases.get(spec);
    const version = secret.versions.find((candidate) => candidate.number === number);
    if (version === undefined) {
      if (spec === 'latest') {
        throw new ApiError('NOT_FOUND', `Secret [${secret.name}] not found or has no versions.`);
      }
      throw new ApiError(
        'NOT_FOUND',
        `Secret Version [${secret.name}/versions/${spec}] not found.`,
      );
    }
    return version;
  }

  setState(secret: StoredSecret, version: StoredVersion, state: VersionState, etag?: string): void {
    this.checkEtag(version.etag, etag);
    if (version.state === 'DESTROYED') {
      throw new ApiError(
        'FAILED_PRECONDITION',
        `Secret Version [${secret.name}/versions/${version.number}] is in DESTROYED state.`,
      );
    }
    version.state = state;
    version.etag = this.newEtag();
    if (state === 'DESTROYED') {
      version.data = undefined;
      version.destroyTime = this.clock();
      for (const [alias, number] of secret.aliases) {
        if (number === version.number) secret.aliases.delete(alias);
      }
    }
  }

  /** Replaces the aliases (checked as Secret Manager checks them) and renews the etag. */
  setAliases(secret: StoredSecret, aliases: Record<string, unknown>, etag?: string): void {
    this.checkEtag(secret.etag, etag);
    const next = new Map<string, number>();
    for (const [alias, raw] of Object.entries(aliases)) {
      const number = Number(raw);
      if (!ALIAS.test(alias) || alias === 'latest') {
        throw new ApiError(
          'INVALID_ARGUMENT',
          `Alias "${alias}" is not valid: start with a letter, then letters, digits, _ or -; "latest" is reserved.`,
        );
      }
      const version = secret.versions.find((candidate) => candidate.number === number);
      if (version === undefined || version.state === 'DESTROYED') {
        throw new ApiError(
          'INVALID_ARGUMENT',
          `Alias "${alias}" must point to an existing version that is not destroyed.`,
        );
      }
      next.set(alias, number);
    }
    if (next.size > MAX_ALIASES) {
      throw new ApiError('INVALID_ARGUMENT', `A secret can have at most ${MAX_ALIASES} aliases.`);
    }
    secret.aliases = next;
    secret.etag = this.newEtag();
  }

  setLabels(secret: StoredSecret, labels: Record<string, string>, etag?: string): void {
    this.checkEtag(secret.etag, etag);
    secret.labels = { ...labels };
    secret.etag = this.newEtag();
  }

  private checkEtag(current: string, given: string | undefined): void {
    if (given !== undefined && given !== '' && given !== current) {
      throw new ApiError(
        'FAILED_PRECONDITION',
        'The etag provided in the request does not match the current etag of the resource.',
      );
    }
  }

  private newEtag(): string {
    this.etagCounter += 1;
    return `"${(this.clock() * 1000 + this.etagCounter).toString(16)}"`;
  }
}

function isReplication(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const replication = value as {
    automatic?: unknown;
    userManaged?: unknown;
    user_managed?: unknown;
  };
  return (
    replication.automatic !== undefined ||
    replication.userManaged !== undefined ||
    replication.user_managed !== undefined
  );
}
