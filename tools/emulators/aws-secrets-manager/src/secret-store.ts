import { randomBytes, randomUUID } from 'node:crypto';
import { ApiError } from './api-error.js';

/** The label of the version that reads get by default. */
export const AWSCURRENT = 'AWSCURRENT';
/** The label Secrets Manager moves to the version that was current before. */
export const AWSPREVIOUS = 'AWSPREVIOUS';
/** The label of a version being rotated in. */
export const AWSPENDING = 'AWSPENDING';

/** A stored version: its value (text or bytes) and its staging labels. */
export interface SecretVersion {
  readonly versionId: string;
  readonly secretString?: string;
  readonly secretBinary?: Uint8Array;
  readonly createdDate: number;
  readonly stages: Set<string>;
}

/** A stored secret, with every version ever written (unlabelled ones are deprecated). */
export interface StoredSecret {
  readonly arn: string;
  readonly name: string;
  description?: string;
  readonly createdDate: number;
  lastChangedDate: number;
  lastAccessedDate?: number;
  tags: { Key: string; Value: string }[];
  readonly versions: Map<string, SecretVersion>;
  /** When set, reads fail with `DecryptionFailure`, as when the secret's KMS key is disabled. */
  keyDisabled: boolean;
}

/** A value as the API carries it: exactly one of text and bytes. */
export interface SecretValue {
  secretString?: string;
  secretBinary?: Uint8Array;
}

const NAME_PATTERN = /^[A-Za-z0-9/_+=.@-]+$/;
const MAX_NAME_LENGTH = 512;
const MAX_STAGES_PER_VERSION = 20;

/**
 * The secrets of one account and region, with the staging-label rules of the Secrets Manager
 * API reference: a label is on at most one version of a secret; moving `AWSCURRENT` moves
 * `AWSPREVIOUS` to the version that had it; a version without labels is deprecated.
 */
export class SecretStore {
  private readonly byName = new Map<string, StoredSecret>();
  private readonly byArn = new Map<string, StoredSecret>();

  constructor(
    readonly region: string,
    readonly accountId: string,
    private readonly now: () => number,
  ) {}

  get size(): number {
    return this.byName.size;
  }

  all(): StoredSecret[] {
    return [...this.byName.values()];
  }

  /** Finds a secret by name or ARN; `ResourceNotFoundException` when there is none. */
  find(secretId: string): StoredSecret {
    const secret = this.byName.get(secretId) ?? this.byArn.get(secretId);
    if (secret === undefined) {
      throw new ApiError(
        'ResourceNotFoundException',
        "Secrets Manager can't find the specified secret.",
      );
    }
    return secret;
  }

  has(secretId: string): boolean {
    return this.byName.has(secretId) || this.byArn.has(secretId);
  }

  /** Creates a secret, with a first version labelled `AWSCURRENT` when a value is given. */
  create(
    name: string,
    value: SecretValue | undefined,
    versionId: string,
    extra: { description?: string; tags?: { Key: string; Value: string }[] } = {},
  ): StoredSecret {
    assertName(name);
    const at = this.nowSeconds();
    const arn = `arn:aws:secretsmanager:${this.region}:${this.accountId}:secret:${name}-${randomSuffix()}`;
    const secret: StoredSecret = {
      arn,
      name,
      description: extra.description,
      createdDate: at,
      lastChangedDate: at,
      tags: extra.tags ?? [],
      versions: new Map(),
      keyDisabled: false,
    };
    this.byName.set(name, secret);
    this.byArn.set(arn, secret);
    if (value !== undefined) this.addVersion(secret, value, versionId, [AWSCURRENT]);
    return secret;
  }

  /**
   * Adds a version carrying `stages`, moving each label from the version that had it.
   * An existing `versionId` with the same value is the idempotent repeat of a request and
   * changes nothing; with a different value it is refused, as versions are immutable.
   */
  addVersion(
    secret: StoredSecret,
    value: SecretValue,
    versionId: string,
    stages: readonly string[],
  ): SecretVersion {
    const existing = secret.versions.get(versionId);
    if (existing !== undefined) {
      if (sameValue(existing, value)) return existing;
      throw new ApiError(
        'ResourceExistsException',
        `A version with ClientRequestToken ${versionId} already exists with a different value; versions can't be modified.`,
      );
    }
    assertStages(stages);
    const version: SecretVersion = {
      versionId,
      secretString: value.secretString,
      secretBinary: value.secretBinary,
      createdDate: this.nowSeconds(),
      stages: new Set(),
    };
    secret.versions.set(versionId, version);
    for (const stage of stages) this.attach(secret, stage, version);
    secret.lastChangedDate = version.createdDate;
    return version;
  }

  /** The version holding a label, if any. */
  holder(secret: StoredSecret, stage: string): SecretVersion | undefined {
    for (const version of secret.versions.values()) if (version.stages.has(stage)) return version;
    return undefined;
  }

  /**
   * Moves or removes a label as `UpdateSecretVersionStage` does. A label already on another
   * version moves only when the request names that version in `removeFrom`.
   */
  moveStage(
    secret: StoredSecret,
    stage: string,
    moveTo: string | undefined,
    removeFrom: string | undefined,
  ): void {
    assertStages([stage]);
    const current = this.holder(secret, stage);
    if (removeFrom !== undefined && current?.versionId !== removeFrom) {
      throw new ApiError(
        'InvalidParameterException',
        `The staging label ${stage} is not attached to version ${removeFrom}.`,
      );
    }
    if (moveTo === undefined) {
      if (removeFrom === undefined) {
        throw new ApiError(
          'InvalidParameterException',
          'You must specify MoveToVersionId, RemoveFromVersionId, or both.',
        );
      }
      if (stage === AWSCURRENT) {
        throw new ApiError(
          'InvalidParameterException',
          'You can only move AWSCURRENT to another version; it cannot be removed.',
        );
      }
      current?.stages.delete(stage);
      secret.lastChangedDate = this.nowSeconds();
      return;
    }
    const target = secret.versions.get(moveTo);
    if (target === undefined) {
      throw new ApiError(
        'ResourceNotFoundException',
        `Secrets Manager can't find the specified secret version: ${moveTo}.`,
      );
    }
    if (current === target) return;
    if (current !== undefined && removeFrom === undefined) {
      throw new ApiError(
        'InvalidParameterException',
        `The staging label ${stage} is currently attached to version ${current.versionId}, so you must explicitly reference that version in RemoveFromVersionId.`,
      );
    }
    this.attach(secret, stage, target);
    secret.lastChangedDate = this.nowSeconds();
  }

  /** Labelled versions by id, as `DescribeSecret`'s `VersionIdsToStages` shows them. */
  versionIdsToStages(secret: StoredSecret): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const version of secret.versions.values()) {
      if (version.stages.size > 0) out[version.versionId] = [...version.stages];
    }
    return out;
  }

  /** The version a read asks for: by id, by label (default `AWSCURRENT`), or both. */
  resolveVersion(
    secret: StoredSecret,
    versionId: string | undefined,
    stage: string | undefined,
  ): SecretVersion {
    if (versionId !== undefined) {
      const version = secret.versions.get(versionId);
      if (version === undefined || (stage !== undefined && !version.stages.has(stage))) {
        throw new ApiError(
          'ResourceNotFoundException',
          `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`,
        );
      }
      return version;
    }
    const label = stage ?? AWSCURRENT;
    const version = this.holder(secret, label);
    if (version === undefined) {
      throw new ApiError(
        'ResourceNotFoundException',
        `Secrets Manager can't find the specified secret value for staging label: ${label}`,
      );
    }
    return version;
  }

  /** Marks a read: `LastAccessedDate` is kept to the day, as Secrets Manager does. */
  touch(secret: StoredSecret): void {
    const day = 86_400;
    secret.lastAccessedDate = Math.floor(this.nowSeconds() / day) * day;
  }

  newVersionId(): string {
    return randomUUID();
  }

  private attach(secret: StoredSecret, stage: string, version: SecretVersion): void {
    const previous = this.holder(secret, stage);
    if (previous === version) return;
    previous?.stages.delete(stage);
    assertStageCount(version, 1);
    version.stages.add(stage);
    if (stage === AWSCURRENT && previous !== undefined) {
      // The documented automatic move: the version that was current becomes AWSPREVIOUS.
      this.holder(secret, AWSPREVIOUS)?.stages.delete(AWSPREVIOUS);
      previous.stages.add(AWSPREVIOUS);
    }
  }

  private nowSeconds(): number {
    return Math.floor(this.now()) / 1000;
  }
}

function assertName(name: string): void {
  if (name.length === 0 || name.length > MAX_NAME_LENGTH || !NAME_PATTERN.test(name)) {
    throw new ApiError(
      'InvalidParameterException',
      'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
    );
  }
}

function assertStages(stages: readonly string[]): void {
  if (stages.length > MAX_STAGES_PER_VERSION) {
    throw new ApiError(
      'InvalidParameterException',
      'A version can have at most 20 staging labels.',
    );
  }
  for (const stage of stages) {
    if (typeof stage !== 'string' || stage.length === 0 || stage.length > 256) {
      throw new ApiError(
        'InvalidParameterException',
        'A staging label must be a string of 1 to 256 characters.',
      );
    }
  }
}

function assertStageCount(version: SecretVersion, adding: number): void {
  if (version.stages.size + adding > MAX_STAGES_PER_VERSION) {
    throw new ApiError(
      'InvalidParameterException',
      'A version can have at most 20 staging labels.',
    );
  }
}

function sameValue(version: SecretVersion, value: SecretValue): boolean {
  if (version.secretString !== undefined || value.secretString !== undefined) {
    return version.secretString === value.secretString;
  }
  return Buffer.from(version.secretBinary ?? []).equals(Buffer.from(value.secretBinary ?? []));
}

/** The six random characters Secrets Manager appends to an ARN. */
function randomSuffix(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return [...randomBytes(6)].map((byte) => alphabet[byte % alphabet.length]).join('');
}
