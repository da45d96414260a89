import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { SecretClient } from '@azure/keyvault-secrets';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AzureKeyVaultEmulator, startAzureKeyVaultEmulator } from '../src/index.js';

/** The documented way to plug any identity in: a TokenCredential, here with a fixed token. */
function fixedCredential(token = 'emulator-token') {
  const scopes: string[] = [];
  const tenants: (string | undefined)[] = [];
  const credential: TokenCredential = {
    async getToken(scope: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
      scopes.push(...(Array.isArray(scope) ? scope : [scope]));
      tenants.push(options?.tenantId);
      return { token, expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
  return { credential, scopes, tenants };
}

let vault: AzureKeyVaultEmulator;

function clientFor(credential: TokenCredential = fixedCredential().credential, maxRetries = 3) {
  return new SecretClient(vault.vaultUrl, credential, {
    tlsOptions: { ca: vault.ca },
    disableChallengeResourceVerification: true,
    retryOptions: { maxRetries, retryDelayInMs: 10, maxRetryDelayInMs: 50 },
  });
}

async function failure(
  promise: Promise<unknown>,
): Promise<{ statusCode?: number; code?: string; name: string }> {
  try {
    await promise;
  } catch (error) {
    return error as { statusCode?: number; code?: string; name: string };
  }
  throw new Error('expected the call to fail');
}

beforeAll(async () => {
  vault = await startAzureKeyVaultEmulator({ seed: { 'DB-PASSWORD': 'hunter2' } });
});

afterAll(async () => {
  await vault.close();
});

afterEach(() => {
  vault.setFaults({});
  vault.resetCounters();
});

describe('the real SecretClient over HTTPS', () => {
  it('follows the bearer challenge, asking the credential for the vault scope and tenant', async () => {
    const { credential, scopes, tenants } = fixedCredential();
    const secret = await clientFor(credential).getSecret('DB-PASSWORD');
    expect(secret.value).toBe('hunter2');
    expect(scopes).toEqual(['https://vault.azure.net/.default']);
    expect(tenants).toEqual(['00000000-0000-0000-0000-0000000000b7']);
    expect(vault.requests.map((record) => [record.operation, record.status])).toEqual([
      ['Challenge', 401],
      ['GetSecret', 200],
    ]);
  });

  it('refuses a client that does not trust the emulator’s certificate', async () => {
    const untrusting = new SecretClient(vault.vaultUrl, fixedCredential().credential, {
      disableChallengeResourceVerification: true,
      retryOptions: { maxRetries: 0 },
    });
    const error = await failure(untrusting.getSecret('DB-PASSWORD'));
    expect(error.code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
  });

  it('is refused by the SDK’s challenge check unless told the vault is local', async () => {
    const strict = new SecretClient(vault.vaultUrl, fixedCredential().credential, {
      tlsOptions: { ca: vault.ca },
      retryOptions: { maxRetries: 0 },
    });
    const error = (await failure(strict.getSecret('DB-PASSWORD'))) as unknown as Error;
    expect(error.message).toContain('does not match the requested domain');
  });

  it('writes new versions with tags, lists them, and reads each by version', async () => {
    const client = clientFor();
    const one = await client.setSecret('API-KEY', 'one', { tags: { 'baton-version': 'v1' } });
    const two = await client.setSecret('API-KEY', 'two', { tags: { 'baton-version': 'v2' } });
    expect(one.properties.version).toMatch(/^[0-9a-f]{32}$/);
    expect((await client.getSecret('API-KEY')).value).toBe('two');
    expect((await client.getSecret('API-KEY', { version: one.properties.version })).value).toBe(
      'one',
    );
    const listed = [];
    for await (const properties of client.listPropertiesOfSecretVersions('API-KEY')) {
      listed.push([properties.version, properties.tags]);
    }
    expect(listed).toEqual([
      [one.properties.version, { 'baton-version': 'v1' }],
      [two.properties.version, { 'baton-version': 'v2' }],
    ]);
  });

  it('pages version lists with nextLink', async () => {
    for (let index = 0; index < 30; index++) vault.setSecret('MANY', `v${index}`);
    let count = 0;
    for await (const _ of clientFor().listPropertiesOfSecretVersions('MANY')) count++;
    expect(count).toBe(30);
    expect(vault.calls('GetSecretVersions')).toBe(2);
  });

  it('treats names case-insensitively, as Key Vault does', async () => {
    expect((await clientFor().getSecret('db-password')).value).toBe('hunter2');
  });
});

describe('errors', () => {
  it('answers 404 SecretNotFound for a missing secret or version', async () => {
    const client = clientFor();
    const missing = await failure(client.getSecret('NOPE'));
    expect([missing.statusCode, missing.code]).toEqual([404, 'SecretNotFound']);
    const version = await failure(client.getSecret('DB-PASSWORD', { version: 'f'.repeat(32) }));
    expect([version.statusCode, version.code]).toEqual([404, 'SecretNotFound']);
  });

  it('answers 403 Forbidden without the role, and for a disabled version', async () => {
    vault.setSecret('LOCKED', 'x');
    vault.forbid('LOCKED');
    const forbidden = await failure(clientFor().getSecret('LOCKED'));
    expect([forbidden.statusCode, forbidden.code]).toEqual([403, 'Forbidden']);
    vault.setSecret('OFF', 'x', { enabled: false });
    const disabled = await failure(clientFor().getSecret('OFF'));
    expect(disabled.statusCode).toBe(403);
  });

  it('answers 401 for a token it does not accept', async () => {
    const picky = await startAzureKeyVaultEmulator({ tokens: ['good'], seed: { A: 'a' } });
    try {
      const client = new SecretClient(picky.vaultUrl, fixedCredential('bad').credential, {
        tlsOptions: { ca: picky.ca },
        disableChallengeResourceVerification: true,
      });
      expect((await failure(client.getSecret('A'))).statusCode).toBe(401);
    } finally {
      await picky.close();
    }
  });

  it('refuses names Key Vault cannot hold', async () => {
    const error = await failure(clientFor().setSecret('has_underscore', 'x'));
    expect([error.statusCode, error.code]).toEqual([400, 'BadParameter']);
  });
});

describe('fault injection', () => {
  it('throttles with 429 and Retry-After, which the SDK waits out and retries', async () => {
    vault.setFaults({ throttleNext: 2, retryAfterMs: 20 });
    const secret = await clientFor().getSecret('DB-PASSWORD');
    expect(secret.value).toBe('hunter2');
    expect(
      vault.requests
        .filter((record) => record.operation === 'GetSecret')
        .map((record) => record.status),
    ).toEqual([429, 429, 200]);
  });

  it('fails with 500 until the SDK’s retries run out', async () => {
    vault.setFaults({ errorRate: 1 });
    const error = await failure(clientFor(undefined, 2).getSecret('DB-PASSWORD'));
    expect(error.statusCode).toBe(500);
    expect(vault.calls('GetSecret')).toBe(3);
  });

  it('adds latency before answering', async () => {
    const client = clientFor();
    await client.getSecret('DB-PASSWORD');
    vault.setFaults({ latencyMs: 60 });
    const started = performance.now();
    await client.getSecret('DB-PASSWORD');
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });
});
