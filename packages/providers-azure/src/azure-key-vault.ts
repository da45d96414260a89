import type { TokenCredential } from '@azure/core-auth';
import { SecretClient, type SecretClientOptions } from '@azure/keyvault-secrets';
import {
  ConfigError,
  clientFailureMessage,
  displayRef,
  type ParsedRef,
  parseRef,
  type SecretWriteResult,
  type WritableSecretSource,
} from '@baton/core';
import { DEFAULT_SOURCE_NAME, DEFAULT_VERSION_TAG } from './constants.js';
import { type AzureFailure, AzureKeyVaultError } from './errors.js';
import { secretNameOf, type VersionMode } from './secret-name.js';

/**
 * Options of {@link azureKeyVault}. Every option may be given as `undefined` (as
 * `process.env.X` is when X is unset), which means "not given".
 */
export interface AzureKeyVaultOptions {
  /**
   * The vault, e.g. `https://my-vault.vault.azure.net`. Default: the `vaultUrl` of `client`;
   * required without one (with one, it must match).
   */
  vaultUrl?: string | undefined;
  /**
   * Any TokenCredential (managed identity, workload identity, a service principal, …).
   * Default: `DefaultAzureCredential` from `@azure/identity` (an optional peer dependency:
   * install it to use the default), loaded on first use.
   */
  credential?: TokenCredential | undefined;
  /** Your SecretClient, configured as you like. Default: one Baton creates from the options. */
  client?: SecretClient | undefined;
  /** Options of the SecretClient Baton creates (retries, TLS, proxy). Default: the SDK's. */
  clientOptions?: SecretClientOptions | undefined;
  /**
   * Where a ref's version lives: `'names'`: in the secret's name (`OPENAI_KEY:v2` →
   * `OPENAI-KEY-V2`); `'tags'`: in a tag of a version of one secret (`OPENAI-KEY` whose version
   * is tagged `baton-version: v2`; an unversioned ref reads the latest version). Default
   * `'names'`.
   */
  versions?: VersionMode | undefined;
  /** The tag holding the ref version in `tags` mode. Default `'baton-version'`. */
  versionTag?: string | undefined;
  /** The source's name in errors, audit events and metrics. Default `'azure-key-vault'`. */
  name?: string | undefined;
}

/** Options of {@link AzureKeyVaultSource.put}. */
export interface AzurePutOptions {
  /** Tags of the new version (the version tag is added in `tags` mode). Default: none. */
  tags?: Readonly<Record<string, string>>;
  /** The new version's content type. Default: none. */
  contentType?: string;
}

/** What {@link AzureKeyVaultSource.put} stored. */
export interface AzurePutResult extends SecretWriteResult {
  readonly secretName: string;
}

/** The Azure Key Vault source: reads for the chain, and writes. */
export interface AzureKeyVaultSource extends WritableSecretSource {
  /** The Key Vault secret name of a ref; throws `KeyVaultNameError` for one Key Vault cannot hold. */
  secretName(ref: string | ParsedRef): string;
  /**
   * Stores `value` as a new version of the ref's secret (created if needed) and answers the
   * version id. In `tags` mode a versioned ref's version is tagged with it.
   */
  put(ref: string | ParsedRef, value: string, options?: AzurePutOptions): Promise<AzurePutResult>;
}

/**
 * Azure Key Vault as a Baton source. Not found is absent (the chain goes on); 401, 403 and
 * exhausted retries (the SDK honours 429's `Retry-After`) fail with
 * {@link AzureKeyVaultError}, naming Key Vault's error code, never a value.
 *
 * @example
 * const baton = createBaton({
 *   sources: [envSource(), azureKeyVault({ vaultUrl: 'https://my-vault.vault.azure.net' })],
 * });
 * await baton.getSecret('OPENAI_KEY:v2'); // the secret OPENAI-KEY-V2
 */
export function azureKeyVault(options: AzureKeyVaultOptions = {}): AzureKeyVaultSource {
  return new AzureKeyVault(resolveOptions(options));
}

interface Settings {
  vaultUrl: string;
  credential: TokenCredential | undefined;
  client: SecretClient | undefined;
  clientOptions: SecretClientOptions | undefined;
  versions: VersionMode;
  versionTag: string;
  name: string;
}

class AzureKeyVault implements AzureKeyVaultSource {
  readonly name: string;
  private readonly settings: Settings;
  private clientReady: Promise<SecretClient> | undefined;

  constructor(settings: Settings) {
    this.settings = settings;
    this.name = settings.name;
  }

  secretName(ref: string | ParsedRef): string {
    const parsed = typeof ref === 'string' ? parseRef(ref) : ref;
    return secretNameOf(parsed, this.settings.versions, this.name);
  }

  /**
   * What to create so this source has the ref: the secret (or a tagged version of it) and
   * the vault.
   *
   * @example
   * azureKeyVault({ vaultUrl: 'https://my-vault.vault.azure.net' }).hint(parseRef('OPENAI_KEY:v2'));
   * // 'create the secret OPENAI-KEY-V2 in Azure Key Vault (my-vault.vault.azure.net)'
   */
  hint(ref: ParsedRef): string {
    const where = `in Azure Key Vault (${new URL(this.settings.vaultUrl).host})`;
    // A ref that looks like a credential is not turned into a name to create.
    if (displayRef(ref.ref) !== ref.ref) return `create the secret ${where}`;
    const name = this.secretName(ref);
    return this.settings.versions === 'tags' && ref.version !== undefined
      ? `add a version tagged ${this.settings.versionTag}: v${ref.version} to the secret ${name} ${where}`
      : `create the secret ${name} ${where}`;
  }

  async get(ref: ParsedRef): Promise<string | undefined> {
    const name = secretNameOf(ref, this.settings.versions, this.name);
    const shown = displayRef(ref.ref);
    const where = shown === ref.ref ? ` of secret "${name}"` : '';
    const client = await this.client(shown);
    let version: string | undefined;
    if (this.settings.versions === 'tags' && ref.version !== undefined) {
      try {
        version = await this.taggedVersion(client, name, `v${ref.version}`);
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw this.failure(error, 'listPropertiesOfSecretVersions', shown, where);
      }
      if (version === undefined) return undefined;
    }
    try {
      const secret = await client.getSecret(name, version === undefined ? {} : { version });
      return secret.value;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw this.failure(error, 'getSecret', shown, where);
    }
  }

  async put(
    ref: string | ParsedRef,
    value: string,
    options: AzurePutOptions = {},
  ): Promise<AzurePutResult> {
    const parsed = typeof ref === 'string' ? parseRef(ref) : ref;
    if (typeof value !== 'string') {
      throw new ConfigError(
        `azureKeyVault.put: the value of ${displayRef(parsed.ref)} must be a string`,
      );
    }
    const name = secretNameOf(parsed, this.settings.versions, this.name, 'write');
    const shown = displayRef(parsed.ref);
    const tags: Record<string, string> = { ...(options.tags ?? {}) };
    if (this.settings.versions === 'tags' && parsed.version !== undefined) {
      tags[this.settings.versionTag] = `v${parsed.version}`;
    }
    const client = await this.client(shown);
    try {
      const stored = await client.setSecret(name, value, {
        tags,
        ...(options.contentType === undefined ? {} : { contentType: options.contentType }),
      });
      return { secretName: name, versionId: stored.properties.version ?? '' };
    } catch (error) {
      throw this.failure(
        error,
        'setSecret',
        shown,
        shown === parsed.ref ? ` of secret "${name}"` : '',
        'write',
        value,
      );
    }
  }

  /** The newest enabled version tagged with `tag`, if any; reads every page of versions. */
  private async taggedVersion(
    client: SecretClient,
    name: string,
    tag: string,
  ): Promise<string | undefined> {
    let best: { version: string; created: number } | undefined;
    for await (const properties of client.listPropertiesOfSecretVersions(name)) {
      if (properties.enabled === false || properties.tags?.[this.settings.versionTag] !== tag)
        continue;
      const created = properties.createdOn?.getTime() ?? 0;
      if (properties.version !== undefined && (best === undefined || created >= best.created)) {
        best = { version: properties.version, created };
      }
    }
    return best?.version;
  }

  private client(shown: string): Promise<SecretClient> {
    this.clientReady ??= this.createClient().catch((error: unknown) => {
      this.clientReady = undefined;
      throw error;
    });
    return this.clientReady.catch((error: unknown) => {
      throw error instanceof ConfigError
        ? error
        : this.failure(error, 'DefaultAzureCredential', shown, '');
    });
  }

  private async createClient(): Promise<SecretClient> {
    const { client, clientOptions, vaultUrl } = this.settings;
    if (client !== undefined) return client;
    const credential = this.settings.credential ?? (await defaultCredential());
    return new SecretClient(vaultUrl, credential, clientOptions);
  }

  private failure(
    error: unknown,
    operation: string,
    ref: string,
    detail: string,
    access: 'read' | 'write' = 'read',
    written?: string,
  ): AzureKeyVaultError {
    return new AzureKeyVaultError(
      this.name,
      ref,
      describeFailure(error, operation, written),
      detail,
      access,
      error,
    );
  }
}

function resolveOptions(options: AzureKeyVaultOptions): Settings {
  if (options === null || typeof options !== 'object') {
    throw new ConfigError('azureKeyVault takes an options object: { vaultUrl?, client?, … }');
  }
  const {
    credential,
    client,
    clientOptions,
    versions = 'names',
    versionTag = DEFAULT_VERSION_TAG,
    name = DEFAULT_SOURCE_NAME,
  } = options;
  const issues: string[] = [];
  const clientUrl =
    typeof client?.vaultUrl === 'string' && client.vaultUrl !== '' ? client.vaultUrl : undefined;
  const vaultUrl = options.vaultUrl ?? clientUrl;
  let url: URL | undefined;
  try {
    url = vaultUrl === undefined ? undefined : new URL(vaultUrl);
  } catch {
    url = undefined;
  }
  if (vaultUrl === undefined) {
    issues.push(
      'azureKeyVault: give vaultUrl (the vault\'s https URL, e.g. "https://my-vault.vault.azure.net") or a client',
    );
  } else if (url === undefined || url.protocol !== 'https:') {
    issues.push(
      'azureKeyVault: vaultUrl must be the vault\'s https URL, e.g. "https://my-vault.vault.azure.net"',
    );
  }
  if (versions !== 'names' && versions !== 'tags') {
    issues.push('azureKeyVault: versions must be "names" or "tags"');
  }
  if (typeof versionTag !== 'string' || versionTag.length === 0 || versionTag.length > 512) {
    issues.push('azureKeyVault: versionTag must be a tag name of 1 to 512 characters');
  }
  if (typeof name !== 'string' || name.length === 0) {
    issues.push('azureKeyVault: name must be a non-empty string');
  }
  if (credential !== undefined && typeof credential?.getToken !== 'function') {
    issues.push('azureKeyVault: credential must be a TokenCredential (an object with getToken)');
  }
  if (client !== undefined) {
    if (typeof client?.getSecret !== 'function') {
      issues.push('azureKeyVault: client must be a SecretClient');
    } else if (
      url !== undefined &&
      clientUrl !== undefined &&
      trimSlash(clientUrl) !== trimSlash(url.href)
    ) {
      issues.push('azureKeyVault: vaultUrl differs from the vaultUrl of the client given');
    }
    if (credential !== undefined || clientOptions !== undefined) {
      issues.push(
        'azureKeyVault: credential and clientOptions apply only to the client Baton creates; configure your client instead',
      );
    }
  }
  if (issues.length > 0 || vaultUrl === undefined) throw new ConfigError(issues);
  return {
    vaultUrl,
    credential,
    client,
    clientOptions,
    versions,
    versionTag,
    name,
  };
}

/**
 * `DefaultAzureCredential`, from `@azure/identity`, loaded only now: an app that passes its
 * own credential needs neither the package (an optional peer dependency) nor its start-up cost.
 */
async function defaultCredential(): Promise<TokenCredential> {
  let identity: typeof import('@azure/identity');
  try {
    identity = await import('@azure/identity');
  } catch (error) {
    const code = (error as { code?: unknown })?.code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw error;
    throw new ConfigError(
      'azureKeyVault: no credential was given, and @azure/identity, which provides the default (DefaultAzureCredential), is not installed: run `npm install @azure/identity`, or pass credential (any TokenCredential)',
      { cause: error },
    );
  }
  return new identity.DefaultAzureCredential();
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '').toLowerCase();
}

function isNotFound(error: unknown): boolean {
  const candidate = error as { statusCode?: unknown; code?: unknown };
  return candidate?.statusCode === 404 && candidate.code === 'SecretNotFound';
}

/**
 * The error's code, status and request id. The vault's message stays behind, as it may echo
 * input; the message of a failure raised before any answer from the vault (a credential that
 * gave no token, an unresolvable host) is kept, unless it holds the value being written.
 */
function describeFailure(error: unknown, operation: string, written?: string): AzureFailure {
  const candidate = error as {
    name?: unknown;
    code?: unknown;
    statusCode?: unknown;
    response?: { headers?: { get?(name: string): string | undefined } };
  };
  const safe = (value: unknown) =>
    typeof value === 'string' && /^[A-Za-z][\w.-]{0,63}$/.test(value) ? value : undefined;
  const status = typeof candidate?.statusCode === 'number' ? candidate.statusCode : undefined;
  const name = safe(candidate?.name);
  const errorCode =
    safe(candidate?.code) ??
    (status !== undefined
      ? `HTTP ${status}`
      : name !== undefined && name !== 'RestError'
        ? name
        : 'Error');
  const header = candidate?.response?.headers?.get?.('x-ms-request-id');
  const requestId = typeof header === 'string' && /^[\w-]{1,64}$/.test(header) ? header : undefined;
  const clientMessage =
    status === undefined && candidate?.response === undefined
      ? clientFailureMessage(error, written)
      : undefined;
  return {
    errorCode,
    operation,
    status,
    requestId,
    ...(clientMessage === undefined ? {} : { clientMessage }),
  };
}
