import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { SecretClient } from '@azure/keyvault-secrets';
import type { AzureKeyVaultEmulator } from '@baton-tools/azure-key-vault-emulator';

/** Any TokenCredential plugs in; this one answers a fixed token, as the emulator accepts any. */
export function fixedCredential(token = 'emulator-token'): TokenCredential {
  return {
    async getToken(): Promise<AccessToken> {
      return { token, expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };
}

/**
 * SecretClient options for the emulator: trust its certificate (this client only) and accept
 * a challenge that names vault.azure.net for a vault on localhost. Retries wait briefly.
 */
export function emulatorClientOptions(vault: AzureKeyVaultEmulator, maxRetries = 3) {
  return {
    tlsOptions: { ca: vault.ca },
    disableChallengeResourceVerification: true,
    retryOptions: { maxRetries, retryDelayInMs: 10, maxRetryDelayInMs: 50 },
  };
}

export function clientFor(
  vault: AzureKeyVaultEmulator,
  maxRetries = 3,
  token?: string,
): SecretClient {
  return new SecretClient(
    vault.vaultUrl,
    fixedCredential(token),
    emulatorClientOptions(vault, maxRetries),
  );
}
