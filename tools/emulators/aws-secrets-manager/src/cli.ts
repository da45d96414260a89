#!/usr/bin/env node
/**
 * Runs the emulator for local development:
 *   npm start -w @baton-tools/aws-secrets-manager-emulator -- --port 4510 --seed secrets.json
 * `--seed` names a JSON file of { "secret-name": "value" }. Faults: --latency-ms N,
 * --error-rate 0.1, --throttle-rate 0.1. Stops on Ctrl-C.
 */
import { parseArgs } from 'node:util';
import {
  exitOnError,
  FAULT_FLAGS,
  faultsFromFlags,
  nonNegative,
  readSeedFile,
  stopOnSignals,
} from '@baton-tools/emulator-kit';
import { startAwsSecretsManagerEmulator } from './emulator.js';

const DEFAULT_PORT = 4510;

exitOnError();

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: String(DEFAULT_PORT) },
    host: { type: 'string', default: '127.0.0.1' },
    region: { type: 'string', default: 'us-east-1' },
    seed: { type: 'string' },
    ...FAULT_FLAGS,
  },
});

const seed = values.seed === undefined ? {} : await readSeedFile(values.seed);
const emulator = await startAwsSecretsManagerEmulator({
  port: nonNegative('port', values.port),
  host: values.host,
  region: values.region,
  seed,
  faults: faultsFromFlags(values),
});

process.stdout.write(
  [
    `AWS Secrets Manager emulator on ${emulator.endpoint} (${Object.keys(seed).length} secrets seeded)`,
    'Point the AWS SDK at it:',
    `  export AWS_ENDPOINT_URL_SECRETS_MANAGER=${emulator.endpoint}`,
    `  export AWS_REGION=${emulator.region}`,
    `  export AWS_ACCESS_KEY_ID=${emulator.credentials.accessKeyId}`,
    `  export AWS_SECRET_ACCESS_KEY=${emulator.credentials.secretAccessKey}`,
    '',
  ].join('\n'),
);
stopOnSignals(() => emulator.close());
