/**
 * The run against every writable source, through their real clients: AWS Secrets Manager,
 * Azure Key Vault and GCP Secret Manager (their SDKs against the emulators), Vault KV v2 (on
 * fetch, against its emulator), the secrets API (its client against the service on
 * PostgreSQL).
 */
import { createBaton, type WritableSecretSource } from '@baton/core';
import { awsSecretsManager } from '@baton/providers-aws';
import { azureKeyVault } from '@baton/providers-azure';
import { gcpSecretManager } from '@baton/providers-gcp';
import { vaultKv, vaultToken } from '@baton/providers-vault';
import { createSecretsService, type SecretsService } from '@baton/server';
import { secretsApiSource } from '@baton/server/client';
import {
  type AwsSecretsManagerEmulator,
  startAwsSecretsManagerEmulator,
} from '@baton-tools/aws-secrets-manager-emulator';
import {
  type AzureKeyVaultEmulator,
  startAzureKeyVaultEmulator,
} from '@baton-tools/azure-key-vault-emulator';
import {
  type GcpSecretManagerEmulator,
  startGcpSecretManagerEmulator,
} from '@baton-tools/gcp-secret-manager-emulator';
import { AUDIENCE, ISSUER, type Issuer, startIssuer } from '@baton-tools/test-kit/jwks';
import { adminDatabase, DATABASE_URL, postgresAvailable } from '@baton-tools/test-kit/postgres';
import { startVaultEmulator, type VaultEmulator } from '@baton-tools/vault-emulator';
import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Rotator, randomSecret, rotate } from '../src/index.js';
import { awsClient, azureClient, keyBaton } from './support/clouds.js';

const postgres = await postgresAvailable();
const database = adminDatabase();
let aws: AwsSecretsManagerEmulator;
let vault: AzureKeyVaultEmulator;
let gcp: GcpSecretManagerEmulator;
let gcpClient: SecretManagerServiceClient;
let hashicorp: VaultEmulator;
let issuer: Issuer | undefined;
let api: SecretsService | undefined;
let apiUrl = '';
let token = '';

beforeAll(async () => {
  [aws, vault, gcp, hashicorp] = await Promise.all([
    startAwsSecretsManagerEmulator(),
    startAzureKeyVaultEmulator(),
    startGcpSecretManagerEmulator({ project: 'rotation' }),
    startVaultEmulator(),
  ]);
  gcpClient = new SecretManagerServiceClient(gcp.clientOptions());
  if (!postgres) return;
  issuer = await startIssuer();
  api = createSecretsService({
    connectionString: DATABASE_URL,
    schema: database.schema('rotation_api'),
    auth: { jwksUrl: issuer.jwksUrl, issuer: ISSUER, audience: AUDIENCE },
    baton: await keyBaton(),
    log: false,
  });
  apiUrl = (await api.listen({ port: 0 })).url;
  token = await issuer.token({ sub: 'rotation', scope: 'secrets:read secrets:write' });
});

afterAll(async () => {
  await gcpClient?.close();
  await Promise.all([
    aws?.close(),
    vault?.close(),
    gcp?.close(),
    hashicorp?.close(),
    api?.close(),
    issuer?.close(),
  ]);
  await database.cleanup();
});

interface Case {
  name: string;
  skip?: boolean;
  source(): WritableSecretSource;
}

const cases: Case[] = [
  {
    name: "AWS Secrets Manager, versions 'names'",
    source: () =>
      awsSecretsManager({ client: awsClient(aws), prefix: 'names/', versions: 'names' }),
  },
  {
    name: "AWS Secrets Manager, versions 'labels'",
    source: () =>
      awsSecretsManager({ client: awsClient(aws), prefix: 'labels/', versions: 'labels' }),
  },
  {
    name: "Azure Key Vault, versions 'names'",
    source: () =>
      azureKeyVault({ vaultUrl: vault.vaultUrl, client: azureClient(vault), versions: 'names' }),
  },
  {
    name: "Azure Key Vault, versions 'tags'",
    source: () =>
      azureKeyVault({ vaultUrl: vault.vaultUrl, client: azureClient(vault), versions: 'tags' }),
  },
  {
    name: "GCP Secret Manager, versions 'numbers' (the server numbers versions)",
    source: () =>
      gcpSecretManager({ projectId: 'rotation', client: gcpClient, prefix: 'numbers_' }),
  },
  {
    name: "GCP Secret Manager, versions 'aliases'",
    source: () =>
      gcpSecretManager({
        projectId: 'rotation',
        client: gcpClient,
        prefix: 'aliases_',
        versions: 'aliases',
      }),
  },
  {
    name: 'Vault KV v2 (check-and-set writes)',
    source: () =>
      vaultKv({
        address: hashicorp.address,
        auth: vaultToken(hashicorp.rootToken),
        prefix: 'rotation/',
      }),
  },
  {
    name: 'the secrets API (check-and-set writes)',
    get skip() {
      return !postgres;
    },
    source: () => secretsApiSource({ url: apiUrl, token, prefix: 'rotation/' }),
  },
];

let serial = 0;

/** A Baton reading `source`, with `NAME:v1` written there and registered. */
async function seeded(source: WritableSecretSource) {
  const logical = `HOOK_${++serial}`;
  await source.put(`${logical}:v1`, `first-${serial}`);
  const baton = createBaton({ sources: [source], audit: false });
  await baton.register(logical, `${logical}:v1`);
  return { baton, logical };
}

describe.each(cases)('$name', (testCase) => {
  it.skipIf(testCase.skip)(
    'writes NAME:v2, keeps NAME:v1 readable as the backup, and promotes v2 once it reads back',
    async () => {
      const source = testCase.source();
      const { baton, logical } = await seeded(source);

      const result = await rotate(baton, logical, { rotator: randomSecret(), source });

      expect(result).toMatchObject({ status: 'rotated', toRef: `${logical}:v2`, resumed: false });
      const reader = createBaton({ sources: [testCase.source()], audit: false });
      expect(await reader.getSecret(`${logical}:v1`)).toBe(`first-${serial}`);
      expect(await reader.getSecret(`${logical}:v2`)).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(baton.status(logical)).toMatchObject({
        currentRef: `${logical}:v2`,
        previousRef: `${logical}:v1`,
      });
    },
  );

  it.skipIf(testCase.skip)(
    'takes up the version a failed run left there, and promotes it once it passes its test',
    async () => {
      const source = testCase.source();
      const { baton, logical } = await seeded(source);
      let refuse = true;
      const flaky: Rotator = {
        ...randomSecret(),
        test() {
          if (refuse) throw new Error('not yet');
        },
      };
      expect(await rotate(baton, logical, { rotator: flaky, source })).toMatchObject({
        status: 'failed',
        step: 'test',
      });
      const left = await source.get({ name: logical, version: 2, ref: `${logical}:v2` });

      refuse = false;
      const rerun = await rotate(baton, logical, { rotator: flaky, source });

      expect(rerun).toMatchObject({ status: 'rotated', toRef: `${logical}:v2`, resumed: true });
      expect(await baton.getSecret(`${logical}:v2`)).toBe(left);
    },
  );

  it.skipIf(testCase.skip)(
    'lets one of two concurrent runs promote, the other skipped',
    async () => {
      const source = testCase.source();
      const { baton, logical } = await seeded(source);
      const results = await Promise.all([
        rotate(baton, logical, { rotator: randomSecret(), source }),
        rotate(baton, logical, { rotator: randomSecret(), source }),
      ]);
      expect(
        results.map((result) => result.status).sort(),
        results.map((r) => r.error?.message).join(' / '),
      ).toEqual(['rotated', 'skipped']);
      const current = baton.status(logical)?.currentRef as string;
      expect(await createBaton({ sources: [source], audit: false }).getSecret(current)).toBe(
        await baton.getSecret(current),
      );
    },
  );
});
