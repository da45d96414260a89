import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type BatonError,
  ConfigError,
  createBaton,
  defaultsSource,
  SecretNotFoundError,
  type SecretSource,
  SourceError,
} from '@baton/core';
import { manualClock } from '@baton/core/testing';
import { sourceContract } from '@baton-tools/test-kit';
import {
  serviceAccountJwt,
  startVaultEmulator,
  type VaultEmulator,
} from '@baton-tools/vault-emulator';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  VaultConflictError,
  type VaultError,
  VaultFieldError,
  type VaultKvOptions,
  vaultAppRole,
  vaultKubernetes,
  vaultKv,
  vaultToken,
} from '../src/index.js';

let vault: VaultEmulator;
const clock = manualClock(Date.parse('2026-03-01T00:00:00Z'));

async function failure(work: () => Promise<unknown>): Promise<BatonError> {
  try {
    await work();
  } catch (error) {
    return error as BatonError;
  }
  throw new Error('expected a failure');
}

/** A source on real fetch against the emulator, with retries quick enough for tests. */
function source(options: Partial<VaultKvOptions> = {}) {
  return vaultKv({
    address: vault.address,
    auth: vaultToken(vault.rootToken),
    prefix: 'app/',
    clock,
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    ...options,
  });
}

const batonOf = (...sources: SecretSource[]) => createBaton({ sources, audit: false });
const appRole = () => vaultAppRole({ roleId: 'role-billing', secretId: 'secret-billing' });

beforeAll(async () => {
  vault = await startVaultEmulator({
    clock,
    seed: {
      'app/OPENAI_KEY': 'openai-v1',
      'app/DB': { username: 'billing', password: 'db-pass' },
      'app/PORT': { value: 'not-used' },
    },
    policies: {
      billing: [
        { path: 'secret/data/app/*', capabilities: ['read', 'create', 'update'] },
        { path: 'secret/data/app/LOCKED', capabilities: ['deny'] },
      ],
    },
    appRoles: {
      billing: {
        roleId: 'role-billing',
        secretIds: ['secret-billing'],
        policies: ['billing'],
        tokenTtlSec: 60,
        tokenMaxTtlSec: 150,
      },
    },
    kubernetesRoles: {
      billing: { serviceAccountNames: ['billing'], namespaces: ['apps'], policies: ['billing'] },
    },
  });
  vault.writeSecret('app/OPENAI_KEY', { value: 'openai-v2' });
  vault.writeSecret('app/LOCKED', { value: 'locked' });
});

afterAll(async () => {
  await vault.close();
});

afterEach(() => {
  vault.setFaults({});
  vault.resetCounters();
});

describe('reads', () => {
  it('reads OPENAI_KEY:v1 at ?version=1 and OPENAI_KEY as the latest, field "value"', async () => {
    const kv = source();
    const baton = batonOf(kv);
    expect(await baton.getSecret('OPENAI_KEY:v1')).toBe('openai-v1');
    expect(await baton.getSecret('OPENAI_KEY')).toBe('openai-v2');
    expect(kv.locate('OPENAI_KEY:V2')).toEqual({
      dataPath: 'secret/data/app/OPENAI_KEY',
      version: 2,
      field: 'value',
    });
  });

  it('selects another field with `field`', async () => {
    expect(await batonOf(source({ field: 'password' })).getSecret('DB')).toBe('db-pass');
  });

  it('answers absent for a missing path, version or field, so the chain goes on', async () => {
    const baton = batonOf(source(), defaultsSource({ NOWHERE: 'default' }));
    expect(await baton.getSecret('NOWHERE')).toBe('default');
    const missing = await failure(() => baton.getSecret('OPENAI_KEY:v9'));
    expect(missing).toBeInstanceOf(SecretNotFoundError);
    expect(missing.message).toContain(
      `write version 9 of secret/data/app/OPENAI_KEY (field "value") in Vault at ${vault.address}`,
    );
    expect(await failure(() => baton.getSecret('DB'))).toBeInstanceOf(SecretNotFoundError);
  });

  it('answers absent for soft-deleted and destroyed versions', async () => {
    vault.writeSecret('app/RETIRED', { value: 'one' });
    vault.writeSecret('app/RETIRED', { value: 'two' });
    vault.writeSecret('app/RETIRED', { value: 'three' });
    vault.deleteVersions('app/RETIRED', [3]);
    vault.destroyVersions('app/RETIRED', [1]);
    const baton = batonOf(source());
    expect(await baton.getSecret('RETIRED:v2')).toBe('two');
    for (const ref of ['RETIRED', 'RETIRED:v3', 'RETIRED:v1']) {
      expect(await failure(() => baton.getSecret(ref))).toBeInstanceOf(SecretNotFoundError);
    }
  });

  it('fails clearly for a field that is not a string, and for a mount that does not exist', async () => {
    vault.writeSecret('app/NUMERIC', { value: 8080 as unknown as string });
    const notText = await failure(() => batonOf(source()).getSecret('NUMERIC'));
    expect(notText).toBeInstanceOf(VaultFieldError);
    expect(notText.message).toBe(
      'Source "vault" failed to read NUMERIC: field "value" of secret/data/app/NUMERIC holds number, not a string',
    );
    const noMount = (await failure(() =>
      batonOf(source({ mount: 'kv' })).getSecret('OPENAI_KEY'),
    )) as VaultError;
    expect([noMount.status, noMount.kind]).toEqual([404, 'no such route (is the mount right?)']);
  });

  it('sends the namespace as X-Vault-Namespace', async () => {
    vault.writeSecret('app/TEAM_KEY', { value: 'team' }, { namespace: 'admin/team' });
    expect(await batonOf(source({ namespace: 'admin/team' })).getSecret('TEAM_KEY')).toBe('team');
    expect(await failure(() => batonOf(source()).getSecret('TEAM_KEY'))).toBeInstanceOf(
      SecretNotFoundError,
    );
    const reads = vault.requests.filter((request) => request.operation === 'KvRead');
    expect(reads.map((request) => request.namespace)).toEqual(['admin/team', '']);
    expect(source({ namespace: 'admin/team' }).hint({ ref: 'TEAM_KEY', name: 'TEAM_KEY' })).toBe(
      `write secret/data/app/TEAM_KEY (field "value") in Vault namespace admin/team at ${vault.address}`,
    );
  });

  it('sends the token as X-Vault-Token, or as Authorization: Bearer for OpenBao-style setups', async () => {
    await batonOf(source()).getSecret('OPENAI_KEY');
    await batonOf(source({ tokenHeader: 'authorization' })).getSecret('OPENAI_KEY');
    expect(
      vault.requests
        .filter((request) => request.operation === 'KvRead')
        .map((request) => request.tokenHeader),
    ).toEqual(['x-vault-token', 'authorization']);
  });
});

describe('auth', () => {
  it('logs in with AppRole once, then reads with its token', async () => {
    const baton = batonOf(source({ auth: appRole() }));
    expect(await baton.getSecrets(['OPENAI_KEY', 'OPENAI_KEY:v1'])).toEqual({
      OPENAI_KEY: 'openai-v2',
      'OPENAI_KEY:v1': 'openai-v1',
    });
    expect([vault.calls('AppRoleLogin'), vault.calls('KvRead')]).toEqual([1, 2]);
  });

  it('logs in with the Kubernetes service account token, read afresh from jwtPath at each login', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'baton-vault-k8s-'));
    const jwtPath = join(dir, 'token');
    const jwt = () =>
      serviceAccountJwt({ namespace: 'apps', name: 'billing', expiresAt: clock() / 1000 + 3600 });
    await writeFile(jwtPath, jwt());
    const watched = tokenWatchingFetch();
    const kv = source({
      auth: vaultKubernetes({ role: 'billing', jwtPath }),
      fetch: watched.fetch,
    });
    expect(await batonOf(kv).getSecret('OPENAI_KEY')).toBe('openai-v2');
    await writeFile(jwtPath, 'not a jwt');
    vault.revokeToken(watched.last());
    const error = (await failure(() => batonOf(kv).getSecret('OPENAI_KEY'))) as VaultError;
    expect(error.kind).toBe('login failed: permission denied');
    expect(vault.calls('KubernetesLogin')).toBe(2);
  });

  it('takes the service account token from readJwt where there is no file system', async () => {
    const kv = source({
      auth: vaultKubernetes({
        role: 'billing',
        readJwt: () =>
          serviceAccountJwt({ namespace: 'apps', name: 'billing', expiresAt: clock() / 1000 + 60 }),
      }),
    });
    expect(await batonOf(kv).getSecret('OPENAI_KEY:v1')).toBe('openai-v1');
    const stranger = source({
      auth: vaultKubernetes({
        role: 'billing',
        readJwt: () => serviceAccountJwt({ namespace: 'apps', name: 'intruder' }),
      }),
    });
    const error = (await failure(() => batonOf(stranger).getSecret('OPENAI_KEY'))) as VaultError;
    expect([error.kind, error.status]).toEqual(['login failed: permission denied', 403]);
  });

  it('renews the token once two thirds of its lease passed, by the injected clock', async () => {
    const baton = createBaton({
      sources: [source({ auth: appRole() })],
      cache: false,
      audit: false,
    });
    await baton.getSecret('OPENAI_KEY');
    clock.advance(30_000);
    await baton.getSecret('OPENAI_KEY');
    expect(vault.calls('RenewSelf')).toBe(0);
    clock.advance(15_000);
    await baton.getSecret('OPENAI_KEY');
    expect([vault.calls('AppRoleLogin'), vault.calls('RenewSelf')]).toEqual([1, 1]);
    clock.advance(41_000);
    await baton.getSecret('OPENAI_KEY');
    expect(vault.calls('RenewSelf')).toBe(2);
    // The max TTL (150 s) caps this renewal to 5 s, so the next token comes from a fresh login.
    clock.advance(59_000);
    await baton.getSecret('OPENAI_KEY');
    expect([vault.calls('AppRoleLogin'), vault.calls('RenewSelf')]).toEqual([1, 3]);
    clock.advance(4_000);
    await baton.getSecret('OPENAI_KEY');
    expect([vault.calls('AppRoleLogin'), vault.calls('RenewSelf')]).toEqual([2, 3]);
  });

  it('logs in afresh when the token expired', async () => {
    const baton = createBaton({
      sources: [source({ auth: appRole() })],
      cache: false,
      audit: false,
    });
    await baton.getSecret('OPENAI_KEY');
    clock.advance(61_000);
    await baton.getSecret('OPENAI_KEY');
    expect([vault.calls('AppRoleLogin'), vault.calls('RenewSelf'), vault.calls('KvRead')]).toEqual([
      2, 0, 2,
    ]);
  });

  it('answers a 403 with exactly one fresh login and one more try', async () => {
    const watched = tokenWatchingFetch();
    const kv = source({ auth: appRole(), fetch: watched.fetch });
    const baton = createBaton({ sources: [kv], cache: false, audit: false });
    await baton.getSecret('OPENAI_KEY');
    vault.revokeToken(watched.last());
    expect(await baton.getSecret('OPENAI_KEY')).toBe('openai-v2');
    expect([vault.calls('AppRoleLogin'), vault.calls('KvRead')]).toEqual([2, 3]);
    vault.resetCounters();
    const denied = (await failure(() => baton.getSecret('LOCKED'))) as VaultError;
    expect(denied).toBeInstanceOf(SourceError);
    expect(denied.message).toBe(
      'Source "vault" failed to read LOCKED: permission denied (GET secret/data/app/LOCKED, HTTP 403, 2 attempts)',
    );
    expect([vault.calls('AppRoleLogin'), vault.calls('KvRead')]).toEqual([1, 2]);
  });

  it('looks a given token up once, renews it before it expires, and cannot replace it after a 403', async () => {
    const token = vault.issueToken({ policies: ['billing'], ttlSec: 600 });
    const baton = createBaton({
      sources: [source({ auth: vaultToken(token) })],
      cache: false,
      audit: false,
    });
    await baton.getSecret('OPENAI_KEY');
    clock.advance(410_000);
    await baton.getSecret('OPENAI_KEY');
    expect([vault.calls('LookupSelf'), vault.calls('RenewSelf')]).toEqual([1, 1]);
    vault.revokeToken(token);
    const error = (await failure(() => baton.getSecret('OPENAI_KEY'))) as VaultError;
    expect([error.status, error.attempts]).toEqual([403, 1]);
  });

  it('reads a token function again after a 403, as a Vault Agent sink file rotates', async () => {
    let current = vault.issueToken({ policies: ['billing'] });
    const kv = source({ auth: vaultToken(() => current) });
    const baton = createBaton({ sources: [kv], cache: false, audit: false });
    await baton.getSecret('OPENAI_KEY');
    vault.revokeToken(current);
    current = vault.issueToken({ policies: ['billing'] });
    expect(await baton.getSecret('OPENAI_KEY')).toBe('openai-v2');
    expect(vault.calls('LookupSelf')).toBe(2);
  });
});

describe('faults', () => {
  it('rides out a rate limit (429, Retry-After) and 5xx, then surfaces them after its attempts', async () => {
    const baton = createBaton({ sources: [source()], cache: false, audit: false });
    vault.setFaults({ throttleNext: 1, failNext: 1, operations: ['KvRead'] });
    expect(await baton.getSecret('OPENAI_KEY')).toBe('openai-v2');
    expect(vault.calls('KvRead')).toBe(3);
    vault.setFaults({ throttleRate: 1, operations: ['KvRead'] });
    const error = (await failure(() => baton.getSecret('OPENAI_KEY'))) as VaultError;
    expect([error.kind, error.status, error.attempts]).toEqual(['rate limited', 429, 3]);
    expect(error.message).not.toContain('quota exceeded');
  });

  it('does not repeat a write after a 5xx (its effect is unknown), but does after a 429', async () => {
    const kv = source();
    vault.setFaults({ failNext: 1, operations: ['KvWrite'] });
    const error = (await failure(() => kv.put('UNSURE', 'x'))) as VaultError;
    expect([error.status, error.attempts]).toEqual([500, 1]);
    expect(error.message).toContain('failed to write UNSURE');
    vault.setFaults({ throttleNext: 1, operations: ['KvWrite'] });
    expect(await kv.put('UNSURE', 'y')).toEqual({ versionId: '1' });
  });

  it('names the network failure when Vault cannot be reached', async () => {
    const gone = await startVaultEmulator();
    await gone.close();
    const error = (await failure(() =>
      batonOf(source({ address: gone.address, retry: { attempts: 2, baseDelayMs: 1 } })).getSecret(
        'ANY',
      ),
    )) as VaultError;
    expect(error.code).toBe('BATON_SOURCE_FAILED');
    expect(error.kind).toBe('login failed: ECONNREFUSED');
  });
});

describe('with the cache of @baton/core', () => {
  for (const rule of sourceContract) {
    it(rule.name, () =>
      rule.run({
        source: () => source({ auth: appRole(), retry: { attempts: 1 } }),
        ref: 'OPENAI_KEY:v2',
        value: 'openai-v2',
        failing: (on) => vault.setFaults(on ? { errorRate: 1, operations: ['KvRead'] } : {}),
        reads: () => vault.calls('KvRead'),
        resetCounters: () => vault.resetCounters(),
      }),
    );
  }
});

describe('writes with check-and-set', () => {
  it('writes NEW_KEY:v1 with cas 0 and v2 with cas 1, and refuses a version that exists', async () => {
    const kv = source({ auth: appRole() });
    expect(await kv.put('NEW_KEY:v1', 'one')).toEqual({ versionId: '1' });
    expect(await kv.put('NEW_KEY:v2', 'two')).toEqual({ versionId: '2' });
    const again = await failure(() => kv.put('NEW_KEY:v2', 'other'));
    expect(again).toBeInstanceOf(VaultConflictError);
    expect(again.code).toBe('BATON_CONFLICT');
    expect(again.message).toBe(
      'Source "vault" did not write NEW_KEY:v2: another writer stored version 2 first (check-and-set on version 1 failed)',
    );
    expect(vault.readSecret('app/NEW_KEY')).toEqual({ value: 'two' });
    expect(await batonOf(kv).getSecret('NEW_KEY:v1')).toBe('one');
  });

  it('lets exactly one of two racing writers of v1 win', async () => {
    const results = await Promise.allSettled([
      source().put('RACED:v1', 'writer-a'),
      source().put('RACED:v1', 'writer-b'),
    ]);
    expect(results.map((result) => result.status).sort()).toEqual(['fulfilled', 'rejected']);
    const lost = results.find((result) => result.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason).toBeInstanceOf(VaultConflictError);
  });

  it('writes an unversioned ref unconditionally, and says so when the mount requires check-and-set', async () => {
    const kv = source();
    await kv.put('PLAIN', 'a');
    expect(await kv.put('PLAIN', 'b')).toEqual({ versionId: '2' });
    vault.configureKv({ casRequired: true });
    try {
      const error = (await failure(() => kv.put('PLAIN', 'c'))) as VaultError;
      expect(error.message).toBe(
        'Source "vault" failed to write PLAIN: the mount requires check-and-set: write a versioned ref (NAME:vN) (POST secret/data/app/PLAIN, HTTP 400)',
      );
      expect(await kv.put('PLAIN:v3', 'c')).toEqual({ versionId: '3' });
    } finally {
      vault.configureKv({ casRequired: false });
    }
  });
});

describe('options', () => {
  it('lists every invalid option in one ConfigError', () => {
    const error = (() => {
      try {
        vaultKv({
          address: 'vault:8200',
          auth: {} as never,
          mount: '/secret',
          prefix: 'app prefix',
          tokenHeader: 'cookie' as 'authorization',
        });
      } catch (caught) {
        return caught as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.issues).toEqual([
      'vaultKv: address must be Vault\'s URL, e.g. "https://vault.example.com:8200"',
      'vaultKv: auth must be vaultToken(…), vaultAppRole(…) or vaultKubernetes(…)',
      'vaultKv: mount must be a path such as "secret" or "kv/apps"',
      'vaultKv: prefix may hold letters, digits, _ . - and /, e.g. "app/"',
      'vaultKv: tokenHeader must be "x-vault-token" or "authorization"',
    ]);
    expect(() => vaultAppRole({ roleId: '', secretId: '' })).toThrow(ConfigError);
    expect(() => vaultToken('')).toThrow('the token is empty');
  });
});

/** Real fetch, noting the token each request carried (to revoke the one in use). */
function tokenWatchingFetch(): { fetch: typeof fetch; last(): string } {
  const tokens: string[] = [];
  return {
    fetch: (input, init) => {
      const token = new Headers(init?.headers).get('x-vault-token');
      if (token !== null) tokens.push(token);
      return fetch(input, init);
    },
    last: () => tokens.at(-1) ?? '',
  };
}
