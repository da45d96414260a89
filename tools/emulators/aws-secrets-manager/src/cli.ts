#!/usr/bin/env node
/**
 * Runs the emulator for local development:
 *   npm start -w @baton-tools/aws-secrets-manager-emulator -- --port 4510 --seed secrets.json
 * `--seed` names a JSON file of { "secret-name": "value" }. Faults: --latency-ms N,
 * --error-rate 0.1, --throttle-rate 0.1. Stops on Ctrl-C.
 */
import { emulatorCommand, serveUntilStopped } from '@baton-tools/emulator-kit';
import { startAwsSecretsManagerEmulator } from './emulator.js';

const { port, host, seed, faults, flags } = await emulatorCommand(4510, { region: 'us-east-1' });
const emulator = await startAwsSecretsManagerEmulator({
  port,
  host,
  region: flags.region,
  seed,
  faults,
});

serveUntilStopped(
  [
    `AWS Secrets Manager emulator on ${emulator.endpoint} (${Object.keys(seed).length} secrets seeded)`,
    'Point the AWS SDK at it:',
    `  export AWS_ENDPOINT_URL_SECRETS_MANAGER=${emulator.endpoint}`,
    `  export AWS_REGION=${emulator.region}`,
    `  export AWS_ACCESS_KEY_ID=${emulator.credentials.accessKeyId}`,
    `  export AWS_SECRET_ACCESS_KEY=${emulator.credentials.secretAccessKey}`,
  ],
  () => emulator.close(),
);
