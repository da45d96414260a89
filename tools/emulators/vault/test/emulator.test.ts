import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWorker } from '@baton-tools/test-kit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { serviceAccountJwt, startVaultEmulator, type VaultEmulator } from '../src/index.js';

let vault: VaultEmulator;
let now = Date.parse('2026-01-01T00:00:00Z');

/** Vault's HTTP API through fetch, as any Vault client speaks it. */
async function call(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; namespace?: string; bearer?: boolean } = {},
): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.token !== undefined) {
    if (options.bearer) headers.authorization = `Bearer ${options.token}`;
    else headers['x-vault-token'] = options.token;
  }
  if (options.namespace !== undefined) headers['x-vault-namespace'] = options.namespace;
  const res = await fetch(`${vault.address}/v1/${path}`, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await res.text();
  return {
    status: res.status,
    body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    headers: res.headers,
  };
}

const root = () => ({ token: vault.rootToken });

beforeAll(async () => {
  vault = await startVaultEmulator({
    seed: { 'app/OPENAI_KEY': 'sk-one', 'app/DB': { username: 'app', password: 'pw' } },
    clock: () => now,
    policies: {
      'app-read': [
        { path: 'secret/data/app/*', capabilities: ['read'] },
        { path: 'secret/data/app/LOCKED', capabilities: ['deny'] },
      ],
      'app-write': [{ path: 'secret/data/app/*', capabilities: ['update'] }],
    },
    appRoles: {
      billing: {
        roleId: 'role-billing',
        secretIds: ['secret-billing'],
        policies: ['app-read'],
        tokenTtlSec: 60,
        tokenMaxTtlSec: 120,
      },
    },
    kubernetesRoles: {
      web: { serviceAccountNames: ['web'], namespaces: ['apps'], policies: ['app-read'] },
    },
  });
});

afterAll(async () => {
  await vault.close();
});

afterEach(() => {
  vault.setFaults({});
  vault.resetCounters();
});

describe('KV v2', () => {
  it('reads the latest version and a version by number, with Vault’s envelope', async () => {
    vault.writeSecret('app/ROTATED', { value: 'first' });
    vault.writeSecret('app/ROTATED', { value: 'second' });
    const latest = await call('GET', 'secret/data/app/ROTATED', root());
    expect(latest.status).toBe(200);
    expect(latest.body.data).toMatchObject({
      data: { value: 'second' },
      metadata: { version: 2, deletion_time: '', destroyed: false, custom_metadata: null },
    });
    expect(latest.body).toMatchObject({
      lease_id: '',
      renewable: false,
      auth: null,
      warnings: null,
    });
    const first = await call('GET', 'secret/data/app/ROTATED?version=1', root());
    expect((first.body.data as { data: unknown }).data).toEqual({ value: 'first' });
  });

  it('answers 404 {"errors":[]} for a path or version that does not exist', async () => {
    expect(await call('GET', 'secret/data/app/NOPE', root())).toMatchObject({
      status: 404,
      body: { errors: [] },
    });
    expect((await call('GET', 'secret/data/app/OPENAI_KEY?version=9', root())).status).toBe(404);
  });

  it('answers 404 with the metadata for a deleted or destroyed version', async () => {
    vault.writeSecret('app/GONE', { value: 'one' });
    vault.writeSecret('app/GONE', { value: 'two' });
    expect((await call('DELETE', 'secret/data/app/GONE', root())).status).toBe(204);
    const deleted = await call('GET', 'secret/data/app/GONE', root());
    expect(deleted.status).toBe(404);
    expect(deleted.body.data).toEqual({
      data: null,
      metadata: expect.objectContaining({
        version: 2,
        destroyed: false,
        deletion_time: expect.any(String),
      }),
    });
    expect(
      (await call('POST', 'secret/destroy/app/GONE', { ...root(), body: { versions: [1] } }))
        .status,
    ).toBe(204);
    const destroyed = await call('GET', 'secret/data/app/GONE?version=1', root());
    expect(destroyed.status).toBe(404);
    expect((destroyed.body.data as { metadata: { destroyed: boolean } }).metadata.destroyed).toBe(
      true,
    );
    await call('POST', 'secret/undelete/app/GONE', { ...root(), body: { versions: [2] } });
    expect((await call('GET', 'secret/data/app/GONE', root())).status).toBe(200);
  });

  it('writes with check-and-set and answers Vault’s texts when it does not match', async () => {
    const created = await call('POST', 'secret/data/app/CAS', {
      ...root(),
      body: { data: { value: 'v1' }, options: { cas: 0 } },
    });
    expect(created.body.data).toMatchObject({ version: 1, destroyed: false });
    const lost = await call('POST', 'secret/data/app/CAS', {
      ...root(),
      body: { data: { value: 'v1 again' }, options: { cas: 0 } },
    });
    expect(lost).toMatchObject({
      status: 400,
      body: { errors: ['check-and-set parameter did not match the current version'] },
    });
    vault.configureKv({ casRequired: true });
    try {
      const unguarded = await call('POST', 'secret/data/app/CAS', {
        ...root(),
        body: { data: { value: 'v2' } },
      });
      expect(unguarded.body).toEqual({
        errors: ['check-and-set parameter required for this call'],
      });
    } finally {
      vault.configureKv({ casRequired: false });
    }
    expect((await call('POST', 'secret/data/app/CAS', { ...root(), body: {} })).body).toEqual({
      errors: ['no data provided'],
    });
  });

  it('keeps the newest versions only, as max_versions says', async () => {
    vault.configureKv({ maxVersions: 2 });
    try {
      for (const value of ['a', 'b', 'c']) vault.writeSecret('app/CAPPED', { value });
      expect((await call('GET', 'secret/data/app/CAPPED?version=1', root())).status).toBe(404);
      const metadata = await call('GET', 'secret/metadata/app/CAPPED', root());
      expect(Object.keys((metadata.body.data as { versions: object }).versions)).toEqual([
        '2',
        '3',
      ]);
    } finally {
      vault.configureKv({ maxVersions: 0 });
    }
  });

  it('keeps namespaces apart (X-Vault-Namespace)', async () => {
    vault.writeSecret('app/TEAM_KEY', { value: 'team' }, { namespace: 'admin/team' });
    const inside = await call('GET', 'secret/data/app/TEAM_KEY', {
      ...root(),
      namespace: 'admin/team',
    });
    expect((inside.body.data as { data: unknown }).data).toEqual({ value: 'team' });
    expect((await call('GET', 'secret/data/app/TEAM_KEY', root())).status).toBe(404);
    expect(vault.requests.at(-2)?.namespace).toBe('admin/team');
  });
});

describe('tokens and policies', () => {
  it('accepts the token as X-Vault-Token or as Authorization: Bearer (OpenBao and Vault both do)', async () => {
    expect(
      (await call('GET', 'secret/data/app/OPENAI_KEY', { ...root(), bearer: true })).status,
    ).toBe(200);
    expect(vault.requests.map((request) => request.tokenHeader)).toEqual(['authorization']);
  });

  it('refuses a missing, unknown or revoked token with 403', async () => {
    expect((await call('GET', 'secret/data/app/OPENAI_KEY')).body).toEqual({
      errors: ['missing client token'],
    });
    expect((await call('GET', 'secret/data/app/OPENAI_KEY', { token: 'hvs.nope' })).body).toEqual({
      errors: ['permission denied'],
    });
    const token = vault.issueToken({ policies: ['app-read'] });
    vault.revokeToken(token);
    expect((await call('GET', 'secret/data/app/OPENAI_KEY', { token })).status).toBe(403);
  });

  it('enforces policies, deny winning, with Vault’s wrapped denial text', async () => {
    const token = vault.issueToken({ policies: ['app-read'] });
    expect((await call('GET', 'secret/data/app/OPENAI_KEY', { token })).status).toBe(200);
    for (const path of [
      'secret/data/app/LOCKED',
      'secret/data/other/KEY',
      'secret/metadata/app/DB',
    ]) {
      expect(await call('GET', path, { token })).toMatchObject({
        status: 403,
        body: { errors: ['1 error occurred:\n\t* permission denied\n\n'] },
      });
    }
    const write = await call('POST', 'secret/data/app/NEW', {
      token,
      body: { data: { value: 'x' } },
    });
    expect(write.status).toBe(403);
    const writer = vault.issueToken({ policies: ['app-write'] });
    // An existing path needs update; a new one needs create, which app-write lacks.
    expect(
      (
        await call('POST', 'secret/data/app/OPENAI_KEY', {
          token: writer,
          body: { data: { value: 'x' } },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await call('POST', 'secret/data/app/BRAND_NEW', {
          token: writer,
          body: { data: { value: 'x' } },
        })
      ).status,
    ).toBe(403);
  });
});

describe('auth methods and leases', () => {
  it('logs in with AppRole, and renews the token up to its max TTL by the emulator’s clock', async () => {
    const login = await call('POST', 'auth/approle/login', {
      body: { role_id: 'role-billing', secret_id: 'secret-billing' },
    });
    const auth = login.body.auth as {
      client_token: string;
      lease_duration: number;
      renewable: boolean;
      policies: string[];
    };
    expect([auth.lease_duration, auth.renewable, auth.policies]).toEqual([
      60,
      true,
      ['default', 'app-read'],
    ]);
    expect(auth.client_token).toMatch(/^hvs\./);
    now += 50_000;
    const renewed = await call('POST', 'auth/token/renew-self', {
      token: auth.client_token,
      body: {},
    });
    expect((renewed.body.auth as { lease_duration: number }).lease_duration).toBe(60);
    now += 50_000;
    const capped = await call('POST', 'auth/token/renew-self', {
      token: auth.client_token,
      body: {},
    });
    expect((capped.body.auth as { lease_duration: number }).lease_duration).toBe(20);
    expect(capped.body.warnings).toHaveLength(1);
    now += 21_000;
    expect((await call('GET', 'auth/token/lookup-self', { token: auth.client_token })).status).toBe(
      403,
    );
    const wrong = await call('POST', 'auth/approle/login', {
      body: { role_id: 'role-billing', secret_id: 'guess' },
    });
    expect(wrong).toMatchObject({ status: 400, body: { errors: ['invalid role or secret ID'] } });
  });

  it('logs in with a Kubernetes service account token bound to the role', async () => {
    const ok = await call('POST', 'auth/kubernetes/login', {
      body: {
        role: 'web',
        jwt: serviceAccountJwt({ namespace: 'apps', name: 'web', expiresAt: now / 1000 + 60 }),
      },
    });
    expect((ok.body.auth as { metadata: Record<string, string> }).metadata).toMatchObject({
      service_account_name: 'web',
      service_account_namespace: 'apps',
    });
    const stranger = await call('POST', 'auth/kubernetes/login', {
      body: {
        role: 'web',
        jwt: serviceAccountJwt({ namespace: 'apps', name: 'batch', expiresAt: now / 1000 + 60 }),
      },
    });
    expect(stranger).toMatchObject({
      status: 403,
      body: { errors: ['service account name not authorized'] },
    });
    const noRole = await call('POST', 'auth/kubernetes/login', {
      body: { role: 'db', jwt: 'a.b.c' },
    });
    expect(noRole).toMatchObject({ status: 400, body: { errors: ['invalid role name "db"'] } });
  });

  it('refuses to renew a token that is not renewable', async () => {
    const token = vault.issueToken({ policies: [], renewable: false });
    expect((await call('POST', 'auth/token/renew-self', { token, body: {} })).body).toEqual({
      errors: ['lease is not renewable'],
    });
  });
});

describe('faults', () => {
  it('answers 429 with Retry-After for a rate limit, and 500 for an internal error', async () => {
    vault.setFaults({ throttleNext: 1, failNext: 1, retryAfterSec: 2 });
    const limited = await call('GET', 'secret/data/app/OPENAI_KEY', root());
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(limited.body).toEqual({
      errors: ['request path "secret/data/app/OPENAI_KEY": rate limit quota exceeded'],
    });
    expect(await call('GET', 'secret/data/app/OPENAI_KEY', root())).toMatchObject({
      status: 500,
      body: { errors: ['internal error'] },
    });
    expect((await call('GET', 'secret/data/app/OPENAI_KEY', root())).status).toBe(200);
    expect(vault.calls('KvRead')).toBe(3);
  });
});

describe('npm start', () => {
  it('serves a seed file on the port asked for and prints VAULT_ADDR', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'baton-vault-emulator-'));
    const seed = join(dir, 'seed.json');
    await writeFile(seed, JSON.stringify({ 'app/FROM_CLI': 'cli-value' }));
    const cli = startWorker(new URL('../src/cli.ts', import.meta.url), [
      '--port',
      '0',
      '--root-token',
      'dev-root',
      '--seed',
      seed,
    ]);
    try {
      const address = (await cli.waitFor(/export VAULT_ADDR=/)).split('=')[1] as string;
      const res = await fetch(`${address}/v1/secret/data/app/FROM_CLI`, {
        headers: { 'x-vault-token': 'dev-root' },
      });
      expect(((await res.json()) as { data: { data: unknown } }).data.data).toEqual({
        value: 'cli-value',
      });
    } finally {
      await cli.stop();
    }
  });
});
