import type { TokenCredential } from '@azure/core-auth';
import { SecretClient, type SecretClientOptions } from '@azure/keyvault-secrets';
import {
  ConfigError,
  displayRef,
  type ParsedRef,
  parseRef,
  type SecretWriteResult,
  type WritableSecretSource,
} from '@baton/core';
import { DEFAULT_SOURCE_NAME, DEFAULT_VERSION_TAG } from './constants.js';
import { type AzureFailure, AzureKeyVaultError } from './errors.js';
import { secretNameOf, type VersionMode } from './secret-name.js';

/** Options of {@link azureKeyVault}. */
export interface AzureKeyVaultOptions {
  /** The vault, e.g. `https://my-vault.vault.azure.net`. Required (with `client`, it must match). */
  vaultUrl: string;
  /**
   * Any TokenCredential (managed identity, workload identity, a service principal, …).
   * Default: `DefaultAzureCredential` from `@azure/identity`, loaded on first use.
   */
  credential?: TokenCredential;
  /** Your SecretClient, configured as you like. Default: one Baton creates from the options. */
  client?: SecretClient;
  /** Options of the SecretClient Baton creates (retries, TLS, proxy). Default: the SDK's. */
  clientOptions?: SecretClientOptions;
  /**
   * Where a ref's version lives: `'names'`: in the secret's name (`OPENAI_KEY:v2` →
   * `OPENAI-KEY-V2`); `'tags'`: in a tag of a version of one secret (`OPENAI-KEY` whose version
   * is tagged `baton-version: v2`; an unversioned ref reads the latest version). Required.
   */
  versions: VersionMode;
  /** The tag holding the ref version in `tags` mode. Default `'baton-version'`. */
  versionTag?: string;
  /** The source's name in errors, audit events and metrics. Default `'azure-key-vault'`. */
  name?: string;
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
 *   sources: [
 *     envSource(),
 *     azureKeyVault({ vaultUrl: 'https://my-vault.vault.azure.net', versions: 'names' }),
 *   ],
 * });
 * await baton.getSecret('OPENAI_KEY:v2'); // the secret OPENAI-KEY-V2
 */
export function azureKeyVault(options: AzureKeyVaultOptions): AzureKeyVaultSource {
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
      throw this.failure(error, 'DefaultAzureCredential', shown, '');
    });
  }

  private async createClient(): Promise<SecretClient> {
    const { client, clientOptions, vaultUrl } = this.settings;
    if (client !== undefined) return client;
    // Loaded only when needed: an app that passes its own credential never loads MSAL.
    const credential =
      this.settings.credential ?? new (await import('@azure/identity')).DefaultAzureCredential();
    return new SecretClient(vaultUrl, credential, clientOptions);
  }

  private failure(
    error: unknown,
    operation: string,
    ref: string,
    detail: string,
    access: 'read' | 'write' = 'read',
  ): AzureKeyVaultError {
    return new AzureKeyVaultError(
      this.name,
      ref,
      describeFailure(error, operation),
      detail,
      access,
    );
  }
}

function resolveOptions(options: AzureKeyVaultOptions): Settings {
  if (options === null || typeof options !== 'object') {
    throw new ConfigError(
      'azureKeyVault needs options: { vaultUrl, versions: "names" | "tags", … }',
    );
  }
  const {
    vaultUrl,
    credential,
    client,
    clientOptions,
    versions,
    versionTag = DEFAULT_VERSION_TAG,
    name = DEFAULT_SOURCE_NAME,
  } = options;
  const issues: string[] = [];
  let url: URL | undefined;
  try {
    url = new URL(vaultUrl);
  } catch {
    url = undefined;
  }
  if (url === undefined || url.protocol !== 'https:') {
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
    } else if (url !== undefined && trimSlash(client.vaultUrl) !== trimSlash(url.href)) {
      issues.push('azureKeyVault: vaultUrl differs from the vaultUrl of the client given');
    }
    if (credential !== undefined || clientOptions !== undefined) {
      issues.push(
        'azureKeyVault: credential and clientOptions apply only to the client Baton creates; configure your client instead',
      );
    }
  }
  if (issues.length > 0) throw new ConfigError(issues);
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

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '').toLowerCase();
}

function isNotFound(error: unknown): boolean {
  const candidate = error as { statusCode?: unknown; code?: unknown };
  return candidate?.statusCode === 404 && candidate.code === 'SecretNotFound';
}

/** The error's code, status and request id; its message stays behind, as it may echo input. */
function describeFailure(error: unknown, operation: string): AzureFailure {
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
  return { errorCode, operation, status, requestId };
}
