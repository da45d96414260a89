import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { type Baton, BatonError, ConfigError } from '@baton/core';
import { readBody } from '@baton/core/node';
import { identifierProblem } from '@baton/registry-postgres/connection';
import pg from 'pg';
import { ChangeEvents } from './change-events.js';
import {
  APPLICATION_NAME,
  CHANNEL_PREFIX,
  DEFAULT_BODY_LIMIT,
  DEFAULT_EVENT_GAP_WAIT_MS,
  DEFAULT_EVENT_POLL_INTERVAL_MS,
  DEFAULT_KEY_LOGICAL,
  DEFAULT_MAX_HEADER_SIZE,
  DEFAULT_SCHEMA,
  DEFAULT_WEBHOOK_ATTEMPTS,
  DEFAULT_WEBHOOK_RETRY_DELAY_MS,
  DEFAULT_WEBHOOK_TIMEOUT_MS,
} from './constants.js';
import { DecryptionError, EncryptionKeyError, VersionConflictError } from './errors.js';
import { streamEvents } from './event-stream.js';
import { ERROR_BODIES, REALM, sendJson } from './http-answer.js';
import { type Caller, type JwtAuth, type JwtAuthOptions, jwtAuth } from './jwt-auth.js';
import { KeyRing } from './key-ring.js';
import { ServiceMetrics } from './metrics.js';
import { jsonLinesLog, type LogRecord, type LogSink } from './request-log.js';
import type { Access } from './scopes.js';
import { isSecretPath, isUnderPrefix } from './secret-path.js';
import {
  type ChangeEvent,
  type ReencryptResult,
  type SecretData,
  SecretStore,
} from './secret-store.js';
import { type ValidationRule, Validator } from './validation.js';
import { checkWebhookTargets, Webhooks, type WebhookTarget } from './webhooks.js';

export interface SecretsServiceOptions {
  /** The PostgreSQL to keep secrets in, e.g. `postgres://secrets@db:5432/secrets`. Or `pool`. */
  connectionString?: string;
  /** A `pg` pool of your own; the service borrows from it and never ends it. */
  pool?: pg.Pool;
  /** The schema of the tables, created when missing. Default `'baton_secrets'`. */
  schema?: string;
  /** How bearer tokens are verified (see {@link JwtAuthOptions}). Required. */
  auth: JwtAuthOptions;
  /**
   * The Baton that resolves the encryption key (the current ref of `keyLogical` encrypts;
   * each version decrypts with the ref it was written with) and signs webhooks. Required.
   */
  baton: Baton;
  /** The encryption key's logical name in `baton`. Default `'SECRETS_API_KEY'`. */
  keyLogical?: string;
  /** Rules `data` must follow, per path prefix (422 when broken). Default none. */
  validation?: readonly ValidationRule[];
  /** Where changes are posted, signed, per path prefix. Default none. */
  webhooks?: readonly WebhookTarget[];
  /** Retries of webhook deliveries. Default 6 attempts, 500 ms doubling, 5 s each. */
  webhookDelivery?: { attempts?: number; retryDelayMs?: number; timeoutMs?: number };
  /** Most bytes of a PATCH body (413 past it). Default 65 536. */
  bodyLimit?: number;
  /** Most bytes of request headers (431 past it). Default 16 384. */
  maxHeaderSize?: number;
  /** Where the JSON log lines go; `false` for none. Default: stdout. */
  log?: LogSink | false;
  /** How long a missing event position is waited for before it is skipped. Default 2000. */
  eventGapWaitMs?: number;
  /** How often the change table is read without a notification. Default 5000. */
  eventPollIntervalMs?: number;
  /** Epoch milliseconds. Default `Date.now`. */
  clock?: () => number;
}

/** A change as listeners receive it: no value. */
export type SecretChange = ChangeEvent;

/** The secrets API: an HTTP handler, a server to listen with, and change listeners. */
export interface SecretsService {
  /** The Prometheus metrics (also served at `/metrics`). */
  readonly metrics: ServiceMetrics;
  /** Creates the tables, checks the encryption key, starts following changes. Idempotent. */
  ready(): Promise<void>;
  /** Listens (after `ready`); answers the URL. Default host 127.0.0.1, port 0 (a free one). */
  listen(options?: {
    port?: number;
    host?: string;
  }): Promise<{ url: string; port: number; host: string }>;
  /** The request handler, to mount the API on a server of your own (call `ready` first). */
  readonly handler: (req: IncomingMessage, res: ServerResponse) => void;
  /**
   * Calls `listener` with each change of `path` (a path, `PREFIX/` for every path under
   * PREFIX, or `'*'` for all), from any replica; answers the function that removes it.
   */
  addListener(path: string, listener: (change: SecretChange) => void): () => void;
  /** Moves every version encrypted with an older key to the current key. */
  reencrypt(): Promise<ReencryptResult>;
  /** Ends event streams, stops listening, waits for webhook attempts, releases PostgreSQL. */
  close(): Promise<void>;
}

type Route =
  | '/secrets/{path}'
  | '/secrets/{path}/versions'
  | '/events'
  | '/metrics'
  | '/healthz'
  | 'unknown';

const VERSION = /^(0|[1-9][0-9]{0,9})$/;
const MAX_VERSION = 2_147_483_647;
const MAX_DATA_KEYS = 256;
const MAX_KEY_LENGTH = 256;

/** The context of one request: what the log line and the metrics say about it. */
interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly started: number;
  route: Route;
  path?: string;
  actor?: string;
  reason?: string;
}

/**
 * Creates the secrets API service: versioned secrets in PostgreSQL, encrypted with
 * AES-256-GCM under a key that is a Baton ref, check-and-set writes, JWT bearer auth with
 * scopes, change events (listeners, Server-Sent Events, signed webhooks), validation rules,
 * Prometheus metrics and JSON logs without values.
 *
 * @example
 * const service = createSecretsService({
 *   connectionString: 'postgres://postgres@127.0.0.1:5432/test',
 *   auth: { jwksUrl: 'https://id.example/jwks.json', issuer: 'https://id.example/', audience: 'secrets-api' },
 *   baton,
 * });
 * const { url } = await service.listen({ port: 8200 });
 */
export function createSecretsService(options: SecretsServiceOptions): SecretsService {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  const problems: string[] = [];
  const schemaProblem = identifierProblem(schema, 'schema', 63 - CHANNEL_PREFIX.length);
  if (schemaProblem !== undefined) problems.push(schemaProblem);
  if (options.pool === undefined && typeof options.connectionString !== 'string') {
    problems.push('give connectionString or pool: where the secrets are kept');
  }
  if (typeof options.baton?.getSecret !== 'function') {
    problems.push('baton is required: it resolves the encryption key');
  }
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  if (!Number.isInteger(bodyLimit) || bodyLimit <= 0)
    problems.push('bodyLimit must be a positive integer');
  if (problems.length > 0) throw new ConfigError(problems);
  const auth: JwtAuth = jwtAuth(options.auth);
  const validator = new Validator(options.validation);
  checkWebhookTargets(options.webhooks ?? []);

  const clock = options.clock ?? Date.now;
  const log = options.log === false ? () => undefined : (options.log ?? jsonLinesLog);
  const emit = (level: LogRecord['level'], msg: string, fields: Record<string, unknown> = {}) =>
    log({ at: new Date(clock()).toISOString(), level, msg, ...fields });
  const ownsPool = options.pool === undefined;
  const pool =
    options.pool ??
    new pg.Pool({
      connectionString: options.connectionString,
      max: 10,
      application_name: APPLICATION_NAME,
    });
  // An idle connection's error would otherwise crash the process.
  if (ownsPool)
    pool.on('error', (error) =>
      emit('warn', 'database connection lost', { error: describe(error) }),
    );

  const keyLogical = options.keyLogical ?? DEFAULT_KEY_LOGICAL;
  const keys = new KeyRing(options.baton, keyLogical);
  const store = new SecretStore(pool, schema, keys, `${CHANNEL_PREFIX}${schema}`);
  const metrics = new ServiceMetrics();
  const events = new ChangeEvents({
    pool,
    store,
    gapWaitMs: options.eventGapWaitMs ?? DEFAULT_EVENT_GAP_WAIT_MS,
    pollIntervalMs: options.eventPollIntervalMs ?? DEFAULT_EVENT_POLL_INTERVAL_MS,
    clock: Date.now,
    onError: (error) => emit('warn', 'change feed', { error: describe(error) }),
  });
  const webhooks = new Webhooks(options.baton, options.webhooks ?? [], {
    attempts: options.webhookDelivery?.attempts ?? DEFAULT_WEBHOOK_ATTEMPTS,
    retryDelayMs: options.webhookDelivery?.retryDelayMs ?? DEFAULT_WEBHOOK_RETRY_DELAY_MS,
    timeoutMs: options.webhookDelivery?.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS,
    onOutcome: (target, event, outcome, attempts) => {
      metrics.webhook(outcome);
      emit(outcome === 'delivered' ? 'info' : 'warn', 'webhook', {
        url: target.url,
        path: event.path,
        version: event.version,
        outcome,
        attempts,
      });
    },
  });
  const streams = new Set<ServerResponse>();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let readying: Promise<void> | undefined;
  let closed = false;

  function finish(x: Exchange, status: number, body: unknown, headers?: Record<string, string>) {
    sendJson(x.res, status, body, headers);
    record(x, status);
  }

  function record(x: Exchange, status: number) {
    const seconds = (performance.now() - x.started) / 1000;
    metrics.request(x.route, x.req.method ?? '', status, seconds);
    emit(status >= 500 ? 'error' : 'info', 'request', {
      method: x.req.method,
      route: x.route,
      ...(x.path === undefined ? {} : { path: x.path }),
      status,
      ms: Math.round(seconds * 10_000) / 10,
      ...(x.actor === undefined ? {} : { actor: x.actor }),
      ...(x.reason === undefined ? {} : { reason: x.reason }),
    });
  }

  /** Authenticates; answers 401/503 itself and resolves `undefined` when it refused. */
  async function authenticate(x: Exchange): Promise<Caller | undefined> {
    const result = await auth.authenticate(x.req.headers.authorization);
    if (result.ok) {
      x.actor = result.caller.subject;
      return result.caller;
    }
    x.reason = result.reason;
    metrics.authFailure(result.reason);
    if (result.reason === 'jwks_unavailable') {
      finish(x, 503, ERROR_BODIES.unavailable, { 'retry-after': '5' });
    } else {
      finish(x, 401, ERROR_BODIES.invalidToken, {
        'www-authenticate': `Bearer realm="${REALM}", error="invalid_token"`,
      });
    }
    return undefined;
  }

  function allowed(x: Exchange, caller: Caller, access: Access, path: string | undefined): boolean {
    if (path === undefined ? caller.grants.allowsAny(access) : caller.grants.allows(access, path)) {
      return true;
    }
    x.reason = 'insufficient_scope';
    metrics.authFailure('insufficient_scope');
    finish(x, 403, ERROR_BODIES.insufficientScope, {
      'www-authenticate': `Bearer realm="${REALM}", error="insufficient_scope", scope="secrets:${access}"`,
    });
    return false;
  }

  async function readSecret(x: Exchange, path: string, query: URLSearchParams) {
    const caller = await authenticate(x);
    if (caller === undefined || !allowed(x, caller, 'read', path)) return;
    const requested = query.get('version');
    let version: number | undefined;
    if (requested !== null) {
      version = VERSION.test(requested) ? Number(requested) : Number.NaN;
      if (!(version >= 1 && version <= MAX_VERSION))
        return finish(x, 400, ERROR_BODIES.invalidVersion);
    }
    const found = await store.read(path, version);
    if (found === undefined) return finish(x, 404, ERROR_BODIES.notFound);
    finish(x, 200, {
      path: found.path,
      version: found.version,
      data: found.data,
      createdAt: found.createdAt.toISOString(),
    });
  }

  async function readHistory(x: Exchange, path: string) {
    const caller = await authenticate(x);
    if (caller === undefined || !allowed(x, caller, 'read', path)) return;
    const history = await store.history(path);
    if (history.length === 0) return finish(x, 404, ERROR_BODIES.notFound);
    finish(
      x,
      200,
      history.map((entry) => ({
        version: entry.version,
        createdAt: entry.createdAt.toISOString(),
        actor: entry.actor,
      })),
    );
  }

  async function writeSecret(x: Exchange, path: string) {
    const caller = await authenticate(x);
    if (caller === undefined || !allowed(x, caller, 'write', path)) {
      x.req.resume();
      return;
    }
    if (path.endsWith('/versions') || path === 'versions') {
      x.req.resume();
      return finish(x, 400, {
        ...ERROR_BODIES.invalidPath,
        detail:
          'a path ending in "versions" could not be read back: GET /secrets/{path}/versions is the history',
      });
    }
    const type = (x.req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') {
      x.req.resume();
      return finish(x, 415, ERROR_BODIES.unsupportedMediaType);
    }
    const read = await readBody(x.req, bodyLimit);
    if (read.kind === 'aborted') return;
    if (read.kind === 'too_large') return finish(x, 413, ERROR_BODIES.payloadTooLarge);
    let body: unknown;
    try {
      body = JSON.parse(read.body.toString('utf8'));
    } catch {
      return finish(x, 400, ERROR_BODIES.invalidJson);
    }
    const parsed = parsePatch(body);
    if (typeof parsed === 'string')
      return finish(x, 400, { error: 'invalid_body', detail: parsed });
    const violation = validator.check(path, parsed.data);
    if (violation !== undefined) {
      x.reason = `rule ${violation.rule}`;
      metrics.validationFailure(violation.rule);
      return finish(x, 422, { error: 'validation_failed', ...violation });
    }
    try {
      const change = await store.write(path, parsed.data, {
        ...(parsed.version === undefined ? {} : { expectedVersion: parsed.version }),
        actor: caller.subject,
      });
      webhooks.deliver(change);
      finish(x, 200, { path, version: change.version });
    } catch (error) {
      if (!(error instanceof VersionConflictError)) throw error;
      x.reason = 'version_conflict';
      metrics.conflict();
      finish(x, 409, { error: 'version_conflict', currentVersion: error.currentVersion });
    }
  }

  async function openEvents(x: Exchange) {
    const caller = await authenticate(x);
    if (caller === undefined || !allowed(x, caller, 'read', undefined)) return;
    const header = x.req.headers['last-event-id'] as string | undefined;
    let lastEventId: number | undefined;
    if (header !== undefined && header !== '') {
      if (!/^[0-9]{1,15}$/.test(header)) {
        return finish(x, 400, { error: 'invalid_last_event_id' });
      }
      lastEventId = Number(header);
    }
    if (closed) return finish(x, 503, ERROR_BODIES.unavailable);
    streams.add(x.res);
    metrics.streamOpened();
    record(x, 200);
    await streamEvents({
      res: x.res,
      caller,
      lastEventId,
      events,
      store,
      clock,
      onClose: () => {
        streams.delete(x.res);
        metrics.streamClosed();
      },
    });
  }

  async function route(x: Exchange): Promise<void> {
    const url = x.req.url ?? '/';
    const queryAt = url.indexOf('?');
    const rawPath = queryAt === -1 ? url : url.slice(0, queryAt);
    const query = new URLSearchParams(queryAt === -1 ? '' : url.slice(queryAt + 1));
    const method = x.req.method;
    const only = (allowedMethod: string) => {
      if (method === allowedMethod) return true;
      x.req.resume();
      finish(x, 405, ERROR_BODIES.methodNotAllowed, { allow: allowedMethod });
      return false;
    };
    if (rawPath === '/healthz') {
      x.route = '/healthz';
      if (!only('GET')) return;
      const up = await store.ping();
      return finish(x, up ? 200 : 503, { status: up ? 'ok' : 'unavailable' });
    }
    if (rawPath === '/metrics') {
      x.route = '/metrics';
      if (!only('GET')) return;
      const { body, contentType } = await metrics.render();
      x.res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
      x.res.end(body);
      return record(x, 200);
    }
    if (rawPath === '/events') {
      x.route = '/events';
      if (!only('GET')) return;
      return openEvents(x);
    }
    if (rawPath.startsWith('/secrets/')) {
      let path = rawPath.slice('/secrets/'.length);
      x.route = '/secrets/{path}';
      if (method === 'GET' && path.endsWith('/versions')) {
        x.route = '/secrets/{path}/versions';
        path = path.slice(0, -'/versions'.length);
      }
      if (!isSecretPath(path)) {
        x.req.resume();
        return finish(x, 400, {
          ...ERROR_BODIES.invalidPath,
          detail:
            'a path is segments of letters, digits, "_", "." and "-" joined by "/" (no "..", no percent-encoding, no empty segment)',
        });
      }
      x.path = path;
      if (x.route === '/secrets/{path}/versions') return readHistory(x, path);
      if (method === 'GET') return readSecret(x, path, query);
      if (method === 'PATCH') return writeSecret(x, path);
      x.req.resume();
      return finish(x, 405, ERROR_BODIES.methodNotAllowed, { allow: 'GET, PATCH' });
    }
    x.req.resume();
    finish(x, 404, ERROR_BODIES.notFound);
  }

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const x: Exchange = { req, res, started: performance.now(), route: 'unknown' };
    route(x).catch((error: unknown) => {
      const answer =
        error instanceof DecryptionError
          ? { status: 500, body: ERROR_BODIES.undecryptable }
          : error instanceof BatonError &&
              (error.code === 'BATON_STORE_FAILED' || error instanceof EncryptionKeyError)
            ? { status: 503, body: ERROR_BODIES.unavailable }
            : { status: 500, body: ERROR_BODIES.internal };
      emit('error', 'request failed', {
        route: x.route,
        ...(x.path === undefined ? {} : { path: x.path }),
        error: describe(error),
      });
      if (res.headersSent) {
        res.destroy();
        return;
      }
      finish(x, answer.status, answer.body);
    });
  };

  const service: SecretsService = {
    metrics,
    handler,
    ready() {
      readying ??= (async () => {
        await options.baton.ready();
        await keys.key(keys.currentRef());
        await store.migrate();
        await events.start();
      })();
      readying.catch(() => {
        readying = undefined;
      });
      return readying;
    },
    async listen({ port = 0, host = '127.0.0.1' } = {}) {
      await service.ready();
      const maxHeaderSize = options.maxHeaderSize ?? DEFAULT_MAX_HEADER_SIZE;
      const created = createServer({ maxHeaderSize, requestTimeout: 30_000 }, handler);
      created.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
        if (!socket.writable) return socket.destroy();
        const status =
          error.code === 'HPE_HEADER_OVERFLOW'
            ? 431
            : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
              ? 408
              : 400;
        const body = JSON.stringify({
          error:
            status === 431
              ? 'headers_too_large'
              : status === 408
                ? 'request_timeout'
                : 'bad_request',
        });
        socket.end(
          `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request'}\r\n` +
            `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
        );
      });
      created.on('connection', (socket: Socket) => {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
      });
      await new Promise<void>((resolve, reject) => {
        created.once('error', reject);
        created.listen(port, host, () => {
          created.off('error', reject);
          resolve();
        });
      });
      server = created;
      const address = created.address();
      const actualPort = typeof address === 'object' && address !== null ? address.port : port;
      const shownHost = host.includes(':') ? `[${host}]` : host;
      return { url: `http://${shownHost}:${actualPort}`, port: actualPort, host };
    },
    addListener(path, listener) {
      const matches =
        path === '*'
          ? () => true
          : path.endsWith('/')
            ? (candidate: string) => isUnderPrefix(candidate, path.slice(0, -1))
            : (candidate: string) => candidate === path;
      return events.subscribe((event) => {
        if (matches(event.path)) listener(event);
      });
    },
    async reencrypt() {
      await options.baton.ready();
      await store.migrate();
      return store.reencrypt();
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const stream of streams) stream.end();
      const stopping = server
        ? new Promise<void>((resolve) => server?.close(() => resolve()))
        : Promise.resolve();
      for (const socket of sockets) if (!socket.destroyed) socket.end();
      await stopping;
      await webhooks.close();
      await events.close();
      if (ownsPool) await pool.end();
    },
  };
  return service;
}

/** The `{ data, version? }` of a PATCH, or what is wrong with it (never echoing a value). */
function parsePatch(body: unknown): { data: SecretData; version?: number } | string {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return 'the body must be a JSON object { data, version? }';
  }
  const { data, version, ...rest } = body as Record<string, unknown>;
  if (Object.keys(rest).length > 0) return 'only "data" and "version" are accepted';
  if (
    version !== undefined &&
    !(Number.isInteger(version) && (version as number) >= 0 && (version as number) < MAX_VERSION)
  ) {
    return '"version" must be a non-negative integer (0 = create only)';
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return '"data" must be a JSON object of strings';
  }
  const entries = Object.entries(data);
  if (entries.length === 0) return '"data" must have at least one key';
  if (entries.length > MAX_DATA_KEYS) return `"data" may have at most ${MAX_DATA_KEYS} keys`;
  for (const [key, value] of entries) {
    if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
      return `every key of "data" must be 1 to ${MAX_KEY_LENGTH} characters`;
    }
    if (typeof value !== 'string') return '"data" must be a JSON object of strings';
  }
  return {
    data: Object.fromEntries(entries) as SecretData,
    ...(version === undefined ? {} : { version: version as number }),
  };
}

/** An error for the log: a Baton error's message (written without values), else its kind. */
function describe(error: unknown): string {
  if (error instanceof BatonError) return `${error.code}: ${error.message}`;
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${error.name} (${code})` : error.name;
  }
  return typeof error;
}
