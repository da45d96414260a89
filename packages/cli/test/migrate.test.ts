import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseRef } from '@baton/core';
import { vaultKv, vaultToken } from '@baton/providers-vault';
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
import { FAKE_KEYS, seededRandom } from '@baton-tools/scan-corpus';
import { startVaultEmulator, type VaultEmulator } from '@baton-tools/vault-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsSdkEnv, baton, workdir } from './support/baton.js';

const random = seededRandom(31);
const values = {
  OPENAI_API_KEY: FAKE_KEYS.openaiProject(random),
  DATABASE_URL: `postgres://app:${FAKE_KEYS.generatedPassword(random)}@db.internal.example.net:5432/orders`,
  WEBHOOK_SECRET: FAKE_KEYS.hexSecret(random),
};
const dotenv = Object.entries(values)
  // Quoted: an unquoted # would start a comment.
  .map(([name, value]) => `${name}="${value}"`)
  .join('\n');

let aws: AwsSecretsManagerEmulator;
let azure: AzureKeyVaultEmulator;
let gcp: GcpSecretManagerEmulator;
let vault: VaultEmulator;
beforeAll(async () => {
  [aws, azure, gcp, vault] = await Promise.all([
    startAwsSecretsManagerEmulator(),
    startAzureKeyVaultEmulator(),
    startGcpSecretManagerEmulator(),
    startVaultEmulator(),
  ]);
});
afterAll(async () => {
  await Promise.all([aws?.close(), azure?.close(), gcp?.close(), vault?.close()]);
});

const awsEnv = () => awsSdkEnv(aws);

describe('migrate to AWS Secrets Manager (flags and the SDK environment)', () => {
  it('--dry-run lists names only and writes nothing', async () => {
    const cwd = await workdir({ 'deploy/.env': dotenv });
    aws.resetCounters();
    const result = await baton(
      ['migrate', '--from', 'deploy/.env', '--to', 'aws', '--prefix', 'dry/', '--dry-run'],
      { cwd, env: awsEnv() },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /Would copy 3 secrets from deploy\/\.env to aws \(nothing written\)/,
    );
    expect(result.stdout).toMatch(/OPENAI_API_KEY\s+dry\/OPENAI_API_KEY/);
    expect(aws.requests).toHaveLength(0);
    await expect(readFile(join(cwd, 'deploy/.env.example'))).rejects.toThrow();
  });

  it('copies each value, reads it back, writes .env.example beside the .env; a rerun writes nothing', async () => {
    const cwd = await workdir({ 'deploy/.env': dotenv });
    const first = await baton(
      ['migrate', '--from', 'deploy/.env', '--to', 'aws', '--prefix', 'prod/'],
      { cwd, env: awsEnv() },
    );
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /aws: 3 created, 0 updated, 0 unchanged; every value read back and compared\./,
    );
    expect(first.stdout).toMatch(/What is left to do:\n {2}1\. Rotate every migrated value/);
    expect(first.stdout).toMatch(/Remove the \.env file from every server/);
    for (const [name, value] of Object.entries(values)) {
      expect(await readBack(`prod/${name}`)).toBe(value);
    }
    expect(await readFile(join(cwd, 'deploy/.env.example'), 'utf8')).toMatch(
      /^OPENAI_API_KEY=\nDATABASE_URL=\nWEBHOOK_SECRET=\n$/m,
    );

    aws.resetCounters();
    const again = JSON.parse(
      (
        await baton(
          ['migrate', '--from', 'deploy/.env', '--to', 'aws', '--prefix', 'prod/', '--json'],
          { cwd, env: awsEnv() },
        )
      ).stdout,
    );
    expect(again.secrets.map((row: { result: string }) => row.result)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
    ]);
    expect(aws.calls('PutSecretValue') + aws.calls('CreateSecret')).toBe(0);
  });

  it('updates a value that changed in the .env', async () => {
    const cwd = await workdir({ '.env': 'ROTATED_TOKEN=first-value-123456\n' });
    await baton(['migrate', '--from', '.env', '--to', 'aws', '--prefix', 'upd/'], {
      cwd,
      env: awsEnv(),
    });
    const { writeFile } = await import('node:fs/promises');
    await writeFile(join(cwd, '.env'), 'ROTATED_TOKEN=second-value-654321\n');
    const json = JSON.parse(
      (
        await baton(['migrate', '--from', '.env', '--to', 'aws', '--prefix', 'upd/', '--json'], {
          cwd,
          env: awsEnv(),
        })
      ).stdout,
    );
    expect(json.secrets).toEqual([
      { name: 'ROTATED_TOKEN', secret: 'upd/ROTATED_TOKEN', result: 'updated' },
    ]);
  });

  it('exits 2 for an unknown target or a missing .env', async () => {
    const cwd = await workdir({ '.env': 'A=1\n' });
    expect((await baton(['migrate', '--to', 'dropbox'], { cwd })).code).toBe(2);
    expect((await baton(['migrate', '--from', 'nope.env', '--to', 'aws'], { cwd })).code).toBe(2);
  });
});

describe('migrate to Azure Key Vault (a target given in baton.config.mjs)', () => {
  it('copies each value under the name Key Vault allows, and a rerun writes nothing', async () => {
    const config = [
      "import { azureKeyVault } from '@baton/providers-azure';",
      "import { SecretClient } from '@azure/keyvault-secrets';",
      "const credential = { getToken: async () => ({ token: 't', expiresOnTimestamp: Date.now() + 3_600_000 }) };",
      `const client = new SecretClient(${JSON.stringify(azure.vaultUrl)}, credential, {`,
      `  tlsOptions: { ca: ${JSON.stringify(azure.ca)} },`,
      '  disableChallengeResourceVerification: true,',
      '});',
      `export default { targets: { azure: () => azureKeyVault({ vaultUrl: ${JSON.stringify(azure.vaultUrl)}, client, versions: 'names' }) } };`,
    ].join('\n');
    const cwd = await workdir({ '.env': dotenv, 'baton.config.mjs': config });
    const first = await baton(['migrate', '--to', 'azure'], { cwd });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/OPENAI_API_KEY\s+OPENAI-API-KEY\s+created/);
    const again = await baton(['migrate', '--to', 'azure', '--json'], { cwd });
    expect(
      JSON.parse(again.stdout).secrets.every(
        (row: { result: string }) => row.result === 'unchanged',
      ),
    ).toBe(true);
  });
});

describe('migrate to GCP Secret Manager (a target given in baton.config.mjs)', () => {
  it('adds a version per key, and a rerun writes nothing', async () => {
    const config = [
      "import { gcpSecretManager } from '@baton/providers-gcp';",
      "import { OAuth2Client } from 'google-auth-library';",
      'const authClient = new OAuth2Client();',
      "authClient.setCredentials({ access_token: 'local' });",
      'export default { targets: { gcp: () => gcpSecretManager({',
      `  projectId: ${JSON.stringify(gcp.project)},`,
      "  prefix: 'orders-',",
      `  clientOptions: { fallback: true, protocol: 'http', apiEndpoint: ${JSON.stringify(gcp.apiEndpoint)}, port: ${gcp.port}, authClient },`,
      '}) } };',
    ].join('\n');
    const cwd = await workdir({ '.env': dotenv, 'baton.config.mjs': config });
    const first = await baton(['migrate', '--to', 'gcp', '--json'], { cwd });
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).secrets.map((row: { result: string }) => row.result)).toEqual([
      'created',
      'created',
      'created',
    ]);
    expect(gcp.versions('orders-OPENAI_API_KEY')).toHaveLength(1);
    const again = await baton(['migrate', '--to', 'gcp', '--json'], { cwd });
    expect(
      JSON.parse(again.stdout).secrets.every(
        (row: { result: string }) => row.result === 'unchanged',
      ),
    ).toBe(true);
    expect(gcp.versions('orders-OPENAI_API_KEY')).toHaveLength(1);
  });
});

describe('migrate to Vault KV v2 (VAULT_ADDR and VAULT_TOKEN, as the vault CLI reads them)', () => {
  it('writes each key under the prefix, read back through the provider, and a rerun writes nothing', async () => {
    const cwd = await workdir({ '.env': dotenv });
    const env = { VAULT_ADDR: vault.address, VAULT_TOKEN: vault.rootToken };
    const first = await baton(['migrate', '--to', 'vault', '--prefix', 'orders/'], { cwd, env });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/WEBHOOK_SECRET\s+secret\/orders\/WEBHOOK_SECRET\s+created/);
    const source = vaultKv({
      address: vault.address,
      auth: vaultToken(vault.rootToken),
      prefix: 'orders/',
    });
    expect(await source.get(parseRef('WEBHOOK_SECRET'))).toBe(values.WEBHOOK_SECRET);
    const again = await baton(['migrate', '--to', 'vault', '--prefix', 'orders/', '--json'], {
      cwd,
      env,
    });
    expect(
      JSON.parse(again.stdout).secrets.every(
        (row: { result: string }) => row.result === 'unchanged',
      ),
    ).toBe(true);
  });

  it('exits 2 naming VAULT_TOKEN when there is none', async () => {
    const cwd = await workdir({ '.env': 'A=1\n' });
    const result = await baton(['migrate', '--to', 'vault', '--address', vault.address], { cwd });
    expect([result.code, result.stderr]).toEqual([2, expect.stringMatching(/VAULT_TOKEN/)]);
  });
});

async function readBack(name: string): Promise<string | undefined> {
  const { GetSecretValueCommand, SecretsManagerClient } = await import(
    '@aws-sdk/client-secrets-manager'
  );
  const client = new SecretsManagerClient({
    endpoint: aws.endpoint,
    region: aws.region,
    credentials: aws.credentials,
  });
  const answer = await client.send(new GetSecretValueCommand({ SecretId: name }));
  client.destroy();
  return answer.SecretString;
}
