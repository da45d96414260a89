import {
  BatchGetSecretValueCommand,
  type BatchGetSecretValueCommandOutput,
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  type GetSecretValueCommandOutput,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import {
  ConfigError,
  clientFailureMessage,
  displayRef,
  type ParsedRef,
  parseRef,
  type SecretWriteResult,
  type WritableSecretSource,
} from '@baton/core';
import {
  AWSCURRENT,
  DEFAULT_SOURCE_NAME,
  MAX_BATCH_IDS,
  MAX_PREFIX_LENGTH,
  MAX_TOKEN_LENGTH,
  MIN_TOKEN_LENGTH,
  SECRET_NAME_PATTERN,
} from './constants.js';
import { type AwsFailure, AwsSecretsManagerError, BundleFormatError } from './errors.js';
import { type AwsSecretLocation, locate, type VersionMode } from './secret-location.js';

/** Options of {@link awsSecretsManager}. */
/**
 * Options of {@link awsSecretsManager}. Every option may be given as `undefined` (as
 * `process.env.X` is when X is unset), which means "not given".
 */
export interface AwsSecretsManagerOptions {
  /**
   * Your client, configured as you like (credentials, endpoint, retries); its region names
   * the secrets to create in `SecretNotFoundError` messages. Default: a new
   * `SecretsManagerClient({ region })` with the SDK's default credential chain.
   */
  client?: SecretsManagerClient | undefined;
  /** Region of the client Baton creates (not with `client`). Default: the SDK's (`AWS_REGION`, profile). */
  region?: string | undefined;
  /** Put before every secret name, e.g. `prod/`. Default `''`. */
  prefix?: string | undefined;
  /**
   * Where a ref's version lives: `'names'`: in the secret's name (`OPENAI_KEY:v2` →
   * `OPENAI_KEY_V2`); `'labels'`: in a staging label of one secret (`OPENAI_KEY` labelled `v2`;
   * an unversioned ref reads `AWSCURRENT`). Default `'names'`.
   */
  versions?: VersionMode | undefined;
  /**
   * Name of one JSON secret holding many keys (`{"OPENAI_KEY": "…"}`): refs read keys of it,
   * and one call answers them all. Default: none, one secret per ref.
   */
  bundle?: string | undefined;
  /** The source's name in errors, audit events and metrics. Default `'aws-secrets-manager'`. */
  name?: string | undefined;
}

/** Options of {@link AwsSecretsManagerSource.put}. */
export interface AwsPutOptions {
  /**
   * `ClientRequestToken` (32–64 characters): repeating a write with the same token and value
   * changes nothing, so a retried write never makes two versions. Default: a new UUID per call
   * (the SDK reuses it across its own retries).
   */
  idempotencyToken?: string;
  /**
   * Labels the new version carries. Default: the ref's label: `vN` in `labels` mode
   * (`AWSCURRENT` for an unversioned ref), `AWSCURRENT` in `names` mode.
   */
  stages?: readonly string[];
}

/** What {@link AwsSecretsManagerSource.put} stored. */
export interface AwsPutResult extends SecretWriteResult {
  readonly secretId: string;
  /** Whether the secret itself was created by this write. */
  readonly created: boolean;
}

/** What {@link AwsSecretsManagerSource.moveLabel} did. */
export interface AwsMoveLabelResult {
  readonly secretId: string;
  /** The version that carries the label now. */
  readonly versionId: string;
  /** The version that carried it before, if another one did. */
  readonly previousVersionId?: string;
}

/** The AWS Secrets Manager source: reads for the chain, and writes. */
export interface AwsSecretsManagerSource extends WritableSecretSource {
  readonly client: SecretsManagerClient;
  /** Where a ref lives: secret name, staging label and bundle key. */
  locate(ref: string | ParsedRef): AwsSecretLocation;
  getMany(refs: readonly ParsedRef[]): Promise<ReadonlyMap<string, string | undefined>>;
  /**
   * Stores `value` as a new version of the ref's secret (creating the secret if needed) and
   * labels it; answers the version id. Not available with `bundle`.
   */
  put(ref: string | ParsedRef, value: string, options?: AwsPutOptions): Promise<AwsPutResult>;
  /**
   * Moves a staging label of the ref's secret to the version the ref names (or
   * `toVersionId`). Moving `AWSCURRENT` makes Secrets Manager label the version that was
   * current `AWSPREVIOUS`. Fails with `InvalidParameterException` if another writer moved
   * the label in between.
   */
  moveLabel(
    ref: string | ParsedRef,
    label: string,
    options?: { toVersionId?: string },
  ): Promise<AwsMoveLabelResult>;
}

type Bundle = Readonly<Record<string, unknown>>;

/**
 * AWS Secrets Manager as a Baton source: not found is absent (the chain goes on); access
 * denied, decryption failures and exhausted retries (throttling, 5xx) fail with
 * {@link AwsSecretsManagerError}, naming the AWS error type and request id, never a value.
 * `getSecrets` reads through `BatchGetSecretValue`, 20 secrets per call.
 *
 * @example
 * const baton = createBaton({
 *   sources: [envSource(), awsSecretsManager({ prefix: 'prod/' })],
 * });
 * await baton.getSecret('OPENAI_KEY:v2'); // the secret prod/OPENAI_KEY_V2
 */
export function awsSecretsManager(options: AwsSecretsManagerOptions = {}): AwsSecretsManagerSource {
  const settings = resolveOptions(options);
  return new AwsSecretsManager(settings);
}

interface Settings {
  client: SecretsManagerClient;
  /** The region given, if any; otherwise the client's, once it has answered. */
  region: string | undefined;
  prefix: string;
  versions: VersionMode;
  bundle: string | undefined;
  name: string;
}

class AwsSecretsManager implements AwsSecretsManagerSource {
  readonly name: string;
  readonly client: SecretsManagerClient;
  private readonly settings: Settings;
  /** Reads of one bundle in flight, shared by every ref that needs it while they last. */
  private readonly bundleReads = new Map<string, Promise<Bundle | undefined>>();
  /** Set once BatchGetSecretValue is denied: refs are then read one by one. */
  private batchDenied = false;
  /** The client's region, for hints: known once its configuration has answered. */
  private region: string | undefined;

  constructor(settings: Settings) {
    this.settings = settings;
    this.name = settings.name;
    this.client = settings.client;
    this.region = settings.region;
    if (this.region === undefined) this.learnRegion();
  }

  /**
   * What to create so this source has the ref: the secret (or key, or label), named as
   * `locate` finds it, and the region.
   *
   * @example
   * awsSecretsManager({ region: 'eu-west-1', prefix: 'prod/' }).hint(parseRef('OPENAI_KEY:v2'));
   * // 'create the secret prod/OPENAI_KEY_V2 in AWS Secrets Manager (eu-west-1)'
   */
  hint(ref: ParsedRef): string {
    const where = `in AWS Secrets Manager${this.region === undefined ? '' : ` (${this.region})`}`;
    // A ref that looks like a credential is not turned into a name to create.
    if (displayRef(ref.ref) !== ref.ref) return `create the secret ${where}`;
    const { secretId, versionStage, key } = this.locate(ref);
    const labelled = versionStage !== AWSCURRENT;
    if (key !== undefined) {
      return labelled
        ? `add the key ${key} to the version labelled ${versionStage} of the JSON secret ${secretId} ${where}`
        : `add the key ${key} to the JSON secret ${secretId} ${where}`;
    }
    return labelled
      ? `add a version labelled ${versionStage} to the secret ${secretId} ${where}`
      : `create the secret ${secretId} ${where}`;
  }

  /** Asks the client for its region (it may have none: then hints name no region). */
  private learnRegion(): void {
    const region = (this.client as { config?: { region?: unknown } }).config?.region;
    if (typeof region === 'string') {
      this.region = region;
      return;
    }
    if (typeof region !== 'function') return;
    Promise.resolve()
      .then(() => (region as () => unknown)())
      .then(
        (answer) => {
          if (typeof answer === 'string' && answer !== '') this.region = answer;
        },
        () => undefined,
      );
  }

  locate(ref: string | ParsedRef): AwsSecretLocation {
    const parsed = typeof ref === 'string' ? parseRef(ref) : ref;
    return locate(parsed, this.settings.versions, this.settings.prefix, this.settings.bundle);
  }

  async get(ref: ParsedRef): Promise<string | undefined> {
    const location = this.locate(ref);
    if (location.key !== undefined) {
      const bundle = await this.readBundle(location, displayRef(ref.ref));
      return bundleValue(this.name, ref, bundle, location.key);
    }
    const answer = await this.getSecretValue(
      location,
      displayRef(ref.ref),
      describeLocation(ref, location),
    );
    return answer === undefined ? undefined : textOf(this.name, ref, answer);
  }

  async getMany(refs: readonly ParsedRef[]): Promise<ReadonlyMap<string, string | undefined>> {
    const answers = new Map<string, string | undefined>();
    if (this.settings.bundle !== undefined) {
      // One read per label in use: with `names` that is one read for every ref.
      await Promise.all(
        refs.map(async (ref) => {
          answers.set(ref.ref, await this.get(ref));
        }),
      );
      return answers;
    }
    if (this.batchDenied) return answers;
    // BatchGetSecretValue reads AWSCURRENT only; refs at other labels are left to `get`.
    const batchable = refs.filter((ref) => this.locate(ref).versionStage === AWSCURRENT);
    const bySecret = new Map<string, ParsedRef[]>();
    for (const ref of batchable) {
      const secretId = this.locate(ref).secretId;
      bySecret.set(secretId, [...(bySecret.get(secretId) ?? []), ref]);
    }
    const ids = [...bySecret.keys()];
    const chunks: string[][] = [];
    for (let start = 0; start < ids.length; start += MAX_BATCH_IDS) {
      chunks.push(ids.slice(start, start + MAX_BATCH_IDS));
    }
    const results = await Promise.all(chunks.map((chunk) => this.batchRead(chunk, refs)));
    if (results.some((result) => result === 'denied')) {
      this.batchDenied = true;
      return new Map();
    }
    for (const result of results) {
      if (result === 'denied') continue;
      for (const [secretId, value] of result) {
        for (const ref of bySecret.get(secretId) ?? []) answers.set(ref.ref, value);
      }
    }
    return answers;
  }

  async put(
    ref: string | ParsedRef,
    value: string,
    options: AwsPutOptions = {},
  ): Promise<AwsPutResult> {
    const parsed = typeof ref === 'string' ? parseRef(ref) : ref;
    if (this.settings.bundle !== undefined) {
      throw new ConfigError(
        `awsSecretsManager: writes are not supported with "bundle" (a bundle is rewritten whole, and concurrent writers would lose each other's keys); write the bundle secret with the AWS SDK`,
      );
    }
    if (typeof value !== 'string') {
      throw new ConfigError(
        `awsSecretsManager.put: the value of ${displayRef(parsed.ref)} must be a string`,
      );
    }
    const token = options.idempotencyToken ?? globalThis.crypto.randomUUID();
    if (
      typeof token !== 'string' ||
      token.length < MIN_TOKEN_LENGTH ||
      token.length > MAX_TOKEN_LENGTH
    ) {
      throw new ConfigError(
        `awsSecretsManager.put: idempotencyToken must be ${MIN_TOKEN_LENGTH} to ${MAX_TOKEN_LENGTH} characters (a UUID is)`,
      );
    }
    const location = this.locate(parsed);
    const stages = options.stages ?? [location.versionStage];
    const shown = displayRef(parsed.ref);
    const where = describeLocation(parsed, location);
    const putValue = () =>
      this.client.send(
        new PutSecretValueCommand({
          SecretId: location.secretId,
          SecretString: value,
          ClientRequestToken: token,
          VersionStages: [...stages],
        }),
      );
    try {
      const answer = await putValue();
      return { secretId: location.secretId, versionId: answer.VersionId ?? token, created: false };
    } catch (error) {
      if (errorTypeOf(error) !== 'ResourceNotFoundException') {
        throw this.failure(error, 'PutSecretValue', shown, where, 'write', value);
      }
    }
    // The secret does not exist yet: create it with the same token, so a retry of this whole
    // write is still one version.
    try {
      await this.client.send(
        new CreateSecretCommand({
          Name: location.secretId,
          SecretString: value,
          ClientRequestToken: token,
        }),
      );
    } catch (error) {
      if (errorTypeOf(error) !== 'ResourceExistsException') {
        throw this.failure(error, 'CreateSecret', shown, where, 'write', value);
      }
      // Another writer created it in between: write the version as usual.
      try {
        const answer = await putValue();
        return {
          secretId: location.secretId,
          versionId: answer.VersionId ?? token,
          created: false,
        };
      } catch (retryError) {
        throw this.failure(retryError, 'PutSecretValue', shown, where, 'write', value);
      }
    }
    // A new secret's first version is AWSCURRENT; add the other labels asked for.
    for (const stage of stages.filter((stage) => stage !== AWSCURRENT)) {
      try {
        await this.client.send(
          new UpdateSecretVersionStageCommand({
            SecretId: location.secretId,
            VersionStage: stage,
            MoveToVersionId: token,
          }),
        );
      } catch (error) {
        throw this.failure(error, 'UpdateSecretVersionStage', shown, where, 'write');
      }
    }
    return { secretId: location.secretId, versionId: token, created: true };
  }

  async moveLabel(
    ref: string | ParsedRef,
    label: string,
    options: { toVersionId?: string } = {},
  ): Promise<AwsMoveLabelResult> {
    const parsed = typeof ref === 'string' ? parseRef(ref) : ref;
    if (typeof label !== 'string' || label.length === 0 || label.length > 256) {
      throw new ConfigError('awsSecretsManager.moveLabel: label must be 1 to 256 characters');
    }
    const location = this.locate(parsed);
    const shown = displayRef(parsed.ref);
    const where = describeLocation(parsed, location);
    let stages: Record<string, string[]>;
    try {
      const described = await this.client.send(
        new DescribeSecretCommand({ SecretId: location.secretId }),
      );
      stages = described.VersionIdsToStages ?? {};
    } catch (error) {
      throw this.failure(error, 'DescribeSecret', shown, where, 'write');
    }
    const holderOf = (stage: string) =>
      Object.keys(stages).find((versionId) => stages[versionId]?.includes(stage));
    const target = options.toVersionId ?? holderOf(location.versionStage);
    if (target === undefined) {
      throw new AwsSecretsManagerError(
        this.name,
        shown,
        { errorType: 'ResourceNotFoundException', operation: 'DescribeSecret' },
        `${where}: no version carries the label ${location.versionStage}`,
        'write',
      );
    }
    const previous = holderOf(label);
    if (previous === target) return { secretId: location.secretId, versionId: target };
    try {
      await this.client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: location.secretId,
          VersionStage: label,
          MoveToVersionId: target,
          RemoveFromVersionId: previous,
        }),
      );
    } catch (error) {
      throw this.failure(error, 'UpdateSecretVersionStage', shown, where, 'write');
    }
    return {
      secretId: location.secretId,
      versionId: target,
      ...(previous === undefined ? {} : { previousVersionId: previous }),
    };
  }

  /**
   * One BatchGetSecretValue call: values by secret id; a secret that does not exist is
   * absent; a secret with another error is left out, so `get` reads it and reports its error.
   */
  private async batchRead(
    secretIds: readonly string[],
    refs: readonly ParsedRef[],
  ): Promise<Map<string, string | undefined> | 'denied'> {
    let answer: BatchGetSecretValueCommandOutput;
    try {
      answer = await this.client.send(
        new BatchGetSecretValueCommand({ SecretIdList: [...secretIds] }),
      );
    } catch (error) {
      // Without the BatchGetSecretValue permission the refs can still be read one by one.
      if (errorTypeOf(error) === 'AccessDeniedException') return 'denied';
      throw this.failure(error, 'BatchGetSecretValue', describeRefs(refs), '');
    }
    const values = new Map<string, string | undefined>();
    const byName = new Map(
      (answer.SecretValues ?? []).flatMap((entry) => [
        [entry.Name ?? '', entry],
        [entry.ARN ?? '', entry],
      ]),
    );
    for (const secretId of secretIds) {
      const entry = byName.get(secretId);
      if (entry !== undefined) {
        const ref = refs.find((candidate) => this.locate(candidate).secretId === secretId);
        values.set(secretId, textOf(this.name, ref as ParsedRef, entry));
      }
    }
    for (const error of answer.Errors ?? []) {
      if (error.ErrorCode === 'ResourceNotFoundException' && error.SecretId !== undefined) {
        values.set(error.SecretId, undefined);
      }
    }
    return values;
  }

  private readBundle(location: AwsSecretLocation, shown: string): Promise<Bundle | undefined> {
    const key = location.versionStage;
    let read = this.bundleReads.get(key);
    if (read === undefined) {
      read = this.fetchBundle(location, shown).finally(() => this.bundleReads.delete(key));
      this.bundleReads.set(key, read);
    }
    return read;
  }

  private async fetchBundle(
    location: AwsSecretLocation,
    shown: string,
  ): Promise<Bundle | undefined> {
    const where = `bundle "${location.secretId}" at ${location.versionStage}`;
    const answer = await this.getSecretValue(location, shown, ` of ${where}`);
    if (answer === undefined) return undefined;
    const text = answer.SecretString ?? decodeBinary(answer.SecretBinary);
    let parsed: unknown;
    try {
      parsed = text === undefined ? undefined : JSON.parse(text);
    } catch {
      // The parser's message quotes the text it failed on: never pass it on.
      parsed = undefined;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new BundleFormatError(this.name, shown, `the ${where} is not a JSON object`);
    }
    return parsed as Bundle;
  }

  /** One GetSecretValue; a secret or label that does not exist is absent, not an error. */
  private async getSecretValue(
    location: AwsSecretLocation,
    shown: string,
    detail: string,
  ): Promise<GetSecretValueCommandOutput | undefined> {
    try {
      return await this.client.send(
        new GetSecretValueCommand({
          SecretId: location.secretId,
          VersionStage: location.versionStage,
        }),
      );
    } catch (error) {
      if (errorTypeOf(error) === 'ResourceNotFoundException') return undefined;
      throw this.failure(error, 'GetSecretValue', shown, detail);
    }
  }

  private failure(
    error: unknown,
    operation: string,
    refs: string,
    detail: string,
    access: 'read' | 'write' = 'read',
    written?: string,
  ): AwsSecretsManagerError {
    return new AwsSecretsManagerError(
      this.name,
      refs,
      describeFailure(error, operation, written),
      detail,
      access,
      error,
    );
  }
}

function resolveOptions(options: AwsSecretsManagerOptions): Settings {
  const issues: string[] = [];
  if (options === null || typeof options !== 'object') {
    throw new ConfigError('awsSecretsManager takes an options object: { prefix?, versions?, … }');
  }
  const {
    client,
    region,
    prefix = '',
    versions = 'names',
    bundle,
    name = DEFAULT_SOURCE_NAME,
  } = options;
  if (versions !== 'names' && versions !== 'labels') {
    issues.push('awsSecretsManager: versions must be "names" or "labels"');
  }
  if (
    typeof prefix !== 'string' ||
    !SECRET_NAME_PATTERN.test(prefix) ||
    prefix.length > MAX_PREFIX_LENGTH
  ) {
    issues.push(
      `awsSecretsManager: prefix may hold only letters, digits and /_+=.@- (at most ${MAX_PREFIX_LENGTH} characters)`,
    );
  }
  if (
    bundle !== undefined &&
    (typeof bundle !== 'string' || bundle.length === 0 || !SECRET_NAME_PATTERN.test(bundle))
  ) {
    issues.push('awsSecretsManager: bundle must be a secret name (letters, digits and /_+=.@-)');
  }
  if (typeof name !== 'string' || name.length === 0) {
    issues.push('awsSecretsManager: name must be a non-empty string');
  }
  if (client !== undefined && typeof (client as { send?: unknown })?.send !== 'function') {
    issues.push('awsSecretsManager: client must be a SecretsManagerClient');
  }
  if (client !== undefined && region !== undefined) {
    issues.push(
      'awsSecretsManager: region applies only to the client Baton creates; set it on your client',
    );
  }
  if (region !== undefined && (typeof region !== 'string' || region.length === 0)) {
    issues.push('awsSecretsManager: region must be a region name such as "eu-west-1"');
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return {
    client: client ?? new SecretsManagerClient(region === undefined ? {} : { region }),
    region,
    prefix,
    versions,
    bundle,
    name,
  };
}

/**
 * The AWS error's kind and metadata. The service's message stays behind, as it may echo
 * input; the message of a failure the client raised before any request reached the service
 * (no HTTP answer: "Region is missing", missing credentials, an unresolvable host) is kept,
 * unless it holds the value being written.
 */
function describeFailure(error: unknown, operation: string, written?: string): AwsFailure {
  const candidate = error as {
    name?: unknown;
    code?: unknown;
    $metadata?: { httpStatusCode?: number; requestId?: string; attempts?: number };
  };
  const metadata = candidate?.$metadata;
  const code =
    typeof candidate?.code === 'string' && /^[A-Z][A-Z_]+$/.test(candidate.code)
      ? candidate.code
      : undefined;
  const name =
    typeof candidate?.name === 'string' && /^\w+$/.test(candidate.name) ? candidate.name : 'Error';
  const clientMessage =
    metadata?.httpStatusCode === undefined ? clientFailureMessage(error, written) : undefined;
  return {
    errorType: code ?? name,
    operation,
    status: metadata?.httpStatusCode,
    requestId: metadata?.requestId,
    attempts: metadata?.attempts,
    ...(clientMessage === undefined ? {} : { clientMessage }),
  };
}

function errorTypeOf(error: unknown): string | undefined {
  const name = (error as { name?: unknown })?.name;
  return typeof name === 'string' ? name : undefined;
}

function describeLocation(ref: ParsedRef, location: AwsSecretLocation): string {
  // A ref that looks like a credential is not quoted, and neither is the name made from it.
  if (displayRef(ref.ref) !== ref.ref) return '';
  return ` of secret "${location.secretId}" at ${location.versionStage}`;
}

function describeRefs(refs: readonly ParsedRef[]): string {
  const shown = refs.slice(0, 3).map((ref) => displayRef(ref.ref));
  return refs.length > 3 ? `${refs.length} refs (${shown.join(', ')}, …)` : shown.join(', ');
}

function textOf(
  source: string,
  ref: ParsedRef,
  answer: { SecretString?: string; SecretBinary?: Uint8Array },
): string {
  const text = answer.SecretString ?? decodeBinary(answer.SecretBinary);
  if (text === undefined) {
    throw new BundleFormatError(source, displayRef(ref.ref), 'the secret version holds no value');
  }
  return text;
}

function decodeBinary(bytes: Uint8Array | undefined): string | undefined {
  if (bytes === undefined) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

function bundleValue(
  source: string,
  ref: ParsedRef,
  bundle: Bundle | undefined,
  key: string,
): string | undefined {
  if (bundle === undefined || !Object.hasOwn(bundle, key)) return undefined;
  const value = bundle[key];
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return undefined;
  throw new BundleFormatError(
    source,
    displayRef(ref.ref),
    `the bundle key ${displayRef(key)} holds ${Array.isArray(value) ? 'an array' : typeof value}, not a string`,
  );
}
