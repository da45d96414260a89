import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import {
  type EmulatorControls,
  emulatorControls,
  FaultInjector,
  type FaultKind,
  listen,
  RequestLog,
  readBody,
  sleep,
} from '@baton-tools/emulator-kit';
import type { Faults } from './faults.js';
import { createSelfSignedCertificate, type TlsCertificate } from './self-signed-certificate.js';
import {
  SECRET_NAME_PATTERN,
  type StoredSecret,
  type StoredVersion,
  VaultStore,
} from './vault-store.js';

/** Options of {@link startAzureKeyVaultEmulator}; every one has a default. */
export interface AzureKeyVaultEmulatorOptions {
  /** Port to listen on. Default 0: an ephemeral port, read it from `vaultUrl`. */
  port?: number;
  /** Interface to listen on. Default `127.0.0.1` (the vault URL says `localhost`). */
  host?: string;
  /** TLS key and certificate. Default: a self-signed one made with openssl at start. */
  tls?: TlsCertificate;
  /** Secrets to create at start: name → value (one version each). */
  seed?: Readonly<Record<string, string>>;
  /** Bearer tokens accepted. Default: any non-empty token. */
  tokens?: readonly string[];
  /** Tenant named in the 401 challenge's `authorization` URL. */
  tenantId?: string;
  /** Faults from the start (see {@link Faults}). Default: none. */
  faults?: Faults;
  /** Random source for fault rates. Default `Math.random`. */
  random?: () => number;
  /** Epoch milliseconds for `created`/`updated`. Default `Date.now`. */
  clock?: () => number;
}

/** One request the emulator answered. */
export interface RequestRecord {
  /** `GetSecret`, `SetSecret`, `GetSecretVersions`, `Challenge` (a 401 asking for a token), or `Unknown`. */
  operation: string;
  status: number;
  errorCode?: string;
}

/**
 * A running emulator: its URL and CA, its data, its faults, and what it was asked (401
 * challenges count as the operation `Challenge`).
 */
export interface AzureKeyVaultEmulator extends EmulatorControls<RequestRecord, Faults> {
  /** `https://localhost:port`: the `vaultUrl` of a SecretClient. */
  readonly vaultUrl: string;
  /** The server's self-signed certificate in PEM: give it to the client as its CA. */
  readonly ca: string;
  /** The resource the 401 challenge names, as Key Vault's does. */
  readonly resource: string;
  /** Writes a version directly (not counted) and answers its version id. */
  setSecret(
    name: string,
    value: string,
    options?: { tags?: Record<string, string>; enabled?: boolean; contentType?: string },
  ): string;
  /** Versions of a secret, oldest first: id, tags and whether enabled. */
  versions(name: string): { version: string; tags: Record<string, string>; enabled: boolean }[];
  /** Answers 403 for every request on a secret (or stops with `false`), as a missing RBAC role does. */
  forbid(name: string, forbidden?: boolean): void;
}

/** The resource Key Vault's challenge names; tokens are asked for `${resource}/.default`. */
export const KEY_VAULT_RESOURCE = 'https://vault.azure.net';
const DEFAULT_TENANT = '00000000-0000-0000-0000-0000000000b7';
const MAX_PAGE = 25;
const MAX_BODY_BYTES = 262_144;

class VaultError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
    readonly inner?: string,
  ) {
    super(message);
  }
}

/**
 * Starts a local Azure Key Vault over HTTPS that follows the secrets REST API (api-version
 * query, `GET /secrets/{name}/{version?}`, `PUT /secrets/{name}`, `GET /secrets/{name}/versions`
 * with `nextLink` paging) and the bearer challenge of Key Vault's authentication, so the real
 * `SecretClient` works against it. Clients trust `ca` and set
 * `disableChallengeResourceVerification` (the challenge names vault.azure.net, not localhost).
 *
 * @example
 * const vault = await startAzureKeyVaultEmulator({ seed: { 'OPENAI-KEY': 'sk-…' } });
 * const client = new SecretClient(vault.vaultUrl, credential, {
 *   tlsOptions: { ca: vault.ca },
 *   disableChallengeResourceVerification: true,
 * });
 */
export async function startAzureKeyVaultEmulator(
  options: AzureKeyVaultEmulatorOptions = {},
): Promise<AzureKeyVaultEmulator> {
  const tls = options.tls ?? (await createSelfSignedCertificate());
  const store = new VaultStore(options.clock ?? Date.now);
  const faults = new FaultInjector<Faults>(options.random ?? Math.random);
  if (options.faults !== undefined) faults.set(options.faults);
  const log = new RequestLog<RequestRecord>();
  const tenant = options.tenantId ?? DEFAULT_TENANT;
  const challenge = `Bearer authorization="https://login.microsoftonline.com/${tenant}", resource="${KEY_VAULT_RESOURCE}"`;
  let vaultUrl = '';

  for (const [name, value] of Object.entries(options.seed ?? {})) {
    assertSeedName(name);
    store.add(name, value);
  }

  const bundle = (secret: StoredSecret, version: StoredVersion, withValue: boolean) => ({
    ...(withValue ? { value: version.value } : {}),
    id: `${vaultUrl}/secrets/${secret.name}/${version.version}`,
    ...(version.contentType === undefined ? {} : { contentType: version.contentType }),
    attributes: {
      enabled: version.enabled,
      created: version.created,
      updated: version.updated,
      recoveryLevel: 'Recoverable+Purgeable',
      recoverableDays: 90,
    },
    tags: version.tags,
  });

  const server = createServer({ key: tls.key, cert: tls.cert }, (request, response) => {
    handle(request, response).catch(() => {
      if (!response.headersSent) response.writeHead(500).end();
      else response.destroy();
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', vaultUrl);
    const segments = url.pathname
      .split('/')
      .filter((segment) => segment.length > 0)
      .map(decodeURIComponent);
    const method = request.method ?? 'GET';
    const operation = operationOf(method, segments);
    const answer = (
      status: number,
      body: unknown,
      headers: Record<string, string> = {},
      errorCode?: string,
    ) => {
      log.record({ operation, status, errorCode });
      response.writeHead(status, {
        'content-type': 'application/json; charset=utf-8',
        'x-ms-request-id': randomUUID(),
        ...headers,
      });
      response.end(JSON.stringify(body));
    };
    try {
      const authorization = String(request.headers.authorization ?? '');
      const token = /^Bearer (.+)$/.exec(authorization)?.[1];
      if (token === undefined) {
        // Key Vault answers an unauthenticated request with the challenge the SDK follows.
        log.record({ operation: 'Challenge', status: 401, errorCode: 'Unauthorized' });
        response.writeHead(401, {
          'content-type': 'application/json; charset=utf-8',
          'www-authenticate': challenge,
          'x-ms-request-id': randomUUID(),
        });
        response.end(
          JSON.stringify({
            error: {
              code: 'Unauthorized',
              message: 'AKV10000: Request is missing a Bearer or PoP token.',
            },
          }),
        );
        request.resume();
        return;
      }
      if (options.tokens !== undefined && !options.tokens.includes(token)) {
        throw new VaultError(401, 'Unauthorized', 'AKV10032: Invalid issuer or token.', {
          'www-authenticate': challenge,
        });
      }
      const body = await readBody(
        request,
        MAX_BODY_BYTES,
        () => new VaultError(413, 'RequestTooLarge', 'The request body is too large.'),
      );
      if (!url.searchParams.get('api-version')) {
        throw new VaultError(400, 'BadParameter', 'The api-version query parameter is missing.');
      }
      await sleep(faults.latency(operation));
      const fault = faults.draw(operation);
      if (fault !== undefined) throw faultError(fault, faults.current.retryAfterMs ?? 1000);
      answer(200, run(operation, segments, url, body));
    } catch (error) {
      if (!(error instanceof VaultError)) throw error;
      answer(
        error.status,
        {
          error: {
            code: error.code,
            message: error.message,
            ...(error.inner === undefined ? {} : { innererror: { code: error.inner } }),
          },
        },
        error.headers,
        error.code,
      );
    }
  }

  function run(operation: string, segments: string[], url: URL, body: string): unknown {
    const name = segments[1] ?? '';
    if (operation === 'Unknown') {
      throw new VaultError(
        404,
        'NotFound',
        'The requested resource does not exist in this emulator.',
      );
    }
    assertName(name);
    if (operation === 'SetSecret') {
      const input = parseBody(body);
      const existing = store.find(name);
      if (existing?.forbidden) throw forbidden('set');
      const version = store.add(name, input.value, input);
      return bundle(store.find(name) as StoredSecret, version, true);
    }
    const secret = store.find(name);
    if (secret === undefined || secret.versions.length === 0) throw notFound(name);
    if (secret.forbidden) throw forbidden(operation === 'GetSecretVersions' ? 'list' : 'get');
    if (operation === 'GetSecretVersions') {
      const max = Number(url.searchParams.get('maxresults') ?? MAX_PAGE);
      if (!Number.isInteger(max) || max < 1 || max > MAX_PAGE) {
        throw new VaultError(400, 'BadParameter', `maxresults must be between 1 and ${MAX_PAGE}.`);
      }
      const start = Number(url.searchParams.get('$skiptoken') ?? 0);
      if (!Number.isInteger(start) || start < 0) {
        throw new VaultError(400, 'BadParameter', 'The $skiptoken is invalid.');
      }
      const page = secret.versions.slice(start, start + max);
      const next = start + max < secret.versions.length;
      const apiVersion = url.searchParams.get('api-version') ?? '';
      return {
        value: page.map((version) => bundle(secret, version, false)),
        nextLink: next
          ? `${vaultUrl}/secrets/${secret.name}/versions?api-version=${apiVersion}&$skiptoken=${start + max}&maxresults=${max}`
          : null,
      };
    }
    const wanted = segments[2];
    const version =
      wanted === undefined || wanted === ''
        ? store.latest(secret)
        : secret.versions.find((candidate) => candidate.version === wanted);
    if (version === undefined) throw notFound(wanted === undefined ? name : `${name}/${wanted}`);
    if (!version.enabled) {
      throw new VaultError(
        403,
        'Forbidden',
        'Operation get is not allowed on a disabled secret.',
        {},
        'SecretDisabled',
      );
    }
    return bundle(secret, version, true);
  }

  const { port } = await listen(server, options.port, options.host);
  vaultUrl = `https://localhost:${port}`;

  return {
    vaultUrl,
    ca: tls.cert,
    resource: KEY_VAULT_RESOURCE,
    setSecret(name, value, put = {}) {
      assertSeedName(name);
      return store.add(name, value, put).version;
    },
    versions(name) {
      return (store.find(name)?.versions ?? []).map((version) => ({
        version: version.version,
        tags: { ...version.tags },
        enabled: version.enabled,
      }));
    },
    forbid(name, value = true) {
      const secret = store.find(name);
      if (secret === undefined) throw new Error(`No secret ${name} in the emulator`);
      secret.forbidden = value;
    },
    ...emulatorControls(log, faults, server),
  };
}

function operationOf(method: string, segments: readonly string[]): string {
  if (segments[0] !== 'secrets' || segments.length < 2 || segments.length > 3) return 'Unknown';
  if (method === 'PUT' && segments.length === 2) return 'SetSecret';
  if (method !== 'GET') return 'Unknown';
  return segments[2] === 'versions' ? 'GetSecretVersions' : 'GetSecret';
}

function assertName(name: string): void {
  if (!SECRET_NAME_PATTERN.test(name)) {
    throw new VaultError(
      400,
      'BadParameter',
      'The request URI contains an invalid name. Secret names are 1-127 characters: letters, digits and dashes.',
    );
  }
}

/** Data given to the emulator directly: a plain error that says what to fix. */
function assertSeedName(name: string): void {
  if (!SECRET_NAME_PATTERN.test(name)) {
    throw new Error(
      `"${name}" is not a Key Vault secret name: use 1-127 letters, digits and dashes (OPENAI-KEY, not OPENAI_KEY)`,
    );
  }
}

function notFound(what: string): VaultError {
  return new VaultError(
    404,
    'SecretNotFound',
    `A secret with (name/id) ${what} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command.`,
  );
}

function forbidden(action: string): VaultError {
  return new VaultError(
    403,
    'Forbidden',
    `The user, group or application does not have secrets ${action} permission on this key vault.`,
    {},
    'ForbiddenByRbac',
  );
}

function faultError(fault: FaultKind, retryAfterMs: number): VaultError {
  if (fault === 'error') {
    return new VaultError(
      500,
      'InternalServerError',
      'An internal error occurred (injected by the emulator).',
    );
  }
  return new VaultError(429, 'Throttled', 'Rate limit is exceeded. Try again later.', {
    'retry-after': String(Math.ceil(retryAfterMs / 1000)),
    'x-ms-retry-after-ms': String(retryAfterMs),
  });
}

function parseBody(body: string): {
  value: string;
  tags?: Record<string, string>;
  contentType?: string;
  enabled?: boolean;
} {
  let parsed: Record<string, unknown>;
  try {
    parsed = JSON.parse(body) as Record<string, unknown>;
  } catch {
    throw new VaultError(400, 'BadParameter', 'The request body is not valid JSON.');
  }
  if (parsed === null || typeof parsed !== 'object' || typeof parsed.value !== 'string') {
    throw new VaultError(400, 'BadParameter', 'Property value is required and must be a string.');
  }
  const tags = parsed.tags;
  if (
    tags !== undefined &&
    tags !== null &&
    (typeof tags !== 'object' || Object.values(tags).some((tag) => typeof tag !== 'string'))
  ) {
    throw new VaultError(400, 'BadParameter', 'Tags must be an object of string values.');
  }
  if (tags !== undefined && tags !== null && Object.keys(tags).length > 15) {
    throw new VaultError(400, 'BadParameter', 'A secret can have at most 15 tags.');
  }
  const attributes = parsed.attributes as { enabled?: unknown } | undefined;
  return {
    value: parsed.value,
    tags: (tags ?? undefined) as Record<string, string> | undefined,
    contentType: typeof parsed.contentType === 'string' ? parsed.contentType : undefined,
    enabled: typeof attributes?.enabled === 'boolean' ? attributes.enabled : undefined,
  };
}
