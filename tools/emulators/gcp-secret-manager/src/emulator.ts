import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type EmulatorControls,
  type EmulatorServerOptions,
  emulatorControls,
  FaultInjector,
  type FaultKind,
  type Faults,
  type LoggedRequest,
  listen,
  parseJsonObject,
  RequestLog,
  readBody,
  sleep,
} from '@baton-tools/emulator-kit';
import { OAuth2Client } from 'google-auth-library';
import { ApiError, errorInfo, type RpcStatus } from './api-error.js';
import { AccessControl, type IamPolicies } from './iam.js';
import {
  type ResourceName,
  SecretStore,
  STATE_NUMBER,
  type StoredSecret,
  type StoredVersion,
  type VersionState,
} from './secret-store.js';

/** Options of {@link startGcpSecretManagerEmulator}; every one has a default. */
export interface GcpSecretManagerEmulatorOptions extends EmulatorServerOptions<Faults> {
  /** The project short names (`OPENAI_KEY`) belong to. Default `baton-emulator`. */
  project?: string;
  /** Project numbers by project id; answers name resources by number, as Secret Manager does. */
  projects?: Readonly<Record<string, string>>;
  /**
   * Secrets to create at start: name (short, or `projects/P[/locations/L]/secrets/S`) → the
   * value of its one version, or the values of its versions, oldest first.
   */
  seed?: Readonly<Record<string, string | readonly string[]>>;
  /** IAM bindings per bearer token. Default: none, every token may do everything. */
  iam?: IamPolicies;
}

/** One request the emulator answered. */
export interface RequestRecord extends LoggedRequest {
  /** The RPC (`AccessSecretVersion`, …), `Unauthenticated`, or `Unknown`. */
  readonly operation: string;
  readonly status: number;
  /** The status answered with an error (`NOT_FOUND`, …). */
  readonly rpcStatus?: RpcStatus;
}

/** A version as the emulator's helpers show it. */
export interface VersionSummary {
  readonly version: number;
  readonly state: VersionState;
  readonly aliases: readonly string[];
}

/**
 * Options for `new SecretManagerServiceClient(…)` that point the real client at the emulator:
 * the HTTP fallback (REST) transport, plain HTTP, and an auth client with a fixed token. A type
 * alias, not an interface, so it fits the client's indexed options type.
 */
export type EmulatorClientOptions = {
  readonly fallback: true;
  readonly protocol: 'http';
  readonly apiEndpoint: string;
  readonly port: number;
  readonly authClient: OAuth2Client;
};

/** A running emulator: where it listens, its data, its faults, and what it was asked. */
export interface GcpSecretManagerEmulator extends EmulatorControls<RequestRecord, Faults> {
  /** `http://host:port`. */
  readonly endpoint: string;
  /** The client's `apiEndpoint` (the host without the port). */
  readonly apiEndpoint: string;
  /** The client's `port`. */
  readonly port: number;
  /** The project short names belong to. */
  readonly project: string;
  /** Client options for the real `SecretManagerServiceClient`, sending `token` (default `local`). */
  clientOptions(token?: string): EmulatorClientOptions;
  /** The number Secret Manager names a project by. */
  projectNumber(project?: string): string;
  /**
   * Adds a version directly (not counted as a request), creating the secret if needed, and
   * answers its number. `state` other than ENABLED and `aliases` are applied after.
   */
  addVersion(
    secret: string,
    value: string | Uint8Array,
    options?: { state?: VersionState; aliases?: readonly string[] },
  ): number;
  /** Changes a version's state (DESTROYED drops its data and aliases). */
  setState(secret: string, version: number, state: VersionState): void;
  /** The versions of a secret, oldest first. */
  versions(secret: string): VersionSummary[];
  /** The value of a version as stored (undefined once destroyed). */
  value(secret: string, version: number): string | undefined;
  /**
   * Corrupts the payload of the next `count` answers of AccessSecretVersion (one byte
   * flipped, the checksum kept), as a broken proxy would, so clients' CRC32C checks can be seen
   * to work.
   */
  corruptNext(count: number): void;
}

const MAX_BODY_BYTES = 262_144;
const DEFAULT_PAGE_SIZE = 25_000;
const SERVICE = 'secretmanager.googleapis.com';

/** The permission each RPC needs, as Secret Manager's IAM documentation lists them. */
const PERMISSION: Record<string, string> = {
  AccessSecretVersion: 'secretmanager.versions.access',
  GetSecretVersion: 'secretmanager.versions.get',
  ListSecretVersions: 'secretmanager.versions.list',
  AddSecretVersion: 'secretmanager.versions.add',
  EnableSecretVersion: 'secretmanager.versions.enable',
  DisableSecretVersion: 'secretmanager.versions.disable',
  DestroySecretVersion: 'secretmanager.versions.destroy',
  GetSecret: 'secretmanager.secrets.get',
  ListSecrets: 'secretmanager.secrets.list',
  CreateSecret: 'secretmanager.secrets.create',
  UpdateSecret: 'secretmanager.secrets.update',
  DeleteSecret: 'secretmanager.secrets.delete',
};

interface Route {
  readonly operation: string;
  /** The resource the RPC names (`name` or `parent`), as the caller wrote it. */
  readonly resource: string;
}

/**
 * Starts a local GCP Secret Manager speaking the v1 REST API: the HTTP bindings of the
 * service's proto (`GET /v1/{name=projects/* /secrets/* /versions/*}:access`, …, regional
 * `locations/*` included), proto3 JSON (numeric enums when asked with
 * `$alt=json;enum-encoding=int`), and Google's error envelope
 * `{"error":{code,message,status,details}}`. The real `SecretManagerServiceClient` works
 * against it in its HTTP fallback mode.
 *
 * @example
 * const emulator = await startGcpSecretManagerEmulator({ seed: { OPENAI_KEY: 'sk-…' } });
 * const client = new SecretManagerServiceClient(emulator.clientOptions());
 */
export async function startGcpSecretManagerEmulator(
  options: GcpSecretManagerEmulatorOptions = {},
): Promise<GcpSecretManagerEmulator> {
  const project = options.project ?? 'baton-emulator';
  const store = new SecretStore(options.clock ?? Date.now, options.projects);
  const iam = new AccessControl(options.iam, (resource) => store.normalise(resource));
  const faults = new FaultInjector<Faults>(options.random ?? Math.random);
  if (options.faults !== undefined) faults.set(options.faults);
  const log = new RequestLog<RequestRecord>();
  let corruptions = 0;

  const fullName = (secret: string) =>
    secret.startsWith('projects/') ? secret : `projects/${project}/secrets/${secret}`;
  const secretOf = (secret: string) => store.get(store.parse(fullName(secret)));
  const ensureSecret = (secret: string): StoredSecret => {
    const name = store.parse(fullName(secret));
    const existing = store.find(name);
    if (existing !== undefined) return existing;
    const parent: ResourceName = { project: name.project, location: name.location };
    return store.create(parent, name.secret as string, {
      replication: name.location === undefined ? { automatic: {} } : undefined,
    });
  };

  for (const [secret, values] of Object.entries(options.seed ?? {})) {
    const stored = ensureSecret(secret);
    for (const value of typeof values === 'string' ? [values] : values) {
      store.addVersion(stored, new TextEncoder().encode(value));
    }
  }

  const server = log.server(handle);

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://emulator');
    const numericEnums = (url.searchParams.get('$alt') ?? '').includes('enum-encoding=int');
    let operation = 'Unknown';
    const answer = (status: number, body: unknown, rpcStatus?: RpcStatus) => {
      log.record({ operation, status, rpcStatus });
      response.writeHead(status, {
        'content-type': 'application/json; charset=UTF-8',
        'x-goog-request-id': randomUUID(),
      });
      response.end(JSON.stringify(body));
    };
    try {
      const route = routeOf(request.method ?? 'GET', url.pathname);
      const token = /^Bearer (\S+)$/.exec(String(request.headers.authorization ?? ''))?.[1];
      if (token === undefined || !iam.knows(token)) {
        operation = 'Unauthenticated';
        throw new ApiError(
          'UNAUTHENTICATED',
          'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
          [errorInfo('ACCESS_TOKEN_TYPE_UNSUPPORTED', 'googleapis.com', { service: SERVICE })],
        );
      }
      operation = route.operation;
      const body = await readBody(
        request,
        MAX_BODY_BYTES,
        () => new ApiError('INVALID_ARGUMENT', 'The request body is too large.'),
      );
      await sleep(faults.latency(operation));
      const fault = faults.draw(operation);
      if (fault !== undefined) throw faultError(fault, route.resource, store);
      const permission = PERMISSION[operation] as string;
      if (!iam.allows(token, permission, route.resource)) {
        throw new ApiError(
          'PERMISSION_DENIED',
          `Permission '${permission}' denied for resource '${route.resource}' (or it may not exist).`,
          [
            errorInfo('IAM_PERMISSION_DENIED', 'iam.googleapis.com', {
              permission,
              resource: route.resource,
            }),
          ],
        );
      }
      answer(
        200,
        run(
          route,
          url.searchParams,
          parseJsonObject(
            body,
            () => new ApiError('INVALID_ARGUMENT', 'Invalid JSON payload received.'),
          ),
          numericEnums,
        ),
      );
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      answer(error.httpCode, error.body(), error.status);
    }
  }

  function run(
    route: Route,
    query: URLSearchParams,
    body: Record<string, unknown>,
    numericEnums: boolean,
  ): unknown {
    const name = store.parse(route.resource);
    const param = (camel: string, snake: string) => query.get(camel) ?? query.get(snake);
    const versionJson = (secret: StoredSecret, version: StoredVersion) =>
      describeVersion(secret, version, numericEnums);
    switch (route.operation) {
      case 'AccessSecretVersion': {
        const secret = store.get(name, 'versions');
        const version = store.version(secret, name.version as string);
        if (version.state !== 'ENABLED') {
          throw new ApiError(
            'FAILED_PRECONDITION',
            `Secret Version [${secret.name}/versions/${version.number}] is in ${version.state} state.`,
          );
        }
        const data = Buffer.from(version.data ?? new Uint8Array());
        if (corruptions > 0 && data.length > 0) {
          corruptions -= 1;
          data[0] = (data[0] as number) ^ 0x01;
        }
        return {
          name: `${secret.name}/versions/${version.number}`,
          payload: {
            data: data.toString('base64'),
            dataCrc32c: String(version.crc32c),
          },
        };
      }
      case 'GetSecretVersion': {
        const secret = store.get(name, 'versions');
        return versionJson(secret, store.version(secret, name.version as string));
      }
      case 'ListSecretVersions': {
        const secret = store.get(name);
        const states = stateFilter(param('filter', 'filter'));
        const matching = [...secret.versions]
          .reverse()
          .filter((version) => states === undefined || states.includes(version.state));
        const page = paginate(
          matching,
          param('pageSize', 'page_size'),
          param('pageToken', 'page_token'),
        );
        return {
          versions: page.items.map((version) => versionJson(secret, version)),
          ...(page.next === undefined ? {} : { nextPageToken: page.next }),
          totalSize: matching.length,
        };
      }
      case 'GetSecret':
        return describeSecret(store.get(name));
      case 'ListSecrets': {
        if (param('filter', 'filter')) {
          throw new ApiError(
            'INVALID_ARGUMENT',
            'This emulator does not support filters on ListSecrets.',
          );
        }
        const all = store.list(name);
        const page = paginate(
          all,
          param('pageSize', 'page_size'),
          param('pageToken', 'page_token'),
        );
        return {
          secrets: page.items.map(describeSecret),
          ...(page.next === undefined ? {} : { nextPageToken: page.next }),
          totalSize: all.length,
        };
      }
      case 'CreateSecret': {
        const secretId = param('secretId', 'secret_id') ?? '';
        const labels = body.labels as Record<string, string> | undefined;
        return describeSecret(
          store.create(name, secretId, { replication: body.replication, labels }),
        );
      }
      case 'AddSecretVersion': {
        const secret = store.get(name);
        const payload = (body.payload ?? {}) as { data?: unknown; dataCrc32c?: unknown };
        const data =
          typeof payload.data === 'string' ? Buffer.from(payload.data, 'base64') : undefined;
        if (data === undefined) {
          throw new ApiError('INVALID_ARGUMENT', 'SecretPayload.data is required.');
        }
        const checksum =
          payload.dataCrc32c === undefined || payload.dataCrc32c === null
            ? undefined
            : Number(payload.dataCrc32c);
        return versionJson(secret, store.addVersion(secret, data, checksum));
      }
      case 'UpdateSecret': {
        const secret = store.get(name);
        const mask = (param('updateMask', 'update_mask') ?? '').split(',').filter(Boolean);
        if (mask.length === 0) {
          throw new ApiError('INVALID_ARGUMENT', 'update_mask must name the fields to update.');
        }
        const etag = typeof body.etag === 'string' ? body.etag : undefined;
        for (const field of mask) {
          if (field === 'versionAliases' || field === 'version_aliases') {
            store.setAliases(secret, (body.versionAliases ?? {}) as Record<string, unknown>, etag);
          } else if (field === 'labels') {
            store.setLabels(secret, (body.labels ?? {}) as Record<string, string>, etag);
          } else {
            throw new ApiError(
              'INVALID_ARGUMENT',
              `This emulator cannot update the field ${field}.`,
            );
          }
        }
        return describeSecret(secret);
      }
      case 'DeleteSecret':
        store.delete(name, query.get('etag') ?? undefined);
        return {};
      default: {
        const secret = store.get(name, 'versions');
        const version = store.version(secret, name.version as string);
        const state: VersionState =
          route.operation === 'EnableSecretVersion'
            ? 'ENABLED'
            : route.operation === 'DisableSecretVersion'
              ? 'DISABLED'
              : 'DESTROYED';
        store.setState(
          secret,
          version,
          state,
          typeof body.etag === 'string' ? body.etag : undefined,
        );
        return versionJson(secret, version);
      }
    }
  }

  const { host, port } = await listen(server, options.port, options.host);

  return {
    endpoint: `http://${host}:${port}`,
    apiEndpoint: host,
    port,
    project,
    clientOptions(token = 'local') {
      const authClient = new OAuth2Client();
      authClient.setCredentials({ access_token: token });
      return { fallback: true, protocol: 'http', apiEndpoint: host, port, authClient };
    },
    projectNumber: (id = project) => store.projectNumber(id),
    addVersion(secret, value, add = {}) {
      const stored = ensureSecret(secret);
      const data = typeof value === 'string' ? new TextEncoder().encode(value) : value;
      const version = store.addVersion(stored, data);
      if (add.state !== undefined && add.state !== 'ENABLED') {
        store.setState(stored, version, add.state);
      }
      if (add.aliases !== undefined && add.aliases.length > 0) {
        const aliases = Object.fromEntries(stored.aliases);
        for (const alias of add.aliases) aliases[alias] = version.number;
        store.setAliases(stored, aliases);
      }
      return version.number;
    },
    setState(secret, number, state) {
      const stored = secretOf(secret);
      store.setState(stored, store.version(stored, String(number)), state);
    },
    versions(secret) {
      const stored = secretOf(secret);
      return stored.versions.map((version) => ({
        version: version.number,
        state: version.state,
        aliases: [...stored.aliases]
          .filter(([, number]) => number === version.number)
          .map(([alias]) => alias),
      }));
    },
    value(secret, number) {
      const data = store.version(secretOf(secret), String(number)).data;
      return data === undefined ? undefined : new TextDecoder().decode(data);
    },
    corruptNext(count) {
      corruptions = count;
    },
    ...emulatorControls(log, faults, server),
  };
}

/** Maps a REST call to its RPC and the resource it names, by the service's HTTP bindings. */
function routeOf(method: string, pathname: string): Route {
  const unknown = new ApiError(
    'NOT_FOUND',
    `The URL ${pathname} does not name a Secret Manager method.`,
  );
  if (!pathname.startsWith('/v1/')) throw unknown;
  const path = decodeURIComponent(pathname.slice('/v1/'.length));
  const colon = path.lastIndexOf(':');
  const verb = colon > path.lastIndexOf('/') ? path.slice(colon + 1) : undefined;
  const resource = verb === undefined ? path : path.slice(0, colon);
  const segments = resource.split('/');
  const last = segments.at(-1);
  const isVersion = segments.at(-2) === 'versions';
  const isSecret = segments.at(-2) === 'secrets';
  const parent = segments.slice(0, -1).join('/');
  const route = (operation: string, name = resource): Route => ({ operation, resource: name });
  if (verb !== undefined) {
    if (method === 'GET' && verb === 'access' && isVersion) return route('AccessSecretVersion');
    if (method === 'POST' && verb === 'addVersion' && isSecret) return route('AddSecretVersion');
    if (method === 'POST' && isVersion) {
      if (verb === 'enable') return route('EnableSecretVersion');
      if (verb === 'disable') return route('DisableSecretVersion');
      if (verb === 'destroy') return route('DestroySecretVersion');
    }
    throw unknown;
  }
  if (method === 'GET' && isVersion) return route('GetSecretVersion');
  if (method === 'GET' && last === 'versions') return route('ListSecretVersions', parent);
  if (method === 'GET' && isSecret) return route('GetSecret');
  if (method === 'PATCH' && isSecret) return route('UpdateSecret');
  if (method === 'DELETE' && isSecret) return route('DeleteSecret');
  if (last === 'secrets' && method === 'GET') return route('ListSecrets', parent);
  if (last === 'secrets' && method === 'POST') return route('CreateSecret', parent);
  throw unknown;
}

function describeSecret(secret: StoredSecret): Record<string, unknown> {
  return {
    name: secret.name,
    ...(secret.replication === undefined ? {} : { replication: secret.replication }),
    createTime: new Date(secret.createTime).toISOString(),
    labels: secret.labels,
    etag: secret.etag,
    versionAliases: Object.fromEntries(
      [...secret.aliases].map(([alias, number]) => [alias, String(number)]),
    ),
  };
}

function describeVersion(
  secret: StoredSecret,
  version: StoredVersion,
  numericEnums: boolean,
): Record<string, unknown> {
  return {
    name: `${secret.name}/versions/${version.number}`,
    createTime: new Date(version.createTime).toISOString(),
    ...(version.destroyTime === undefined
      ? {}
      : { destroyTime: new Date(version.destroyTime).toISOString() }),
    state: numericEnums ? STATE_NUMBER[version.state] : version.state,
    ...(secret.location === undefined ? { replicationStatus: { automatic: {} } } : {}),
    etag: version.etag,
    clientSpecifiedPayloadChecksum: version.clientChecksum,
  };
}

/** `state:ENABLED`, `state=DISABLED`, joined by OR: the filter this emulator understands. */
function stateFilter(filter: string | null): VersionState[] | undefined {
  if (filter === null || filter.trim() === '') return undefined;
  const states: VersionState[] = [];
  for (const term of filter.trim().split(/\s+OR\s+/)) {
    const match = /^state\s*[:=]\s*(ENABLED|DISABLED|DESTROYED)$/.exec(term.trim());
    if (match === null) {
      throw new ApiError('INVALID_ARGUMENT', `Invalid filter: ${filter}`);
    }
    states.push(match[1] as VersionState);
  }
  return states;
}

function paginate<T>(
  items: readonly T[],
  pageSize: string | null,
  pageToken: string | null,
): { items: T[]; next?: string } {
  const size = pageSize === null || Number(pageSize) <= 0 ? DEFAULT_PAGE_SIZE : Number(pageSize);
  const start = pageToken ? Number(Buffer.from(pageToken, 'base64url').toString('utf8')) : 0;
  if (!Number.isInteger(size) || !Number.isInteger(start) || start < 0) {
    throw new ApiError('INVALID_ARGUMENT', 'Invalid page_size or page_token.');
  }
  const page = items.slice(start, start + Math.min(size, DEFAULT_PAGE_SIZE));
  const end = start + page.length;
  return end < items.length
    ? { items: page, next: Buffer.from(String(end)).toString('base64url') }
    : { items: page };
}

/** A fault in Secret Manager's words: quota exhausted (429) or unavailable (503). */
function faultError(kind: FaultKind, resource: string, store: SecretStore): ApiError {
  if (kind === 'error') {
    return new ApiError('UNAVAILABLE', 'The service is currently unavailable.');
  }
  const project = resource.split('/')[1] ?? '';
  const consumer = `projects/${project === '' ? '' : store.projectNumber(project)}`;
  return new ApiError(
    'RESOURCE_EXHAUSTED',
    `Quota exceeded for quota metric 'Access requests' and limit 'Access requests per minute per project' of service '${SERVICE}' for consumer '${consumer.replace('projects/', 'project_number:')}'.`,
    [
      errorInfo('RATE_LIMIT_EXCEEDED', 'googleapis.com', {
        quota_metric: `${SERVICE}/access_requests`,
        quota_limit: 'AccessRequestsPerMinutePerProject',
        service: SERVICE,
        consumer,
      }),
    ],
  );
}
