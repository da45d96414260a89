import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type EmulatorControls,
  type EmulatorServerOptions,
  emulatorControls,
  FaultInjector,
  type FaultKind,
  type Faults as KitFaults,
  type LoggedRequest,
  listen,
  parseJsonObject,
  RequestLog,
  readBody,
  sleep,
} from '@baton-tools/emulator-kit';
import { KvMount, type KvVersion } from './kv-store.js';
import { allows, type Capability, type Policies } from './policy.js';
import { type IssuedToken, type TokenSpec, TokenStore } from './tokens.js';
import { badRequest, permissionDenied, VaultError } from './vault-error.js';

/** Faults of this emulator: throttling answers 429 (rate limit quota), errors 500. */
export interface Faults extends KitFaults {
  /** Seconds a 429 asks the client to wait (`Retry-After`). Default 1. */
  retryAfterSec?: number;
}

/** An AppRole role: its role id, the secret ids it accepts, and the tokens it issues. */
export interface AppRoleSpec {
  readonly roleId: string;
  readonly secretIds: readonly string[];
  readonly policies: readonly string[];
  /** Default 3600. */
  readonly tokenTtlSec?: number;
  /** Default 768 h. */
  readonly tokenMaxTtlSec?: number;
}

/** A Kubernetes auth role: which service accounts may log in, and the tokens it issues. */
export interface KubernetesRoleSpec {
  readonly serviceAccountNames: readonly string[];
  readonly namespaces: readonly string[];
  readonly policies: readonly string[];
  readonly tokenTtlSec?: number;
  readonly tokenMaxTtlSec?: number;
}

/** Options of {@link startVaultEmulator}; every one has a default. */
export interface VaultEmulatorOptions extends EmulatorServerOptions<Faults> {
  /** The root token (policy `root`, no TTL). Default `root`, as `vault server -dev` prints. */
  rootToken?: string;
  /** KV v2 mounts, in every namespace. Default `['secret']`. */
  kvMounts?: readonly string[];
  /** Secrets to write at start in mount `secret`: path → value of field `value`, or fields. */
  seed?: Readonly<Record<string, string | Readonly<Record<string, string>>>>;
  /** ACL policies by name. `root` and `default` are built in. */
  policies?: Policies;
  /** More tokens to accept, by id. */
  tokens?: Readonly<Record<string, Omit<TokenSpec, 'id'>>>;
  /** AppRole roles by name, on `auth/{appRoleMount}`. */
  appRoles?: Readonly<Record<string, AppRoleSpec>>;
  /** Default `approle`. */
  appRoleMount?: string;
  /** Kubernetes auth roles by name, on `auth/{kubernetesMount}`. */
  kubernetesRoles?: Readonly<Record<string, KubernetesRoleSpec>>;
  /** Default `kubernetes`. */
  kubernetesMount?: string;
}

/** One request the emulator answered. */
export interface RequestRecord extends LoggedRequest {
  /** `KvRead`, `KvWrite`, `AppRoleLogin`, `KubernetesLogin`, `RenewSelf`, … or `Unknown`. */
  readonly operation: string;
  readonly status: number;
  readonly namespace: string;
  /** How the token came: `X-Vault-Token`, `Authorization: Bearer`, or not at all. */
  readonly tokenHeader: 'x-vault-token' | 'authorization' | 'none';
}

/** Where a helper call acts: a namespace and a KV mount. */
export interface Placement {
  /** Default `''`, the root namespace. */
  namespace?: string;
  /** Default `secret`. */
  mount?: string;
}

/** A running emulator: its address, its data and tokens, its faults, and what it was asked. */
export interface VaultEmulator extends EmulatorControls<RequestRecord, Faults> {
  /** `http://host:port`: `VAULT_ADDR`. */
  readonly address: string;
  readonly rootToken: string;
  /** Writes a version directly (not counted) and answers its number. */
  writeSecret(path: string, data: Record<string, string>, placement?: Placement): number;
  /** Soft-deletes versions (the current one when none are named). */
  deleteVersions(path: string, versions?: readonly number[], placement?: Placement): void;
  destroyVersions(path: string, versions: readonly number[], placement?: Placement): void;
  /** The data of a version as stored (undefined when deleted, destroyed or absent). */
  readSecret(
    path: string,
    version?: number,
    placement?: Placement,
  ): Record<string, unknown> | undefined;
  /** Sets the mount's `cas_required` and `max_versions`. */
  configureKv(config: { casRequired?: boolean; maxVersions?: number }, placement?: Placement): void;
  /** Issues a token directly, as `vault token create` would. */
  issueToken(spec: TokenSpec): string;
  /** Revokes a token: every later request with it is denied. */
  revokeToken(token: string): void;
  /** Seconds a token has left, or undefined once it expired or was revoked. */
  tokenTtl(token: string): number | undefined;
}

const MAX_BODY_BYTES = 1_048_576;

interface Request {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly namespace: string;
  readonly body: Record<string, unknown>;
}

/**
 * Starts a local HashiCorp Vault / OpenBao that follows the HTTP API: KV v2
 * (`{mount}/data|metadata|delete|undelete|destroy|config`), token self lookup and renewal,
 * AppRole and Kubernetes logins, ACL policies, namespaces (`X-Vault-Namespace`), the token in
 * `X-Vault-Token` or `Authorization: Bearer`, and Vault's answers: `{"errors":[…]}`, a 404 with
 * metadata for deleted versions, the check-and-set texts. The Kubernetes login reads the
 * service account from the JWT's claims; it does not verify the signature (there is no
 * Kubernetes API to ask).
 *
 * @example
 * const vault = await startVaultEmulator({ seed: { 'app/OPENAI_KEY': 'sk-…' } });
 * const res = await fetch(`${vault.address}/v1/secret/data/app/OPENAI_KEY`, {
 *   headers: { 'X-Vault-Token': vault.rootToken },
 * });
 */
export async function startVaultEmulator(
  options: VaultEmulatorOptions = {},
): Promise<VaultEmulator> {
  const clock = options.clock ?? Date.now;
  const rootToken = options.rootToken ?? 'root';
  const kvMounts = options.kvMounts ?? ['secret'];
  const appRoleMount = options.appRoleMount ?? 'approle';
  const kubernetesMount = options.kubernetesMount ?? 'kubernetes';
  const policies = options.policies ?? {};
  const tokens = new TokenStore(clock);
  tokens.issue({ id: rootToken, policies: ['root'], ttlSec: 0 });
  for (const [id, spec] of Object.entries(options.tokens ?? {})) tokens.issue({ ...spec, id });
  const faults = new FaultInjector<Faults>(options.random ?? Math.random);
  if (options.faults !== undefined) faults.set(options.faults);
  const log = new RequestLog<RequestRecord>();
  const mounts = new Map<string, KvMount>();

  const mountOf = (namespace: string, mount: string): KvMount | undefined => {
    if (!kvMounts.includes(mount)) return undefined;
    const key = `${namespace}\u0000${mount}`;
    let kv = mounts.get(key);
    if (kv === undefined) {
      kv = new KvMount(clock);
      mounts.set(key, kv);
    }
    return kv;
  };
  const placed = (placement: Placement = {}): KvMount => {
    const kv = mountOf(trimNamespace(placement.namespace ?? ''), placement.mount ?? 'secret');
    if (kv === undefined) throw new Error(`No KV mount ${placement.mount} in the emulator`);
    return kv;
  };
  for (const [path, value] of Object.entries(options.seed ?? {})) {
    placed().write(path, typeof value === 'string' ? { value } : { ...value }, undefined);
  }

  const server = log.server(handle);

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://vault');
    const method = request.method ?? 'GET';
    const namespace = trimNamespace(String(request.headers['x-vault-namespace'] ?? ''));
    const vaultToken = request.headers['x-vault-token'];
    const bearer = /^Bearer (\S+)$/.exec(String(request.headers.authorization ?? ''))?.[1];
    const tokenHeader =
      typeof vaultToken === 'string' && vaultToken !== ''
        ? 'x-vault-token'
        : bearer !== undefined
          ? 'authorization'
          : 'none';
    const tokenId = tokenHeader === 'x-vault-token' ? (vaultToken as string) : bearer;
    const path = url.pathname.startsWith('/v1/')
      ? decodeURIComponent(url.pathname.slice(4)).replace(/\/+$/, '')
      : '';
    const route = routeOf(method, path);
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      log.record({ operation: route.operation, status, namespace, tokenHeader });
      response.writeHead(status, {
        'content-type': 'application/json',
        'cache-control': 'no-store',
        ...headers,
      });
      response.end(status === 204 ? undefined : JSON.stringify(body));
    };
    try {
      const text = await readBody(request, MAX_BODY_BYTES, () =>
        badRequest('request body too large'),
      );
      const body = parseJsonObject(text, () =>
        badRequest('failed to parse JSON input: invalid request body'),
      );
      await sleep(faults.latency(route.operation));
      const fault = faults.draw(route.operation);
      if (fault !== undefined) throw faultError(fault, path, faults.current.retryAfterSec ?? 1);
      const call: Request = { method, path, query: url.searchParams, namespace, body };
      if (route.operation === 'Health') {
        return answer(200, {
          initialized: true,
          sealed: false,
          standby: false,
          version: '1.19.0+emulator',
        });
      }
      if (route.operation === 'AppRoleLogin' || route.operation === 'KubernetesLogin') {
        return answer(200, envelope(null, login(route.operation, call)));
      }
      if (tokenId === undefined) throw new VaultError(403, ['missing client token']);
      const token = tokens.valid(tokenId);
      if (token === undefined || !within(token.namespace, namespace)) {
        throw new VaultError(403, ['permission denied']);
      }
      if (route.operation === 'Unknown') {
        if (!token.policies.includes('root')) throw permissionDenied();
        throw new VaultError(404, [`no handler for route "${path}". route entry not found.`]);
      }
      const capability = route.capability(call, (mount, key) =>
        mountOf(namespace, mount)?.secrets.has(key),
      );
      if (!allows(policies, token.policies, path, capability)) throw permissionDenied();
      const result = run(route.operation, call, token);
      if (result === undefined) return answer(204, undefined);
      return answer(200, result);
    } catch (error) {
      if (!(error instanceof VaultError)) throw error;
      answer(error.status, error.body ?? { errors: error.errors }, error.headers);
    }
  }

  function login(operation: string, call: Request): Record<string, unknown> {
    if (call.method !== 'POST' && call.method !== 'PUT') throw new VaultError(405, []);
    if (operation === 'AppRoleLogin') {
      const { role_id: roleId, secret_id: secretId } = call.body;
      const entry = Object.entries(options.appRoles ?? {}).find(
        ([, role]) => role.roleId === roleId,
      );
      if (
        entry === undefined ||
        typeof secretId !== 'string' ||
        !entry[1].secretIds.includes(secretId)
      ) {
        throw badRequest('invalid role or secret ID');
      }
      const [name, role] = entry;
      return authBlock(
        tokens.issue({
          policies: role.policies,
          ttlSec: role.tokenTtlSec,
          maxTtlSec: role.tokenMaxTtlSec,
          namespace: call.namespace,
          metadata: { role_name: name },
        }),
      );
    }
    const { role: roleName, jwt } = call.body;
    if (typeof jwt !== 'string' || jwt === '') throw badRequest('missing jwt');
    const role = typeof roleName === 'string' ? options.kubernetesRoles?.[roleName] : undefined;
    if (role === undefined) throw badRequest(`invalid role name "${String(roleName)}"`);
    const account = serviceAccountOf(jwt, clock());
    if (account === undefined) throw new VaultError(403, ['permission denied']);
    if (
      !role.serviceAccountNames.includes(account.name) &&
      !role.serviceAccountNames.includes('*')
    ) {
      throw new VaultError(403, ['service account name not authorized']);
    }
    if (!role.namespaces.includes(account.namespace) && !role.namespaces.includes('*')) {
      throw new VaultError(403, ['namespace not authorized']);
    }
    return authBlock(
      tokens.issue({
        policies: role.policies,
        ttlSec: role.tokenTtlSec,
        maxTtlSec: role.tokenMaxTtlSec,
        namespace: call.namespace,
        metadata: {
          role: roleName as string,
          service_account_name: account.name,
          service_account_namespace: account.namespace,
        },
      }),
    );
  }

  function authBlock(token: IssuedToken): Record<string, unknown> {
    return {
      client_token: token.id,
      accessor: token.accessor,
      policies: token.policies,
      token_policies: token.policies,
      metadata: token.metadata,
      lease_duration: tokens.ttlLeft(token),
      renewable: token.renewable,
      entity_id: randomUUID(),
      token_type: 'service',
      orphan: true,
      mfa_requirement: null,
      num_uses: 0,
    };
  }

  function run(operation: string, call: Request, token: IssuedToken): unknown {
    switch (operation) {
      case 'LookupSelf':
        return envelope({
          accessor: token.accessor,
          creation_time: Math.floor(token.issuedAt / 1000),
          creation_ttl: token.ttlSec,
          display_name: 'token',
          expire_time:
            token.expiresAt === Number.POSITIVE_INFINITY
              ? null
              : new Date(token.expiresAt).toISOString(),
          explicit_max_ttl: 0,
          id: token.id,
          meta: token.metadata,
          num_uses: 0,
          orphan: true,
          path: 'auth/token/create',
          policies: token.policies,
          renewable: token.renewable,
          ttl: tokens.ttlLeft(token),
          type: 'service',
        });
      case 'RenewSelf': {
        if (!token.renewable) throw badRequest('lease is not renewable');
        const increment = call.body.increment;
        const { capped } = tokens.renew(
          token,
          typeof increment === 'number' ? increment : undefined,
        );
        const result = envelope(null, authBlock(token));
        return capped
          ? {
              ...result,
              warnings: [
                'TTL of the token exceeded the effective max_ttl; TTL value is capped accordingly',
              ],
            }
          : result;
      }
      default:
        return kv(operation, call);
    }
  }

  function kv(operation: string, call: Request): unknown {
    const [mountName = '', , ...rest] = call.path.split('/');
    const key = rest.join('/');
    const mount = mountOf(call.namespace, mountName);
    if (mount === undefined) {
      throw new VaultError(404, [`no handler for route "${call.path}". route entry not found.`]);
    }
    const versionsOf = () => {
      const versions = call.body.versions;
      if (!Array.isArray(versions) || versions.some((version) => !Number.isInteger(version))) {
        throw badRequest('no version number provided');
      }
      return versions as number[];
    };
    switch (operation) {
      case 'KvRead': {
        const wanted = call.query.get('version');
        const number = wanted === null ? undefined : Number(wanted);
        if (number !== undefined && !Number.isInteger(number)) {
          throw badRequest('version must be an integer');
        }
        const version = mount.version(key, number);
        if (version === undefined) throw new VaultError(404, []);
        const body = envelope({ data: null, metadata: metadataOf(version) });
        if (version.destroyed || version.deletionTime !== undefined) {
          throw new VaultError(404, [], body);
        }
        return envelope({ data: version.data, metadata: metadataOf(version) });
      }
      case 'KvWrite': {
        const data = call.body.data;
        if (data === null || typeof data !== 'object' || Array.isArray(data)) {
          throw badRequest('no data provided');
        }
        const cas = (call.body.options as { cas?: unknown } | undefined)?.cas;
        if (cas !== undefined && !Number.isInteger(Number(cas))) {
          throw badRequest('error parsing check-and-set parameter');
        }
        const version = mount.write(
          key,
          data as Record<string, unknown>,
          cas === undefined ? undefined : Number(cas),
        );
        return envelope(metadataOf(version));
      }
      case 'KvDeleteLatest':
        mount.delete(key);
        return undefined;
      case 'KvDelete':
        mount.delete(key, versionsOf());
        return undefined;
      case 'KvUndelete':
        mount.undelete(key, versionsOf());
        return undefined;
      case 'KvDestroy':
        mount.destroy(key, versionsOf());
        return undefined;
      case 'KvMetadata': {
        const secret = mount.secrets.get(key);
        if (secret === undefined) throw new VaultError(404, []);
        if (call.method === 'DELETE') {
          mount.secrets.delete(key);
          return undefined;
        }
        return envelope({
          cas_required: secret.casRequired,
          created_time: new Date(secret.createdTime).toISOString(),
          current_version: secret.currentVersion,
          custom_metadata: null,
          delete_version_after: '0s',
          max_versions: secret.maxVersions,
          oldest_version: Math.min(...secret.versions.keys()),
          updated_time: new Date(secret.updatedTime).toISOString(),
          versions: Object.fromEntries(
            [...secret.versions.values()].map((version) => [
              String(version.version),
              {
                created_time: new Date(version.createdTime).toISOString(),
                deletion_time: timeOrEmpty(version.deletionTime),
                destroyed: version.destroyed,
              },
            ]),
          ),
        });
      }
      default: {
        if (call.method === 'GET') {
          return envelope({
            cas_required: mount.config.casRequired,
            delete_version_after: '0s',
            max_versions: mount.config.maxVersions,
          });
        }
        if (typeof call.body.cas_required === 'boolean')
          mount.config.casRequired = call.body.cas_required;
        if (typeof call.body.max_versions === 'number')
          mount.config.maxVersions = call.body.max_versions;
        return undefined;
      }
    }
  }

  const { host, port } = await listen(server, options.port, options.host);

  return {
    address: `http://${host}:${port}`,
    rootToken,
    writeSecret: (path, data, placement) => placed(placement).write(path, data, undefined).version,
    deleteVersions: (path, versions, placement) => placed(placement).delete(path, versions),
    destroyVersions: (path, versions, placement) => placed(placement).destroy(path, versions),
    readSecret(path, version, placement) {
      const found = placed(placement).version(path, version);
      return found === undefined || found.deletionTime !== undefined ? undefined : found.data;
    },
    configureKv(config, placement) {
      const kvMount = placed(placement);
      if (config.casRequired !== undefined) kvMount.config.casRequired = config.casRequired;
      if (config.maxVersions !== undefined) kvMount.config.maxVersions = config.maxVersions;
    },
    issueToken: (spec) => tokens.issue(spec).id,
    revokeToken(token) {
      const found = tokens.find(token);
      if (found !== undefined) found.revoked = true;
    },
    tokenTtl(token) {
      const found = tokens.valid(token);
      return found === undefined ? undefined : tokens.ttlLeft(found);
    },
    ...emulatorControls(log, faults, server),
  };

  /** Maps a path and method to the operation, and the capability its policy check needs. */
  function routeOf(
    method: string,
    path: string,
  ): {
    operation: string;
    capability: (
      call: Request,
      exists: (mount: string, key: string) => boolean | undefined,
    ) => Capability;
  } {
    const fixed = (operation: string, capability: Capability) => ({
      operation,
      capability: () => capability,
    });
    if (path === 'sys/health') return fixed('Health', 'read');
    if (path === `auth/${appRoleMount}/login`) return fixed('AppRoleLogin', 'update');
    if (path === `auth/${kubernetesMount}/login`) return fixed('KubernetesLogin', 'update');
    if (path === 'auth/token/lookup-self' && method === 'GET') return fixed('LookupSelf', 'read');
    if (path === 'auth/token/renew-self' && (method === 'POST' || method === 'PUT')) {
      return fixed('RenewSelf', 'update');
    }
    const [mount = '', kind, ...rest] = path.split('/');
    if (!kvMounts.includes(mount)) return fixed('Unknown', 'read');
    if (kind === 'config' && rest.length === 0) {
      return fixed('KvConfig', method === 'GET' ? 'read' : 'update');
    }
    if (rest.length === 0) return fixed('Unknown', 'read');
    const writes = method === 'POST' || method === 'PUT';
    if (kind === 'data') {
      if (method === 'GET') return fixed('KvRead', 'read');
      if (method === 'DELETE') return fixed('KvDeleteLatest', 'delete');
      if (writes) {
        return {
          operation: 'KvWrite',
          // Vault asks for `create` on a new path and `update` on an existing one.
          capability: (_call, exists) => (exists(mount, rest.join('/')) ? 'update' : 'create'),
        };
      }
    }
    if (writes && kind === 'delete') return fixed('KvDelete', 'update');
    if (writes && kind === 'undelete') return fixed('KvUndelete', 'update');
    if (writes && kind === 'destroy') return fixed('KvDestroy', 'update');
    if (kind === 'metadata' && (method === 'GET' || method === 'DELETE')) {
      return fixed('KvMetadata', method === 'GET' ? 'read' : 'delete');
    }
    return fixed('Unknown', 'read');
  }
}

/** Vault's response envelope around `data` (and `auth` for logins and renewals). */
function envelope(data: unknown, auth: unknown = null): Record<string, unknown> {
  return {
    request_id: randomUUID(),
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data,
    wrap_info: null,
    warnings: null,
    auth,
    mount_type: auth === null ? 'kv' : 'token',
  };
}

function metadataOf(version: KvVersion): Record<string, unknown> {
  return {
    created_time: new Date(version.createdTime).toISOString(),
    custom_metadata: null,
    deletion_time: timeOrEmpty(version.deletionTime),
    destroyed: version.destroyed,
    version: version.version,
  };
}

function timeOrEmpty(time: number | undefined): string {
  return time === undefined ? '' : new Date(time).toISOString();
}

function trimNamespace(namespace: string): string {
  return namespace.replace(/^\/+|\/+$/g, '');
}

/** A token issued in `tokenNamespace` works there and in the namespaces below it. */
function within(tokenNamespace: string, namespace: string): boolean {
  return (
    tokenNamespace === '' ||
    namespace === tokenNamespace ||
    namespace.startsWith(`${tokenNamespace}/`)
  );
}

/** The service account a Kubernetes JWT names, if it is well formed and not expired. */
function serviceAccountOf(
  jwt: string,
  now: number,
): { name: string; namespace: string } | undefined {
  const payload = jwt.split('.')[1];
  if (payload === undefined || jwt.split('.').length !== 3) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      sub?: unknown;
      exp?: unknown;
    };
    if (typeof claims.exp === 'number' && claims.exp * 1000 <= now) return undefined;
    const match = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(String(claims.sub ?? ''));
    return match === null ? undefined : { namespace: match[1] as string, name: match[2] as string };
  } catch {
    return undefined;
  }
}

/** A fault in Vault's words: a rate limit quota (429 with Retry-After) or an internal error. */
function faultError(kind: FaultKind, path: string, retryAfterSec: number): VaultError {
  if (kind === 'error') return new VaultError(500, ['internal error']);
  return new VaultError(429, [`request path "${path}": rate limit quota exceeded`], undefined, {
    'retry-after': String(retryAfterSec),
  });
}
