#!/usr/bin/env node
/**
 * Runs the emulator for local development:
 *   npm start -w @baton-tools/aws-secrets-manager-emulator -- --port 4510 --seed secrets.json
 * `--seed` names a JSON file of { "secret-name": "value" }. Faults: --latency-ms N,
 * --error-rate 0.1, --throttle-rate 0.1. Stops on Ctrl-C.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startAwsSecretsManagerEmulator } from './emulator.js';

const DEFAULT_PORT = 4510;

process.on('uncaughtException', (error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: String(DEFAULT_PORT) },
    host: { type: 'string', default: '127.0.0.1' },
    region: { type: 'string', default: 'us-east-1' },
    seed: { type: 'string' },
    'latency-ms': { type: 'string' },
    'error-rate': { type: 'string' },
    'throttle-rate': { type: 'string' },
  },
});

const seed = values.seed === undefined ? {} : await readSeed(values.seed);
const emulator = await startAwsSecretsManagerEmulator({
  port: toNumber('port', values.port),
  host: values.host,
  region: values.region,
  seed,
  faults: {
    latencyMs: toNumber('latency-ms', values['latency-ms']),
    errorRate: toNumber('error-rate', values['error-rate']),
    throttleRate: toNumber('throttle-rate', values['throttle-rate']),
  },
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
process.once('SIGINT', () => void emulator.close());
process.once('SIGTERM', () => void emulator.close());

async function readSeed(path: string): Promise<Record<string, string>> {
  const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
  if (
    parsed === null ||
    typeof parsed !== 'object' ||
    Object.values(parsed).some((value) => typeof value !== 'string')
  ) {
    throw new Error(`${path} must hold a JSON object of secret names to string values`);
  }
  return parsed as Record<string, string>;
}

function toNumber(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`--${flag} needs a non-negative number`);
  return value;
}
