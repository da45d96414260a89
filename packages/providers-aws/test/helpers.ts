import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { AwsSecretsManagerEmulator } from '@baton-tools/aws-secrets-manager-emulator';

/** A real SDK client pointed at the emulator, as a user would configure one for LocalStack. */
export function clientFor(
  emulator: AwsSecretsManagerEmulator,
  options: { maxAttempts?: number; accessKeyId?: string } = {},
): SecretsManagerClient {
  return new SecretsManagerClient({
    endpoint: emulator.endpoint,
    region: emulator.region,
    credentials: {
      accessKeyId: options.accessKeyId ?? emulator.credentials.accessKeyId,
      secretAccessKey: emulator.credentials.secretAccessKey,
    },
    maxAttempts: options.maxAttempts ?? 3,
  });
}
