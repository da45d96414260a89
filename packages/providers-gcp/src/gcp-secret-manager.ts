import {
  ConfigError,
  displayRef,
  type ParsedRef,
  parseRef,
  type RetryOptions,
  type RetryPolicy,
  retryDelay,
  retryPolicy,
  type SecretWriteResult,
  type WritableSecretSource,
} from '@baton/core';
import { type protos, SecretManagerServiceClient } from '@google-cloud/secret-manager';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_SOURCE_NAME,
  LATEST,
  MAX_ALIAS_ROUNDS,
  MAX_PREFIX_LENGTH,
  SECRET_ID_PATTERN,
} from './constants.js';
import { crc32c } from './crc32c.js';
import {
  GcpConflictError,
  type GcpFailure,
  GcpPayloadError,
  GcpSecretManagerError,
} from './errors.js';
import { type GcpSecretLocation, locate, type VersionMode } from './secret-path.js';

/** Options of the client Baton creates (`new SecretManagerServiceClient(options)`). */
export type GcpClientOptions = ConstructorParameters<typeof SecretManagerServiceClient>[0];

/** Options of {@link gcpSecretManager}. */
export interface GcpSecretManagerOptions {
  /** The project that holds the secrets (its id, or its number). Required. */
  projectId: string;
  /**
   * Your client, configured as you like (credentials, transport, endpoint). Default: a new
   * `SecretManagerServiceClient(clientOptions)`, authenticated by Application Default
   * Credentials.
   */
  client?: SecretManagerServiceClient;
  /** Options of the client Baton creates (not with `client`). Default: the SDK's. */
  clientOptions?: GcpClientOptions;
  /**
   * A region for regional secrets (`projects/P/locations/L/secrets/…`); the client Baton
   * creates then talks to `secretmanager.L.rep.googleapis.com`. Default: none, global secrets.
   */
  location?: string;
  /** Put before every secret id, e.g. `prod_`. Default `''`. */
  prefix?: string;
  /**
   * Where a ref's version lives: `'numbers'`: `OPENAI_KEY:v2` is version 2 of secret
   * `OPENAI_KEY`; `'aliases'`: the version carrying alias `v2`. An unversioned ref reads
   * `latest`, or the newest enabled version when `latest` is disabled or destroyed.
   * Default `'numbers'`.
   */
  versions?: VersionMode;
  /** Secret Manager calls in flight at once (cold starts read many refs together). Default 20. */
  concurrency?: number;
  /**
   * Retries of calls Secret Manager throttles (`RESOURCE_EXHAUSTED`) or cannot serve
   * (`UNAVAILABLE`, connection resets; reads only): `attempts` in all (default 3), waiting
   * `baseDelayMs` (default 200) doubling up to `maxDelayMs` (default 5000), with jitter.
   */
  retry?: RetryOptions;
  /** The source's name in errors, audit events and metrics. Default `'gcp-secret-manager'`. */
  name?: string;
}

/** What {@link GcpSecretManagerSource.put} stored. */
export interface GcpPutResult extends SecretWriteResult {
  /** The secret's resource name. */
  readonly secret: string;
  /** Whether the secret itself was created by this write. */
  readonly created: boolean;
  /** In `aliases` mode, the alias now pointing at the new version. */
  readonly alias?: string;
}

/** What {@link GcpSecretManagerSource.moveAlias} did. */
export interface GcpMoveAliasResult {
  readonly secret: string;
  /** The version the alias points at now. */
  readonly version: string;
  /** The version it pointed at before, if any. */
  readonly previousVersion?: string;
}

/** The GCP Secret Manager source: reads for the chain, and writes. */
export interface GcpSecretManagerSource extends WritableSecretSource {
  readonly client: SecretManagerServiceClient;
  /** Where a ref lives: secret resource name, id and version segment. */
  locate(ref: string | ParsedRef): GcpSecretLocation;
  /** What a person should create so this source has the ref (never a value). */
  hint(ref: ParsedRef): string;
  /**
   * Adds `value` as a new version of the ref's secret (creating the secret if needed, with
   * automatic replication), sending its CRC32C. For `NAME:vN`: in `numbers` mode the new
   * version must become version N; in `aliases` mode alias `vN` is pointed at it, keeping the
   * other aliases. Fails with `BATON_CONFLICT` when another writer got there first.
   */
  put(ref: string | ParsedRef, value: string): Promise<GcpPutResult>;
  /**
   * Points `alias` at the version the ref names (or `toVersion`), keeping the other
   * aliases; a compare-and-set on the secret's etag.
   */
  moveAlias(
    ref: string | ParsedRef,
    alias: string,
    options?: { toVersion?: number },
  ): Promise<GcpMoveAliasResult>;
}

/**
 * GCP Secret Manager as a Baton source. A secret or version that does not exist is absent, so
 * is a disabled or destroyed version; `latest` falls back to the newest enabled version.
 * Denials, exhausted retries and other failures fail with {@link GcpSecretManagerError},
 * naming the canonical status, never a value.
 *
 * @example
 * const baton = createBaton({
 *   sources: [envSource(), gcpSecretManager({ projectId: 'my-proj' })],
 * });
 * await baton.getSecret('OPENAI_KEY:v2'); // version 2 of projects/my-proj/secrets/OPENAI_KEY
 */
export function gcpSecretManager(options: GcpSecretManagerOptions): GcpSecretManagerSource {
  return new GcpSecretManager(resolveOptions(options));
}

interface Settings {
  /** The user's client; without one, Baton makes its own with `clientOptions`. */
  client: SecretManagerServiceClient | undefined;
  clientOptions: GcpClientOptions;
  projectId: string;
  location: string | undefined;
  parent: string;
  prefix: string;
  versions: VersionMode;
  concurrency: number;
  retry: RetryPolicy;
  name: string;
}

interface CallContext {
  /** The ref (or refs) as messages show them. */
  readonly shown: string;
  /** ` of projects/…`, or '' when the ref looks like a credential. */
  readonly detail: string;
  readonly access?: 'read' | 'write';
  /** Whether the call may be repeated after a failure that leaves its effect unknown. */
  readonly idempotent: boolean;
}

/** A version that exists but cannot be accessed: disabled or destroyed. */
const UNUSABLE = Symbol('unusable');

const ALIAS_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;
/** Failures a repeated read can get past: overload, restarts, dropped connections. */
const TRANSIENT = new Set([
  'UNAVAILABLE',
  'HTTP 502',
  'HTTP 503',
  'HTTP 504',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
]);

class GcpSecretManager implements GcpSecretManagerSource {
  readonly name: string;
  private readonly settings: Settings;
  private currentClient: SecretManagerServiceClient;
  private ready: Promise<void> | undefined;
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(settings: Settings) {
    this.settings = settings;
    this.name = settings.name;
    this.currentClient = settings.client ?? new SecretManagerServiceClient(settings.clientOptions);
  }

  get client(): SecretManagerServiceClient {
    return this.currentClient;
  }

  locate(ref: string | ParsedRef): GcpSecretLocation {
    const parsed = typeof ref === 'string' ? parseRef(ref) : ref;
    return locate(parsed, this.settings.versions, this.settings.parent, this.settings.prefix);
  }

  hint(ref: ParsedRef): string {
    const { projectId, location, versions } = this.settings;
    const where = `in GCP project ${projectId}${location === undefined ? '' : ` (location ${location})`}`;
    const shown = displayRef(ref.ref);
    const secret =
      shown === ref.ref ? `the secret ${this.locate(ref).secretId}` : 'the secret this ref names';
    if (ref.version === undefined) return `create ${secret} ${where} with an enabled version`;
    if (versions === 'numbers') return `create ${secret} ${where} with version ${ref.version}`;
    return `create ${secret} ${where} and point its alias v${ref.version} at an enabled version`;
  }

  async get(ref: ParsedRef): Promise<string | undefined> {
    const location = this.locate(ref);
    const context = this.context(ref, location);
    const answer = await this.access(
      `${location.secret}/versions/${location.version}`,
      ref,
      context,
    );
    if (answer !== UNUSABLE) return answer;
    // The newest version is disabled or destroyed: an unversioned ref means "the current
    // value", which is the newest version still enabled.
    if (location.version !== LATEST) return undefined;
    const newest = await this.newestEnabled(location, context);
    if (newest === undefined) return undefined;
    const fallback = await this.access(newest, ref, context);
    return fallback === UNUSABLE ? undefined : fallback;
  }

  async put(ref: string | ParsedRef, value: string): Promise<GcpPutResult> {
    const parsed = typeof ref === 'string' ? parseRef(ref) : ref;
    if (typeof value !== 'string') {
      throw new ConfigError(
        `gcpSecretManager.put: the value of ${displayRef(parsed.ref)} must be a string`,
      );
    }
    const location = this.locate(parsed);
    const context = this.context(parsed, location, 'write');
    const wanted = parsed.version;
    const alias = wanted === undefined ? undefined : `v${wanted}`;
    if (wanted !== undefined && this.settings.versions === 'numbers') {
      const newest = await this.newestNumber(location, context);
      if (newest >= wanted) {
        throw new GcpConflictError(
          this.name,
          context.shown,
          `version ${wanted} exists already (the newest is ${newest})`,
        );
      }
      if (newest < wanted - 1) {
        throw new ConfigError(
          `gcpSecretManager.put: Secret Manager numbers versions itself, so the next version of ${context.shown} is ${newest + 1}, not ${wanted}; write ${parsed.name}:v${newest + 1} first`,
        );
      }
    }
    if (alias !== undefined && this.settings.versions === 'aliases') {
      const holder = (await this.readSecret(location, context))?.aliases.get(alias);
      if (holder !== undefined) {
        throw new GcpConflictError(
          this.name,
          context.shown,
          `alias ${alias} points at version ${holder} already`,
        );
      }
    }
    const added = await this.addVersion(location, new TextEncoder().encode(value), context);
    const result = {
      secret: location.secret,
      versionId: String(added.number),
      created: added.created,
    };
    if (wanted === undefined) return result;
    if (this.settings.versions === 'numbers') {
      if (added.number === wanted) return result;
      await this.destroyStray(location, added.number, context);
      throw new GcpConflictError(
        this.name,
        context.shown,
        `another writer added version ${wanted} first; this write became version ${added.number}, which was destroyed`,
      );
    }
    try {
      await this.pointAlias(location, alias as string, added.number, context, true);
    } catch (error) {
      if (error instanceof GcpConflictError)
        await this.destroyStray(location, added.number, context);
      throw error;
    }
    return { ...result, alias: alias as string };
  }

  async moveAlias(
    ref: string | ParsedRef,
    alias: string,
    options: { toVersion?: number } = {},
  ): Promise<GcpMoveAliasResult> {
    const parsed = typeof ref === 'string' ? parseRef(ref) : ref;
    if (typeof alias !== 'string' || !ALIAS_PATTERN.test(alias) || alias === LATEST) {
      throw new ConfigError(
        'gcpSecretManager.moveAlias: an alias starts with a letter, then up to 62 letters, digits, _ or -, and is not "latest"',
      );
    }
    const { toVersion } = options;
    if (toVersion !== undefined && !(Number.isInteger(toVersion) && toVersion > 0)) {
      throw new ConfigError('gcpSecretManager.moveAlias: toVersion must be a positive integer');
    }
    const location = this.locate(parsed);
    const context = this.context(parsed, location, 'write');
    const target = toVersion ?? (await this.versionNumberOf(location, context));
    const previous = await this.pointAlias(location, alias, target, context, false);
    return {
      secret: location.secret,
      version: String(target),
      ...(previous === undefined || previous === target
        ? {}
        : { previousVersion: String(previous) }),
    };
  }

  /** Accesses one version: its value, absent when it does not exist, or UNUSABLE. */
  private async access(
    name: string,
    ref: ParsedRef,
    context: CallContext,
  ): Promise<string | undefined | typeof UNUSABLE> {
    let answer: protos.google.cloud.secretmanager.v1.IAccessSecretVersionResponse;
    try {
      [answer] = await this.call(
        'AccessSecretVersion',
        () => this.client.accessSecretVersion({ name }),
        context,
      );
    } catch (error) {
      if (statusOf(error) === 'NOT_FOUND') return undefined;
      if (statusOf(error) === 'FAILED_PRECONDITION') return UNUSABLE;
      throw error;
    }
    const data = answer.payload?.data;
    const bytes =
      typeof data === 'string' ? new TextEncoder().encode(data) : new Uint8Array(data ?? []);
    const expected = answer.payload?.dataCrc32c;
    if (expected !== undefined && expected !== null && Number(expected) !== crc32c(bytes)) {
      throw new GcpPayloadError(this.name, displayRef(ref.ref), context.detail);
    }
    return new TextDecoder().decode(bytes);
  }

  /** The name of the newest enabled version of the secret, if any. */
  private async newestEnabled(
    location: GcpSecretLocation,
    context: CallContext,
  ): Promise<string | undefined> {
    try {
      const [versions] = await this.call(
        'ListSecretVersions',
        () =>
          this.client.listSecretVersions(
            { parent: location.secret, filter: 'state:ENABLED', pageSize: 1 },
            { autoPaginate: false },
          ),
        { ...context, detail: context.detail === '' ? '' : ` of ${location.secret}` },
      );
      return versions[0]?.name ?? undefined;
    } catch (error) {
      if (statusOf(error) === 'NOT_FOUND') return undefined;
      throw error;
    }
  }

  /** The number of the newest version (0 when the secret has none, or does not exist). */
  private async newestNumber(location: GcpSecretLocation, context: CallContext): Promise<number> {
    try {
      const [version] = await this.call(
        'GetSecretVersion',
        () => this.client.getSecretVersion({ name: `${location.secret}/versions/${LATEST}` }),
        { ...context, idempotent: true },
      );
      return versionNumber(version.name);
    } catch (error) {
      if (statusOf(error) === 'NOT_FOUND') return 0;
      throw error;
    }
  }

  /** The version number the ref names: its number, the holder of its alias, or the newest. */
  private async versionNumberOf(
    location: GcpSecretLocation,
    context: CallContext,
  ): Promise<number> {
    if (location.version === LATEST) {
      const newest = await this.newestNumber(location, context);
      if (newest > 0) return newest;
    } else if (this.settings.versions === 'numbers') {
      return Number(location.version);
    } else {
      const holder = (await this.readSecret(location, context))?.aliases.get(location.version);
      if (holder !== undefined) return holder;
    }
    throw new GcpSecretManagerError(
      this.name,
      context.shown,
      { status: 'NOT_FOUND', operation: 'GetSecret' },
      `${context.detail}: no version carries it`,
      'write',
    );
  }

  private async readSecret(
    location: GcpSecretLocation,
    context: CallContext,
  ): Promise<{ aliases: Map<string, number>; etag: string } | undefined> {
    try {
      const [secret] = await this.call(
        'GetSecret',
        () => this.client.getSecret({ name: location.secret }),
        { ...context, idempotent: true },
      );
      const aliases = new Map(
        Object.entries(secret.versionAliases ?? {}).map(([alias, number]) => [
          alias,
          Number(number),
        ]),
      );
      return { aliases, etag: secret.etag ?? '' };
    } catch (error) {
      if (statusOf(error) === 'NOT_FOUND') return undefined;
      throw error;
    }
  }

  /** Adds a version, creating the secret first when it does not exist. */
  private async addVersion(
    location: GcpSecretLocation,
    bytes: Uint8Array,
    context: CallContext,
  ): Promise<{ number: number; created: boolean }> {
    const add = async () => {
      const [version] = await this.call(
        'AddSecretVersion',
        () =>
          this.client.addSecretVersion({
            parent: location.secret,
            payload: { data: bytes, dataCrc32c: crc32c(bytes) },
          }),
        context,
      );
      return versionNumber(version.name);
    };
    try {
      return { number: await add(), created: false };
    } catch (error) {
      if (statusOf(error) !== 'NOT_FOUND') throw error;
    }
    let created = true;
    try {
      await this.call(
        'CreateSecret',
        () =>
          this.client.createSecret({
            parent: this.settings.parent,
            secretId: location.secretId,
            // Regional secrets take no replication; global ones must name one.
            secret: this.settings.location === undefined ? { replication: { automatic: {} } } : {},
          }),
        context,
      );
    } catch (error) {
      // Another writer created it in between: add the version as usual.
      if (statusOf(error) !== 'ALREADY_EXISTS') throw error;
      created = false;
    }
    return { number: await add(), created };
  }

  /**
   * Points `alias` at `version` with the secret's etag as compare-and-set, re-reading after a
   * concurrent change. With `exclusive`, an alias that another version holds is a conflict.
   * Answers the version the alias pointed at before.
   */
  private async pointAlias(
    location: GcpSecretLocation,
    alias: string,
    version: number,
    context: CallContext,
    exclusive: boolean,
  ): Promise<number | undefined> {
    for (let round = 1; round <= MAX_ALIAS_ROUNDS; round++) {
      const secret = await this.readSecret(location, context);
      if (secret === undefined) {
        throw new GcpSecretManagerError(
          this.name,
          context.shown,
          { status: 'NOT_FOUND', operation: 'GetSecret' },
          context.detail,
          'write',
        );
      }
      const previous = secret.aliases.get(alias);
      if (previous === version) return previous;
      if (exclusive && previous !== undefined) {
        throw new GcpConflictError(
          this.name,
          context.shown,
          `another writer pointed alias ${alias} at version ${previous} first`,
        );
      }
      const aliases = Object.fromEntries(secret.aliases);
      aliases[alias] = version;
      try {
        await this.call(
          'UpdateSecret',
          () =>
            this.client.updateSecret({
              secret: { name: location.secret, etag: secret.etag, versionAliases: aliases },
              updateMask: { paths: ['version_aliases'] },
            }),
          context,
        );
        return previous;
      } catch (error) {
        // FAILED_PRECONDITION: the etag changed under us; read the aliases again.
        if (statusOf(error) !== 'FAILED_PRECONDITION') throw error;
      }
    }
    throw new GcpConflictError(
      this.name,
      context.shown,
      `the aliases of the secret kept changing; ${MAX_ALIAS_ROUNDS} compare-and-set rounds lost`,
    );
  }

  /** Destroys a version this source added by mistake (a lost race), so its value does not linger. */
  private async destroyStray(
    location: GcpSecretLocation,
    version: number,
    context: CallContext,
  ): Promise<void> {
    await this.call(
      'DestroySecretVersion',
      () => this.client.destroySecretVersion({ name: `${location.secret}/versions/${version}` }),
      context,
    ).catch(() => undefined);
  }

  /**
   * One RPC, within the concurrency limit, repeated after throttling (and, when repeating is
   * safe, after transient failures); a failure becomes a GcpSecretManagerError.
   */
  private async call<T>(
    operation: string,
    work: () => Promise<T>,
    context: CallContext,
  ): Promise<T> {
    const { retry } = this.settings;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.initialized();
        return await this.limited(work);
      } catch (error) {
        const failure = describeFailure(error, operation);
        const retryable =
          failure.status === 'RESOURCE_EXHAUSTED' ||
          (context.idempotent && TRANSIENT.has(failure.status));
        if (!retryable || attempt >= retry.attempts) {
          throw new GcpSecretManagerError(
            this.name,
            context.shown,
            { ...failure, attempts: attempt },
            context.detail,
            context.access,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, retryDelay(retry, attempt)));
      }
    }
  }

  /**
   * Initialises the client before its first call. A client whose initialisation failed (no
   * Application Default Credentials yet, say) keeps failing, and each of its calls would also
   * leave an unhandled rejection behind; so initialisation is awaited here, and Baton's own
   * client is replaced after a failure, so a later read can succeed once credentials appear.
   */
  private initialized(): Promise<void> {
    this.ready ??= this.currentClient.initialize().then(
      () => undefined,
      (error: unknown) => {
        this.ready = undefined;
        if (this.settings.client === undefined) {
          this.currentClient = new SecretManagerServiceClient(this.settings.clientOptions);
        }
        throw error;
      },
    );
    return this.ready;
  }

  private async limited<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.settings.concurrency) {
      // Wait for a finishing call to hand its slot over (it is never freed in between).
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active += 1;
    }
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next === undefined) this.active -= 1;
      else next();
    }
  }

  private context(
    ref: ParsedRef,
    location: GcpSecretLocation,
    access: 'read' | 'write' = 'read',
  ): CallContext {
    const shown = displayRef(ref.ref);
    // A ref that looks like a credential is not quoted, and neither is the name made from it.
    const detail = shown === ref.ref ? ` of ${location.secret}/versions/${location.version}` : '';
    return { shown, detail, access, idempotent: access === 'read' };
  }
}

function resolveOptions(options: GcpSecretManagerOptions): Settings {
  if (options === null || typeof options !== 'object') {
    throw new ConfigError('gcpSecretManager needs options: { projectId, … }');
  }
  const {
    projectId,
    client,
    clientOptions,
    location,
    prefix = '',
    versions = 'numbers',
    concurrency = DEFAULT_CONCURRENCY,
    name = DEFAULT_SOURCE_NAME,
  } = options;
  const issues: string[] = [];
  if (
    typeof projectId !== 'string' ||
    !(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/.test(projectId) || /^\d{1,20}$/.test(projectId))
  ) {
    issues.push(
      'gcpSecretManager: projectId must be a project id (6-30 lowercase letters, digits and hyphens, such as "my-proj") or a project number',
    );
  }
  if (
    location !== undefined &&
    (typeof location !== 'string' || !/^[a-z][a-z0-9-]{0,62}$/.test(location))
  ) {
    issues.push('gcpSecretManager: location must be a region such as "europe-west1"');
  }
  if (
    typeof prefix !== 'string' ||
    !SECRET_ID_PATTERN.test(prefix) ||
    prefix.length > MAX_PREFIX_LENGTH
  ) {
    issues.push(
      `gcpSecretManager: prefix may hold only letters, digits, _ and - (at most ${MAX_PREFIX_LENGTH} characters)`,
    );
  }
  if (versions !== 'numbers' && versions !== 'aliases') {
    issues.push('gcpSecretManager: versions must be "numbers" or "aliases"');
  }
  if (!(Number.isInteger(concurrency) && concurrency >= 1)) {
    issues.push('gcpSecretManager: concurrency must be a positive integer');
  }
  const retry = retryPolicy(options.retry, 'gcpSecretManager', issues);
  if (typeof name !== 'string' || name.length === 0) {
    issues.push('gcpSecretManager: name must be a non-empty string');
  }
  if (client !== undefined) {
    if (typeof (client as { accessSecretVersion?: unknown })?.accessSecretVersion !== 'function') {
      issues.push('gcpSecretManager: client must be a SecretManagerServiceClient');
    }
    if (clientOptions !== undefined) {
      issues.push(
        'gcpSecretManager: clientOptions apply only to the client Baton creates; configure your client instead',
      );
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
  const parent =
    location === undefined
      ? `projects/${projectId}`
      : `projects/${projectId}/locations/${location}`;
  return {
    client,
    clientOptions: {
      // Regional secrets live behind their region's endpoint.
      ...(location === undefined
        ? {}
        : { apiEndpoint: `secretmanager.${location}.rep.googleapis.com` }),
      ...clientOptions,
    },
    projectId,
    location,
    parent,
    prefix,
    versions,
    concurrency,
    retry,
    name,
  };
}

/** Canonical status names by gRPC code (google.rpc.Code). */
const STATUS_NAMES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
];

/**
 * The status, HTTP status and ErrorInfo reason of a failed call; the message stays behind.
 * Over gRPC the client throws a GoogleError whose `code` is the gRPC status. google-gax 5's
 * HTTP fallback instead throws the HTTP error as it came (`code` and `status` the HTTP status,
 * Google's error body as the message text), so the canonical status is read from that body:
 * only its `status` and `reason` tokens, checked against their known shapes.
 */
function describeFailure(error: unknown, operation: string): GcpFailure {
  const candidate = error as {
    name?: unknown;
    code?: unknown;
    status?: unknown;
    reason?: unknown;
    message?: unknown;
    response?: { status?: unknown };
  };
  const code = candidate?.code;
  const reasonOf = (value: unknown) =>
    typeof value === 'string' && /^[A-Z][A-Z0-9_]{0,63}$/.test(value) ? value : undefined;
  if (typeof code === 'number' && code >= 0 && code < STATUS_NAMES.length) {
    return {
      status: STATUS_NAMES[code] as string,
      operation,
      ...(reasonOf(candidate.reason) === undefined ? {} : { reason: reasonOf(candidate.reason) }),
    };
  }
  const httpStatus =
    typeof candidate?.status === 'number'
      ? candidate.status
      : typeof candidate?.response?.status === 'number'
        ? candidate.response.status
        : undefined;
  if (httpStatus !== undefined) {
    const body = googleErrorBody(candidate.message);
    const status =
      typeof body?.status === 'string' && STATUS_NAMES.includes(body.status)
        ? body.status
        : `HTTP ${httpStatus}`;
    const reason = reasonOf(body?.details?.find((detail) => reasonOf(detail?.reason))?.reason);
    return { status, operation, httpStatus, ...(reason === undefined ? {} : { reason }) };
  }
  if (typeof code === 'string' && /^E[A-Z0-9_]+$/.test(code)) return { status: code, operation };
  if (
    typeof candidate?.message === 'string' &&
    candidate.message.startsWith('Could not load the default credentials')
  ) {
    return { status: 'NO_DEFAULT_CREDENTIALS', operation };
  }
  const name =
    typeof candidate?.name === 'string' && /^\w{1,64}$/.test(candidate.name)
      ? candidate.name
      : 'Error';
  return { status: name, operation };
}

function googleErrorBody(
  message: unknown,
): { status?: unknown; details?: { reason?: unknown }[] } | undefined {
  if (typeof message !== 'string' || !message.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(message) as { error?: { status?: unknown; details?: unknown } };
    const details = Array.isArray(parsed?.error?.details) ? parsed.error.details : [];
    return { status: parsed?.error?.status, details };
  } catch {
    return undefined;
  }
}

function statusOf(error: unknown): string | undefined {
  return error instanceof GcpSecretManagerError ? error.status : undefined;
}

function versionNumber(name: string | null | undefined): number {
  const number = Number(name?.split('/').at(-1));
  return Number.isInteger(number) ? number : 0;
}
