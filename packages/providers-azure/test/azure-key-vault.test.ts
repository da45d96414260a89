import { EnvironmentCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import {
  type BatonError,
  ConfigError,
  createBaton,
  defaultsSource,
  SecretNotFoundError,
  SourceError,
  WithheldError,
} from '@baton/core';
import { manualClock } from '@baton/core/testing';
import {
  type AzureKeyVaultEmulator,
  startAzureKeyVaultEmulator,
} from '@baton-tools/azure-key-vault-emulator';
import { auditCollector, startWorker } from '@baton-tools/test-kit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AzureKeyVaultError, azureKeyVault, KeyVaultNameError } from '../src/index.js';
import { clientFor, emulatorClientOptions, fixedCredential } from './helpers.js';

let vault: AzureKeyVaultEmulator;

async function failure(work: () => Promise<unknown>): Promise<BatonError> {
  try {
    await work();
  } catch (error) {
    return error as BatonError;
  }
  throw new Error('expected a failure');
}

function names(maxRetries = 3) {
  return azureKeyVault({
    vaultUrl: vault.vaultUrl,
    credential: fixedCredential(),
    clientOptions: emulatorClientOptions(vault, maxRetries),
    versions: 'names',
  });
}

function tags() {
  return azureKeyVault({ vaultUrl: vault.vaultUrl, client: clientFor(vault), versions: 'tags' });
}

beforeAll(async () => {
  vault = await startAzureKeyVaultEmulator({
    seed: { 'OPENAI-KEY': 'openai-current', 'OPENAI-KEY-V2': 'openai-v2' },
  });
  vault.setSecret('WEBHOOK-SECRET', 'hook-v1', { tags: { 'baton-version': 'v1' } });
  vault.setSecret('WEBHOOK-SECRET', 'hook-v3-disabled', {
    tags: { 'baton-version': 'v3' },
    enabled: false,
  });
  vault.setSecret('WEBHOOK-SECRET', 'hook-v2', {
    tags: { 'baton-version': 'v2', team: 'payments' },
  });
});

afterAll(async () => {
  await vault.close();
});

afterEach(() => {
  vault.setFaults({});
  vault.resetCounters();
});

describe("versions: 'names'", () => {
  it('reads OPENAI_KEY:v2 from the secret OPENAI-KEY-V2 and OPENAI_KEY from OPENAI-KEY', async () => {
    const source = names();
    const baton = createBaton({ sources: [source], audit: false });
    expect(await baton.getSecret('OPENAI_KEY:v2')).toBe('openai-v2');
    expect(await baton.getSecret('OPENAI_KEY')).toBe('openai-current');
    expect(source.secretName('OPENAI_KEY:V2')).toBe('OPENAI-KEY-V2');
    expect(vault.calls('GetSecret')).toBe(2);
  });

  it('answers absent for a secret that does not exist, so the chain goes on', async () => {
    const baton = createBaton({
      sources: [names(), defaultsSource({ LOG_LEVEL: 'info' })],
      audit: false,
    });
    expect(await baton.getSecret('LOG_LEVEL')).toBe('info');
    expect(await failure(() => baton.getSecret('NOWHERE'))).toBeInstanceOf(SecretNotFoundError);
  });

  it('reads many refs with one call each: Key Vault has no batch read', async () => {
    const baton = createBaton({ sources: [names()], audit: false });
    expect(await baton.getSecrets(['OPENAI_KEY', 'OPENAI_KEY:v2'])).toEqual({
      OPENAI_KEY: 'openai-current',
      'OPENAI_KEY:v2': 'openai-v2',
    });
    expect(vault.calls('GetSecret')).toBe(2);
  });
});

describe("versions: 'tags'", () => {
  it('reads WEBHOOK_SECRET:v2 from the version tagged baton-version=v2, and WEBHOOK_SECRET from the latest', async () => {
    const baton = createBaton({ sources: [tags()], audit: false });
    expect(await baton.getSecret('WEBHOOK_SECRET:v2')).toBe('hook-v2');
    expect(await baton.getSecret('WEBHOOK_SECRET:v1')).toBe('hook-v1');
    expect(await baton.getSecret('WEBHOOK_SECRET')).toBe('hook-v2');
  });

  it('answers absent for a tag no enabled version carries', async () => {
    const baton = createBaton({ sources: [tags()], audit: false });
    expect(await failure(() => baton.getSecret('WEBHOOK_SECRET:v3'))).toBeInstanceOf(
      SecretNotFoundError,
    );
    expect(await failure(() => baton.getSecret('WEBHOOK_SECRET:v9'))).toBeInstanceOf(
      SecretNotFoundError,
    );
    expect(await failure(() => baton.getSecret('NO_SUCH:v1'))).toBeInstanceOf(SecretNotFoundError);
  });

  it('finds a tagged version beyond the first page of versions, and the newest when tags repeat', async () => {
    vault.setSecret('PAGED', 'early-v1', { tags: { 'baton-version': 'v1' } });
    for (let index = 0; index < 30; index++) vault.setSecret('PAGED', `filler-${index}`);
    vault.setSecret('PAGED', 'late-v1', { tags: { 'baton-version': 'v1' } });
    vault.setSecret('PAGED', 'only-v2', { tags: { 'baton-version': 'v2' } });
    const baton = createBaton({ sources: [tags()], audit: false });
    expect(await baton.getSecret('PAGED:v2')).toBe('only-v2');
    expect(await baton.getSecret('PAGED:v1')).toBe('late-v1');
    expect(vault.calls('GetSecretVersions')).toBe(4);
  });
});

describe('names Key Vault cannot hold', () => {
  it('refuses a ref whose name starts with "_", saying why', async () => {
    const baton = createBaton({ sources: [names()], audit: false });
    const error = await failure(() => baton.getSecret('_INTERNAL_TOKEN'));
    expect(error).toBeInstanceOf(KeyVaultNameError);
    expect(error.message).toBe(
      'Source "azure-key-vault" cannot read _INTERNAL_TOKEN: Key Vault names must start with a letter, and "-INTERNAL-TOKEN" starts with "-" (from "_")',
    );
    expect(vault.calls()).toBe(0);
  });

  it('refuses a ref whose Key Vault name would pass 127 characters', async () => {
    const long = `K${'_A'.repeat(62)}`;
    const source = names();
    expect(source.secretName(long)).toHaveLength(125);
    const error = await failure(async () => source.secretName(`${long}:v100`));
    expect(error).toBeInstanceOf(KeyVaultNameError);
    expect(error.message).toContain(
      'its Key Vault name has 130 characters; Key Vault allows at most 127',
    );
    expect(await failure(() => source.put(`${long}:v100`, 'x'))).toBeInstanceOf(KeyVaultNameError);
  });
});

describe('errors', () => {
  it('fails 403 with BATON_SOURCE_FAILED naming Forbidden and the request id, and stops the chain', async () => {
    vault.setSecret('LOCKED', 'locked-value');
    vault.forbid('LOCKED');
    const baton = createBaton({
      sources: [names(), defaultsSource({ LOCKED: 'fallback' })],
      audit: false,
    });
    const error = (await failure(() => baton.getSecret('LOCKED'))) as AzureKeyVaultError;
    expect(error).toBeInstanceOf(AzureKeyVaultError);
    expect(error).toBeInstanceOf(SourceError);
    expect(error.code).toBe('BATON_SOURCE_FAILED');
    expect([error.errorCode, error.status]).toEqual(['Forbidden', 403]);
    expect(error.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(error.message).toBe(
      `Source "azure-key-vault" failed to read LOCKED: Forbidden (getSecret of secret "LOCKED", HTTP 403, request id ${error.requestId})`,
    );
    expect(JSON.stringify(error.cause)).not.toContain('permission');
  });

  it('fails 401 with BATON_SOURCE_FAILED when the vault refuses the token', async () => {
    const picky = await startAzureKeyVaultEmulator({
      tokens: ['the-right-token'],
      seed: { A: 'a' },
    });
    try {
      const source = azureKeyVault({
        vaultUrl: picky.vaultUrl,
        credential: fixedCredential('a-wrong-token'),
        clientOptions: emulatorClientOptions(picky),
        versions: 'names',
      });
      const error = (await failure(() =>
        createBaton({ sources: [source], audit: false }).getSecret('A'),
      )) as AzureKeyVaultError;
      expect(error.code).toBe('BATON_SOURCE_FAILED');
      expect([error.errorCode, error.status]).toEqual(['Unauthorized', 401]);
    } finally {
      await picky.close();
    }
  });

  it('names the credential that failed to give a token, and keeps its message: no request was answered', async () => {
    const source = azureKeyVault({
      vaultUrl: vault.vaultUrl,
      credential: {
        async getToken() {
          throw Object.assign(new Error('no managed identity on this host'), {
            name: 'CredentialUnavailableError',
          });
        },
      },
      clientOptions: emulatorClientOptions(vault),
    });
    const error = (await failure(() =>
      createBaton({ sources: [source], audit: false }).getSecret('OPENAI_KEY'),
    )) as AzureKeyVaultError;
    expect(error.errorCode).toBe('CredentialUnavailableError');
    expect(error.message).toBe(
      'Source "azure-key-vault" failed to read OPENAI_KEY: CredentialUnavailableError (getSecret of secret "OPENAI-KEY"): no managed identity on this host',
    );
  });

  it('honours 429 Retry-After through the SDK, then surfaces Throttled once retries run out', async () => {
    const baton = createBaton({ sources: [names(2)], audit: false });
    vault.setFaults({ throttleNext: 2, retryAfterMs: 30 });
    const started = performance.now();
    expect(await baton.getSecret('OPENAI_KEY')).toBe('openai-current');
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
    expect(vault.calls('GetSecret')).toBe(3);

    vault.setFaults({ throttleRate: 1, retryAfterMs: 10 });
    const error = (await failure(() => baton.getSecret('OPENAI_KEY:v2'))) as AzureKeyVaultError;
    expect([error.errorCode, error.status]).toEqual(['Throttled', 429]);
  });

  it('surfaces a 500 once the SDK’s retries run out', async () => {
    vault.setFaults({ errorRate: 1 });
    const error = (await failure(() =>
      createBaton({ sources: [names(1)], audit: false }).getSecret('OPENAI_KEY'),
    )) as AzureKeyVaultError;
    expect([error.errorCode, error.status]).toEqual(['InternalServerError', 500]);
    expect(vault.calls('GetSecret')).toBe(2);
  });
});

describe('failures raised before the vault answers', () => {
  it('keeps the message of a real credential that has nothing to go on', async () => {
    const saved = { ...process.env };
    for (const key of Object.keys(process.env))
      if (key.startsWith('AZURE_')) delete process.env[key];
    try {
      const source = azureKeyVault({
        vaultUrl: vault.vaultUrl,
        credential: new EnvironmentCredential(),
        clientOptions: emulatorClientOptions(vault),
      });
      const error = (await failure(() =>
        createBaton({ sources: [source], audit: false }).getSecret('OPENAI_KEY'),
      )) as AzureKeyVaultError;
      expect(error).toBeInstanceOf(AzureKeyVaultError);
      expect(error.errorCode).toBe('CredentialUnavailableError');
      expect(error.clientMessage).toMatch(/^EnvironmentCredential is unavailable\./);
      expect(error.message).toContain(
        'failed to read OPENAI_KEY: CredentialUnavailableError (getSecret of secret "OPENAI-KEY"): EnvironmentCredential is unavailable.',
      );
      expect(vault.calls('GetSecret')).toBe(0);
    } finally {
      Object.assign(process.env, saved);
    }
  });

  it('keeps the SDK’s message when the vault’s host does not resolve', async () => {
    const source = azureKeyVault({
      client: new SecretClient('https://vault.baton-test.invalid', fixedCredential(), {
        retryOptions: { maxRetries: 0 },
      }),
    });
    const error = (await failure(() =>
      createBaton({ sources: [source], audit: false }).getSecret('OPENAI_KEY'),
    )) as AzureKeyVaultError;
    expect(error.errorCode).toBe('ENOTFOUND');
    expect(error.message).toMatch(
      /failed to read OPENAI_KEY: ENOTFOUND \(getSecret of secret "OPENAI-KEY"\): getaddrinfo ENOTFOUND vault\.baton-test\.invalid$/,
    );
    expect(error.underlying).toMatchObject({ name: 'RestError', code: 'ENOTFOUND' });
    expect(error.cause).toBeInstanceOf(WithheldError);
  });

  it('keeps the vault’s answer off the message: code, status and request id only, the SDK error on underlying', async () => {
    vault.setSecret('SEALED', 'sealed-value');
    vault.forbid('SEALED');
    const error = (await failure(() =>
      createBaton({ sources: [names()], audit: false }).getSecret('SEALED'),
    )) as AzureKeyVaultError;
    expect(error.clientMessage).toBeUndefined();
    expect(error.underlying).toMatchObject({ name: 'RestError', statusCode: 403 });
    expect(error.cause).toBeInstanceOf(WithheldError);
    expect(String((error.cause as Error).message)).not.toContain('permission');
  });

  it('never keeps a client message that holds the value being written', async () => {
    const value = 'value-being-written-42';
    const source = azureKeyVault({
      vaultUrl: vault.vaultUrl,
      credential: {
        async getToken() {
          throw new Error(`refusing to sign a request holding ${value}`);
        },
      },
      clientOptions: emulatorClientOptions(vault),
    });
    const error = (await failure(() => source.put('FRESH', value))) as AzureKeyVaultError;
    expect(error.code).toBe('BATON_SOURCE_FAILED');
    expect(error.clientMessage).toBeUndefined();
    expect(error.message).not.toContain(value);
  });
});

describe('without @azure/identity installed', () => {
  it('reads with the credential given, and asks for the package only when the default is needed', async () => {
    const child = startWorker(new URL('./fixtures/without-identity.ts', import.meta.url));
    expect(await child.exited).toBe(0);
    const [withCredential, read, write] = child.lines.map((line) => JSON.parse(line));
    expect(withCredential).toEqual({ value: 'from-the-vault' });
    const asked =
      'azureKeyVault: no credential was given, and @azure/identity, which provides the default (DefaultAzureCredential), is not installed: run `npm install @azure/identity`, or pass credential (any TokenCredential)';
    expect(read).toEqual({
      code: 'BATON_SOURCE_FAILED',
      message: `Source "azure-key-vault" failed to read OPENAI_KEY: ${asked}`,
      cause: { code: 'BATON_CONFIG', message: asked },
    });
    expect(write).toMatchObject({ code: 'BATON_CONFIG', message: asked });
  });
});

describe('what to create when a ref is missing', () => {
  it('names the secret, or the tagged version, and the vault', async () => {
    const host = new URL(vault.vaultUrl).host;
    const cases = [
      [names(), 'MISSING:v2', `create the secret MISSING-V2 in Azure Key Vault (${host})`],
      [
        tags(),
        'MISSING:v2',
        `add a version tagged baton-version: v2 to the secret MISSING in Azure Key Vault (${host})`,
      ],
      [tags(), 'MISSING', `create the secret MISSING in Azure Key Vault (${host})`],
    ] as const;
    for (const [source, ref, hint] of cases) {
      const error = await failure(() =>
        createBaton({ sources: [source], audit: false }).getSecret(ref),
      );
      expect(error).toBeInstanceOf(SecretNotFoundError);
      expect(error.message).toBe(`No value for ${ref}: ${hint} (tried: azure-key-vault)`);
    }
  });
});

describe('with the cache of @baton/core', () => {
  it('makes one provider call for 300 concurrent cold reads of one ref', async () => {
    const baton = createBaton({ sources: [names()], audit: false });
    const values = await Promise.all(
      Array.from({ length: 300 }, () => baton.getSecret('OPENAI_KEY:v2')),
    );
    expect(new Set(values)).toEqual(new Set(['openai-v2']));
    expect(vault.calls('GetSecret')).toBe(1);
  });

  it('serves the last value while the vault fails, then surfaces the error after maxStaleMs', async () => {
    const clock = manualClock();
    const audit = auditCollector();
    const baton = createBaton({
      sources: [names(0)],
      cache: { ttlMs: 60_000, maxStaleMs: 600_000 },
      clock,
      audit: audit.sink,
    });
    expect(await baton.getSecret('OPENAI_KEY')).toBe('openai-current');
    vault.setFaults({ errorRate: 1 });
    clock.advance(60_000);
    expect(await baton.getSecret('OPENAI_KEY')).toBe('openai-current');
    clock.advance(600_000);
    const error = (await failure(() => baton.getSecret('OPENAI_KEY'))) as AzureKeyVaultError;
    expect(error.status).toBe(500);
    await baton.flush();
    expect(audit.events.map((event) => event.type)).toEqual([
      'secret_read',
      'source_error',
      'secret_stale_served',
      'source_error',
    ]);
  });
});

describe('writes', () => {
  it("stores a new version under the ref's name ('names')", async () => {
    const source = names();
    const baton = createBaton({ sources: [source], audit: false });
    const put = await source.put('NEW_KEY:v1', 'first', { tags: { owner: 'ops' } });
    expect(put.secretName).toBe('NEW-KEY-V1');
    expect(put.versionId).toMatch(/^[0-9a-f]{32}$/);
    expect(await baton.getSecret('NEW_KEY:v1')).toBe('first');
    await source.put('NEW_KEY:v1', 'second');
    expect(await baton.rotateSecret('NEW_KEY:v1')).toBe('second');
    expect(vault.versions('NEW-KEY-V1').map((version) => version.tags)).toEqual([
      { owner: 'ops' },
      {},
    ]);
  });

  it("tags the new version with the ref's version ('tags')", async () => {
    const source = tags();
    const baton = createBaton({ sources: [source], audit: false });
    const put = await source.put('ROTATED:v4', 'four', { tags: { owner: 'ops' } });
    expect(vault.versions('ROTATED')).toEqual([
      { version: put.versionId, tags: { owner: 'ops', 'baton-version': 'v4' }, enabled: true },
    ]);
    expect(await baton.getSecret('ROTATED:v4')).toBe('four');
    expect(await baton.getSecret('ROTATED')).toBe('four');
  });

  it('fails a forbidden write with BATON_SOURCE_FAILED', async () => {
    vault.setSecret('READ-ONLY', 'x');
    vault.forbid('READ-ONLY');
    const error = (await failure(() => names().put('READ_ONLY', 'y'))) as AzureKeyVaultError;
    expect(error.message).toContain('failed to write READ_ONLY: Forbidden (setSecret');
  });
});

describe('options', () => {
  it('lists every invalid option in one ConfigError', () => {
    let error: ConfigError | undefined;
    try {
      azureKeyVault({
        vaultUrl: 'http://not-https.example',
        versions: 'labels' as 'tags',
        versionTag: '',
      });
    } catch (caught) {
      error = caught as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.issues).toEqual([
      'azureKeyVault: vaultUrl must be the vault\'s https URL, e.g. "https://my-vault.vault.azure.net"',
      'azureKeyVault: versions must be "names" or "tags"',
      'azureKeyVault: versionTag must be a tag name of 1 to 512 characters',
    ]);
  });

  it('refuses a client for another vault, and credential options beside a client', () => {
    expect(() =>
      azureKeyVault({
        vaultUrl: 'https://other.vault.azure.net',
        client: clientFor(vault),
        versions: 'names',
      }),
    ).toThrow('vaultUrl differs from the vaultUrl of the client given');
    expect(() =>
      azureKeyVault({
        vaultUrl: vault.vaultUrl,
        client: clientFor(vault),
        credential: fixedCredential(),
        versions: 'names',
      }),
    ).toThrow('credential and clientOptions apply only to the client Baton creates');
  });

  it("takes the vault from the client given, and reads by name ('names' by default)", async () => {
    const source = azureKeyVault({ client: clientFor(vault) });
    const baton = createBaton({ sources: [source], audit: false });
    expect(await baton.getSecret('OPENAI_KEY:v2')).toBe('openai-v2');
    expect(source.hint?.({ name: 'X', ref: 'X' })).toBe(
      `create the secret X in Azure Key Vault (${new URL(vault.vaultUrl).host})`,
    );
  });

  it('needs a vault: vaultUrl or a client', () => {
    const unset: { VAULT_URL?: string } = {};
    expect(() => azureKeyVault({ vaultUrl: unset.VAULT_URL })).toThrow(
      expect.objectContaining({
        code: 'BATON_CONFIG',
        message:
          'azureKeyVault: give vaultUrl (the vault\'s https URL, e.g. "https://my-vault.vault.azure.net") or a client',
      }),
    );
  });
});
