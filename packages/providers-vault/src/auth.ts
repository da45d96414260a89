import { ConfigError } from '@baton/core';
import { DEFAULT_APPROLE_MOUNT, DEFAULT_JWT_PATH, DEFAULT_KUBERNETES_MOUNT } from './constants.js';
import { readTextFile } from './read-text-file.js';

/** A Vault token and its lease, as a login (or a lookup) answered it. */
export interface VaultLogin {
  readonly token: string;
  /** Seconds the token lives; 0 for a token without TTL (never renewed, never expires). */
  readonly leaseSec: number;
  readonly renewable: boolean;
}

/** What an auth method may ask of Vault while it logs in. */
export interface VaultAuthContext {
  /** POSTs to `auth/…/login` (no token) and answers the `auth` block. */
  login(path: string, body: Record<string, unknown>): Promise<VaultLogin>;
  /** Looks a token up (`auth/token/lookup-self`); undefined when Vault will not say. */
  lookup(token: string): Promise<VaultLogin | undefined>;
}

/** How `vaultKv` gets its token: `vaultToken`, `vaultAppRole` or `vaultKubernetes`. */
export interface VaultAuth {
  /** `token`, `approle` or `kubernetes`, for messages. */
  readonly method: string;
  /** Obtains a token (a login, or the token given, looked up for its lease). */
  login(vault: VaultAuthContext): Promise<VaultLogin>;
  /** Whether a fresh `login` can replace a token Vault refused (a 403). */
  readonly canRelogin: boolean;
}

/**
 * A token you hold: a string, or a function that reads the current one (Vault Agent's sink
 * file, a Worker binding). It is looked up once to learn its lease, renewed before it
 * expires, and, when given as a function, read again after a 403.
 *
 * @example
 * vaultKv({ address: 'https://vault:8200', auth: vaultToken(process.env.VAULT_TOKEN ?? '') });
 */
export function vaultToken(token: string | (() => string | Promise<string>)): VaultAuth {
  if (typeof token !== 'string' && typeof token !== 'function') {
    throw new ConfigError('vaultToken needs the token, or a function that answers it');
  }
  if (token === '') throw new ConfigError('vaultToken: the token is empty (is VAULT_TOKEN set?)');
  return {
    method: 'token',
    canRelogin: typeof token === 'function',
    async login(vault) {
      const current = typeof token === 'function' ? await token() : token;
      if (typeof current !== 'string' || current === '') {
        throw new ConfigError('vaultToken: the token function answered no token');
      }
      // A token without the default policy may not look itself up: use it as it is.
      return (await vault.lookup(current)) ?? { token: current, leaseSec: 0, renewable: false };
    },
  };
}

/**
 * AppRole: logs in at `auth/{mount}/login` with a role id and a secret id.
 *
 * @example
 * vaultAppRole({ roleId: process.env.VAULT_ROLE_ID ?? '', secretId: process.env.VAULT_SECRET_ID ?? '' });
 */
export function vaultAppRole(options: {
  roleId: string;
  secretId: string;
  /** Where AppRole is mounted. Default `approle`. */
  mount?: string;
}): VaultAuth {
  const { roleId, secretId, mount = DEFAULT_APPROLE_MOUNT } = options ?? {};
  const issues: string[] = [];
  if (typeof roleId !== 'string' || roleId === '') issues.push('vaultAppRole: roleId is required');
  if (typeof secretId !== 'string' || secretId === '') {
    issues.push('vaultAppRole: secretId is required');
  }
  if (!isMountPath(mount)) issues.push('vaultAppRole: mount must be a path such as "approle"');
  if (issues.length > 0) throw new ConfigError(issues);
  return {
    method: 'approle',
    canRelogin: true,
    login: (vault) => vault.login(`auth/${mount}/login`, { role_id: roleId, secret_id: secretId }),
  };
}

/**
 * Kubernetes auth: logs in at `auth/{mount}/login` with the pod's service account token,
 * read afresh at each login (Kubernetes rotates projected tokens). On Node the token is read
 * from `jwtPath`; where there is no file system (the edge), pass `readJwt`.
 *
 * @example
 * vaultKubernetes({ role: 'billing' }); // reads /var/run/secrets/kubernetes.io/serviceaccount/token
 */
export function vaultKubernetes(options: {
  role: string;
  /** Default `/var/run/secrets/kubernetes.io/serviceaccount/token`. */
  jwtPath?: string;
  /** Where Kubernetes auth is mounted. Default `kubernetes`. */
  mount?: string;
  /** Reads the service account token; replaces reading `jwtPath`. */
  readJwt?: () => string | Promise<string>;
}): VaultAuth {
  const {
    role,
    jwtPath = DEFAULT_JWT_PATH,
    mount = DEFAULT_KUBERNETES_MOUNT,
    readJwt,
  } = options ?? {};
  const issues: string[] = [];
  if (typeof role !== 'string' || role === '') issues.push('vaultKubernetes: role is required');
  if (typeof jwtPath !== 'string' || jwtPath === '') {
    issues.push('vaultKubernetes: jwtPath must be a file path');
  }
  if (readJwt !== undefined && typeof readJwt !== 'function') {
    issues.push('vaultKubernetes: readJwt must be a function answering the token');
  }
  if (!isMountPath(mount))
    issues.push('vaultKubernetes: mount must be a path such as "kubernetes"');
  if (issues.length > 0) throw new ConfigError(issues);
  return {
    method: 'kubernetes',
    canRelogin: true,
    async login(vault) {
      const jwt = (readJwt === undefined ? await readTextFile(jwtPath) : await readJwt()).trim();
      if (jwt === '') {
        throw new ConfigError('vaultKubernetes: the service account token is empty');
      }
      return vault.login(`auth/${mount}/login`, { role, jwt });
    },
  };
}

function isMountPath(mount: unknown): boolean {
  return typeof mount === 'string' && /^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(mount);
}
