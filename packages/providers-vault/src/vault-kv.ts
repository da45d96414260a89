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
import type { VaultAuth, VaultLogin } from './auth.js';
import {
  CAS_MISMATCH,
  CAS_REQUIRED,
  DEFAULT_FIELD,
  DEFAULT_MOUNT,
  DEFAULT_SOURCE_NAME,
  DEFAULT_TIMEOUT_MS,
} from './constants.js';
import { VaultConflictError, VaultError, VaultFieldError } from './errors.js';
import { TokenSession } from './token-session.js';

/** Options of {@link vaultKv}. */
export interface VaultKvOptions {
  /** Vault's address, e.g. `https://vault.example.com:8200` (`VAULT_ADDR`). Required. */
  address: string;
  /** How to get a token: `vaultToken`, `vaultAppRole` or `vaultKubernetes`. Required. */
  auth: VaultAuth;
  /** The KV v2 mount. Default `secret`. */
  mount?: string;
  /** Put before every secret path, e.g. `app/`. Default `''`. */
  prefix?: string;
  /** The field of the secret's data that holds the value. Default `value`. */
  field?: string;
  /** Vault Enterprise / HCP namespace, sent as `X-Vault-Namespace`. Default: none. */
  namespace?: string;
  /** The fetch to use (a custom one for mTLS or a proxy). Default: the global `fetch`. */
  fetch?: typeof fetch;
  /** Epoch milliseconds; decides when a token is renewed. Default `Date.now`. */
  clock?: () => number;
  /**
   * How the token is sent: `x-vault-token` (Vault's header) or `authorization`
   * (`Authorization: Bearer …`, which Vault and OpenBao also accept). Default `x-vault-token`.
   */
  tokenHeader?: 'x-vault-token' | 'authorization';
  /**
   * Retries when Vault answers 429 (rate limit quota, honouring `Retry-After`), 5xx or the
   * network fails (reads only for the last two): `attempts` in all (default 3), waiting
   * `baseDelayMs` (default 200) doubling up to `maxDelayMs` (default 5000), with jitter.
   */
  retry?: RetryOptions;
  /** How long one request may take, in milliseconds. Default 10 000. */
  timeoutMs?: number;
  /** The source's name in errors, audit events and metrics. Default `'vault'`. */
  name?: string;
}

/** Where a ref's value lives in Vault. */
export interface VaultSecretLocation {
  /** The API path of the secret's data: `{mount}/data/{prefix}NAME`. */
  readonly dataPath: string;
  /** The version to read; absent for the latest. */
  readonly version?: number;
  readonly field: string;
}

/** The Vault KV v2 source: reads for the chain, and check-and-set writes. */
export interface VaultKvSource extends WritableSecretSource {
  locate(ref: string | ParsedRef): VaultSecretLocation;
  /** What a person should write so this source has the ref (never a value). */
  hint(ref: ParsedRef): string;
  /**
   * Writes `{ [field]: value }` as a new version. For `NAME:vN` the write is a check-and-set
   * on version N-1 (0 for v1), so it becomes version N or fails with `BATON_CONFLICT`; an
   * unversioned ref writes unconditionally. Answers the new version number.
   */
  put(ref: string | ParsedRef, value: string): Promise<SecretWriteResult>;
}

/**
 * HashiCorp Vault / OpenBao KV v2 as a Baton source, on `fetch` alone, so it runs on Node and at
 * the edge. `OPENAI_KEY:v2` reads field `value` of version 2 of `{mount}/data/{prefix}OPENAI_KEY`.
 * A path or version that does not exist is absent, so is a soft-deleted or destroyed version;
 * denials and exhausted retries fail with {@link VaultError}, never with a value or a token.
 *
 * @example
 * const baton = createBaton({
 *   sources: [
 *     envSource(),
 *     vaultKv({ address: 'https://vault:8200', auth: vaultAppRole({ roleId, secretId }), prefix: 'app/' }),
 *   ],
 * });
 * await baton.getSecret('OPENAI_KEY:v2'); // GET /v1/secret/data/app/OPENAI_KEY?version=2
 */
export function vaultKv(options: VaultKvOptions): VaultKvSource {
  return new VaultKv(resolveOptions(options));
}

interface Settings {
  address: string;
  auth: VaultAuth;
  mount: string;
  prefix: string;
  field: string;
  namespace: string | undefined;
  fetch: typeof fetch;
  clock: () => number;
  tokenHeader: 'x-vault-token' | 'authorization';
  retry: RetryPolicy;
  timeoutMs: number;
  name: string;
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

interface RequestContext {
  /** The ref(s) as messages show them. */
  readonly shown: string;
  /** The path as messages may show it ('' when the ref looks like a credential). */
  readonly shownPath: string;
  readonly access: 'read' | 'write';
}

/** Statuses a repeated request can get past. */
const TRANSIENT_STATUS = new Set([429, 500, 502, 503, 504]);

class VaultKv implements VaultKvSource {
  readonly name: string;
  private readonly settings: Settings;
  private readonly session: TokenSession;

  constructor(settings: Settings) {
    this.settings = settings;
    this.name = settings.name;
    const auth = (path: string): RequestContext => ({
      shown: `its ${settings.auth.method} login`,
      shownPath: path,
      access: 'read',
    });
    this.session = new TokenSession(
      settings.auth,
      {
        login: async (path, body) =>
          loginOf(await this.expect(this.send('POST', path, undefined, body, false), auth(path))),
        lookup: async (token) => {
          const answer = await this.send('GET', 'auth/token/lookup-self', token, undefined, true);
          if (answer.status !== 200) return undefined;
          const data = (answer.body as { data?: { ttl?: unknown; renewable?: unknown } })?.data;
          return {
            token,
            leaseSec: typeof data?.ttl === 'number' ? data.ttl : 0,
            renewable: data?.renewable === true,
          };
        },
        renew: async (token) =>
          loginOf(
            await this.expect(
              this.send('POST', 'auth/token/renew-self', token, {}, true),
              auth('auth/token/renew-self'),
            ),
            token,
          ),
      },
      settings.clock,
    );
  }

  locate(ref: string | ParsedRef): VaultSecretLocation {
    const parsed = typeof ref === 'string' ? parseRef(ref) : ref;
    const { mount, prefix, field } = this.settings;
    return {
      dataPath: `${mount}/data/${prefix}${parsed.name}`,
      ...(parsed.version === undefined ? {} : { version: parsed.version }),
      field,
    };
  }

  hint(ref: ParsedRef): string {
    const { address, namespace, field } = this.settings;
    const shown = displayRef(ref.ref);
    const path = shown === ref.ref ? this.locate(ref).dataPath : 'the secret this ref names';
    const where = namespace === undefined ? 'in Vault' : `in Vault namespace ${namespace}`;
    const version = ref.version === undefined ? '' : `version ${ref.version} of `;
    return `write ${version}${path} (field "${field}") ${where} at ${address}`;
  }

  async get(ref: ParsedRef): Promise<string | undefined> {
    const location = this.locate(ref);
    const context = this.context(ref, location, 'read');
    const query = location.version === undefined ? '' : `?version=${location.version}`;
    const answer = await this.authorized('GET', `${location.dataPath}${query}`, undefined, context);
    if (answer.status === 404 && isAbsent(answer.body)) return undefined;
    const body = answer.body as { data?: { data?: Record<string, unknown> | null } } | undefined;
    if (answer.status !== 200) throw this.failure(answer, 'GET', context);
    const data = body?.data?.data;
    // A soft-deleted version can also answer 200 with no data on older servers.
    if (data === null || data === undefined || !Object.hasOwn(data, location.field)) {
      return undefined;
    }
    const value = data[location.field];
    if (typeof value === 'string') return value;
    throw new VaultFieldError(
      this.name,
      context.shown,
      `field "${location.field}"${context.shownPath === '' ? '' : ` of ${context.shownPath}`} holds ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}, not a string`,
    );
  }

  async put(ref: string | ParsedRef, value: string): Promise<SecretWriteResult> {
    const parsed = typeof ref === 'string' ? parseRef(ref) : ref;
    if (typeof value !== 'string') {
      throw new ConfigError(`vaultKv.put: the value of ${displayRef(parsed.ref)} must be a string`);
    }
    const location = this.locate(parsed);
    const context = this.context(parsed, location, 'write');
    const body = {
      data: { [location.field]: value },
      ...(parsed.version === undefined ? {} : { options: { cas: parsed.version - 1 } }),
    };
    const answer = await this.authorized('POST', location.dataPath, body, context);
    if (answer.status === 200) {
      const version = (answer.body as { data?: { version?: unknown } })?.data?.version;
      return { versionId: String(version) };
    }
    const errors = errorsOf(answer.body);
    if (answer.status === 400 && errors.includes(CAS_MISMATCH)) {
      throw new VaultConflictError(
        this.name,
        context.shown,
        `another writer stored version ${parsed.version} first (check-and-set on version ${(parsed.version ?? 1) - 1} failed)`,
      );
    }
    if (answer.status === 400 && errors.includes(CAS_REQUIRED)) {
      throw new VaultError(
        this.name,
        context.shown,
        {
          kind: 'the mount requires check-and-set: write a versioned ref (NAME:vN)',
          operation: `POST ${context.shownPath}`.trim(),
          status: 400,
        },
        'write',
      );
    }
    throw this.failure(answer, 'POST', context);
  }

  /** A request with the session's token; a 403 gets one fresh login and one more try. */
  private async authorized(
    method: string,
    path: string,
    body: unknown,
    context: RequestContext,
  ): Promise<Answer & { attempts: number }> {
    const idempotent = method === 'GET';
    let token: string;
    try {
      token = await this.session.token();
    } catch (error) {
      throw this.loginFailure(error, context);
    }
    const first = await this.expectSent(
      this.send(method, path, token, body, idempotent),
      context,
      method,
    );
    if (first.status !== 403) return first;
    let fresh: string | undefined;
    try {
      fresh = await this.session.relogin(token);
    } catch (error) {
      throw this.loginFailure(error, context);
    }
    if (fresh === undefined) return first;
    const second = await this.expectSent(
      this.send(method, path, fresh, body, idempotent),
      context,
      method,
    );
    return { ...second, attempts: first.attempts + second.attempts };
  }

  /**
   * One request with retries: 429 always (Vault refused it before doing anything), 5xx and
   * network failures only when repeating is safe. Answers the last answer, or throws the
   * network failure.
   */
  private async send(
    method: string,
    path: string,
    token: string | undefined,
    body: unknown,
    idempotent: boolean,
  ): Promise<Answer & { attempts: number }> {
    const { retry, timeoutMs } = this.settings;
    for (let attempt = 1; ; attempt++) {
      let response: Response;
      try {
        response = await this.settings.fetch(`${this.settings.address}/v1/${path}`, {
          method,
          headers: this.headers(token, body !== undefined),
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        if (!idempotent || attempt >= retry.attempts) {
          throw new NetworkFailure(error, `${method} ${path.split('?')[0]}`, attempt);
        }
        await sleep(retryDelay(retry, attempt));
        continue;
      }
      const retryable =
        response.status === 429 || (idempotent && TRANSIENT_STATUS.has(response.status));
      if (!retryable || attempt >= retry.attempts) {
        return { status: response.status, body: await readJson(response), attempts: attempt };
      }
      await response.body?.cancel();
      const retryAfter = Number(response.headers.get('retry-after'));
      const wait =
        Number.isFinite(retryAfter) && retryAfter > 0
          ? Math.min(retryAfter * 1000, retry.maxDelayMs)
          : retryDelay(retry, attempt);
      await sleep(wait);
    }
  }

  private headers(token: string | undefined, json: boolean): Record<string, string> {
    const headers: Record<string, string> = {};
    if (json) headers['content-type'] = 'application/json';
    if (this.settings.namespace !== undefined)
      headers['x-vault-namespace'] = this.settings.namespace;
    if (token !== undefined) {
      if (this.settings.tokenHeader === 'authorization') headers.authorization = `Bearer ${token}`;
      else headers['x-vault-token'] = token;
    }
    return headers;
  }

  /** Turns a network failure of a sent request into a VaultError. */
  private async expectSent(
    sent: Promise<Answer & { attempts: number }>,
    context: RequestContext,
    method: string,
  ): Promise<Answer & { attempts: number }> {
    try {
      return await sent;
    } catch (error) {
      if (!(error instanceof NetworkFailure)) throw error;
      throw new VaultError(
        this.name,
        context.shown,
        {
          kind: error.kind,
          operation: `${method} ${context.shownPath}`.trim(),
          attempts: error.attempts,
        },
        context.access,
      );
    }
  }

  /** A login or renewal answer that must be 200; anything else fails the request it serves. */
  private async expect(
    sent: Promise<Answer & { attempts: number }>,
    context: RequestContext,
  ): Promise<Answer> {
    const answer = await this.expectSent(sent, context, 'POST');
    if (answer.status !== 200) throw this.failure(answer, 'POST', context);
    return answer;
  }

  private loginFailure(error: unknown, context: RequestContext): Error {
    if (error instanceof VaultError) {
      const { operation, status, attempts } = error;
      return new VaultError(
        this.name,
        context.shown,
        { kind: `login failed: ${error.kind}`, operation, status, attempts },
        context.access,
      );
    }
    if (error instanceof ConfigError) return error;
    if (error instanceof NetworkFailure) {
      const { kind, operation, attempts } = error;
      return new VaultError(
        this.name,
        context.shown,
        { kind: `login failed: ${kind}`, operation, attempts },
        context.access,
      );
    }
    return new VaultError(
      this.name,
      context.shown,
      { kind: `login failed: ${describeError(error)}`, operation: this.settings.auth.method },
      context.access,
    );
  }

  private failure(
    answer: Answer & { attempts?: number },
    method: string,
    context: RequestContext,
  ): VaultError {
    return new VaultError(
      this.name,
      context.shown,
      {
        kind: kindOf(answer.status),
        operation: `${method} ${context.shownPath}`.trim(),
        status: answer.status,
        ...(answer.attempts === undefined ? {} : { attempts: answer.attempts }),
      },
      context.access,
    );
  }

  private context(
    ref: ParsedRef,
    location: VaultSecretLocation,
    access: 'read' | 'write',
  ): RequestContext {
    const shown = displayRef(ref.ref);
    // A ref that looks like a credential is not quoted, and neither is the path made from it.
    return { shown, shownPath: shown === ref.ref ? location.dataPath : '', access };
  }
}

/** A request that never got an answer: the network, DNS, TLS or the timeout failed. */
class NetworkFailure extends Error {
  readonly kind: string;

  constructor(
    error: unknown,
    readonly operation: string,
    readonly attempts: number,
  ) {
    super('network failure');
    this.kind = describeError(error);
  }
}

function resolveOptions(options: VaultKvOptions): Settings {
  if (options === null || typeof options !== 'object') {
    throw new ConfigError('vaultKv needs options: { address, auth, … }');
  }
  const {
    address,
    auth,
    mount = DEFAULT_MOUNT,
    prefix = '',
    field = DEFAULT_FIELD,
    namespace,
    fetch: fetcher,
    clock = Date.now,
    tokenHeader = 'x-vault-token',
    timeoutMs = DEFAULT_TIMEOUT_MS,
    name = DEFAULT_SOURCE_NAME,
  } = options;
  const issues: string[] = [];
  let url: URL | undefined;
  try {
    url = new URL(address);
  } catch {
    url = undefined;
  }
  if (
    url === undefined ||
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.search !== ''
  ) {
    issues.push('vaultKv: address must be Vault\'s URL, e.g. "https://vault.example.com:8200"');
  }
  if (
    auth === null ||
    typeof auth !== 'object' ||
    typeof (auth as { login?: unknown }).login !== 'function'
  ) {
    issues.push('vaultKv: auth must be vaultToken(…), vaultAppRole(…) or vaultKubernetes(…)');
  }
  if (typeof mount !== 'string' || !/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(mount)) {
    issues.push('vaultKv: mount must be a path such as "secret" or "kv/apps"');
  }
  if (typeof prefix !== 'string' || !/^([A-Za-z0-9_.-]+\/?)*$/.test(prefix)) {
    issues.push('vaultKv: prefix may hold letters, digits, _ . - and /, e.g. "app/"');
  }
  if (typeof field !== 'string' || field === '') {
    issues.push('vaultKv: field must be a non-empty string');
  }
  if (
    namespace !== undefined &&
    (typeof namespace !== 'string' || !/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*\/?$/.test(namespace))
  ) {
    issues.push('vaultKv: namespace must be a namespace path such as "admin/team-a"');
  }
  if (fetcher !== undefined && typeof fetcher !== 'function') {
    issues.push('vaultKv: fetch must be a fetch function');
  }
  if (typeof clock !== 'function') issues.push('vaultKv: clock must be a function');
  if (tokenHeader !== 'x-vault-token' && tokenHeader !== 'authorization') {
    issues.push('vaultKv: tokenHeader must be "x-vault-token" or "authorization"');
  }
  const retry = retryPolicy(options.retry, 'vaultKv', issues);
  if (!(typeof timeoutMs === 'number' && Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    issues.push('vaultKv: timeoutMs must be a positive number of milliseconds');
  }
  if (typeof name !== 'string' || name === '')
    issues.push('vaultKv: name must be a non-empty string');
  if (issues.length > 0) throw new ConfigError(issues);
  return {
    address: address.replace(/\/+$/, ''),
    auth,
    mount,
    prefix,
    field,
    namespace: namespace?.replace(/\/+$/, ''),
    // Read at call time, not import time, and called unbound as some runtimes require.
    fetch: fetcher ?? ((input, init) => globalThis.fetch(input, init)),
    clock,
    tokenHeader,
    retry,
    timeoutMs,
    name,
  };
}

/** A 404 means absent when it is Vault's "nothing here" (no errors, or a deleted version's metadata). */
function isAbsent(body: unknown): boolean {
  const candidate = body as { errors?: unknown; data?: { metadata?: unknown } } | undefined;
  if (candidate?.data?.metadata !== undefined) return true;
  return Array.isArray(candidate?.errors) && candidate.errors.length === 0;
}

function errorsOf(body: unknown): string[] {
  const errors = (body as { errors?: unknown })?.errors;
  return Array.isArray(errors)
    ? errors.filter((error): error is string => typeof error === 'string')
    : [];
}

function loginOf(answer: Answer, token?: string): VaultLogin {
  const auth = (
    answer.body as {
      auth?: { client_token?: unknown; lease_duration?: unknown; renewable?: unknown };
    }
  )?.auth;
  const clientToken = token ?? auth?.client_token;
  if (typeof clientToken !== 'string' || clientToken === '') {
    throw new ConfigError('vaultKv: Vault answered the login without a client token');
  }
  return {
    token: clientToken,
    leaseSec: typeof auth?.lease_duration === 'number' ? auth.lease_duration : 0,
    renewable: auth?.renewable === true,
  };
}

const KINDS: Record<number, string> = {
  400: 'bad request',
  401: 'unauthorized',
  403: 'permission denied',
  404: 'no such route (is the mount right?)',
  405: 'unsupported operation',
  412: 'precondition failed',
  429: 'rate limited',
  500: 'internal error',
  502: 'bad gateway',
  503: 'unavailable (sealed, or a standby)',
  504: 'gateway timeout',
};

function kindOf(status: number): string {
  return KINDS[status] ?? `HTTP ${status}`;
}

/** A foreign error's kind: its code (ECONNREFUSED) or name (TimeoutError), never its message. */
function describeError(error: unknown): string {
  const candidate = error as { name?: unknown; code?: unknown; cause?: { code?: unknown } };
  for (const code of [candidate?.cause?.code, candidate?.code]) {
    if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(code)) return code;
  }
  const name = candidate?.name;
  return typeof name === 'string' && /^\w{1,64}$/.test(name) ? name : 'Error';
}

async function readJson(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    // Not Vault's JSON (a proxy's HTML page): the status says enough.
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
