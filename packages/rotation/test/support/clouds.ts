/** Real SDK clients pointed at the emulators, and the secrets API's encryption key. */
import { randomBytes } from 'node:crypto';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AccessToken } from '@azure/core-auth';
import { SecretClient } from '@azure/keyvault-secrets';
import { type Baton, createBaton, defaultsSource } from '@baton/core';
import type { AwsSecretsManagerEmulator } from '@baton-tools/aws-secrets-manager-emulator';
import type { AzureKeyVaultEmulator } from '@baton-tools/azure-key-vault-emulator';

export function awsClient(emulator: AwsSecretsManagerEmulator): SecretsManagerClient {
  return new SecretsManagerClient({
    endpoint: emulator.endpoint,
    region: emulator.region,
    credentials: emulator.credentials,
    maxAttempts: 3,
  });
}

/** A SecretClient that trusts the emulator's certificate; any token is accepted there. */
export function azureClient(vault: AzureKeyVaultEmulator): SecretClient {
  const credential = {
    async getToken(): Promise<AccessToken> {
      return { token: 'emulator-token', expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
  return new SecretClient(vault.vaultUrl, credential, {
    tlsOptions: { ca: vault.ca },
    disableChallengeResourceVerification: true,
    retryOptions: { maxRetries: 3, retryDelayInMs: 10, maxRetryDelayInMs: 50 },
  });
}

/** A Baton holding the secrets API's encryption key `SECRETS_API_KEY:v1`. */
export async function keyBaton(): Promise<Baton> {
  const baton = createBaton({
    sources: [defaultsSource({ SECRETS_API_KEY_V1: randomBytes(32).toString('base64') })],
    audit: false,
  });
  await baton.register('SECRETS_API_KEY', 'SECRETS_API_KEY:v1');
  return baton;
}
