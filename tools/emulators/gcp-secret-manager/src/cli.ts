#!/usr/bin/env node
/**
 * Runs the emulator for local development:
 *   npm start -w @baton-tools/gcp-secret-manager-emulator -- --port 8099 --project my-proj --seed secrets.json
 * `--seed` names a JSON file of { "SECRET_ID": "value" } (one version each). Faults:
 * --latency-ms N, --error-rate 0.1 (UNAVAILABLE), --throttle-rate 0.1 (RESOURCE_EXHAUSTED).
 * Stops on Ctrl-C.
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
import { startGcpSecretManagerEmulator } from './emulator.js';

const DEFAULT_PORT = 8099;

exitOnError();

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: String(DEFAULT_PORT) },
    host: { type: 'string', default: '127.0.0.1' },
    project: { type: 'string', default: 'baton-emulator' },
    seed: { type: 'string' },
    ...FAULT_FLAGS,
  },
});

const seed = values.seed === undefined ? {} : await readSeedFile(values.seed);
const emulator = await startGcpSecretManagerEmulator({
  port: nonNegative('port', values.port),
  host: values.host,
  project: values.project,
  seed,
  faults: faultsFromFlags(values),
});

process.stdout.write(
  [
    `GCP Secret Manager emulator on ${emulator.endpoint}, project ${emulator.project} (${Object.keys(seed).length} secrets seeded)`,
    'Point the client at it (any bearer token is accepted):',
    `  new SecretManagerServiceClient({ fallback: true, protocol: 'http', apiEndpoint: '${emulator.apiEndpoint}', port: ${emulator.port}, authClient })`,
    `  gcpSecretManager({ projectId: '${emulator.project}', client })`,
    '',
  ].join('\n'),
);
stopOnSignals(() => emulator.close());
