#!/usr/bin/env node
/**
 * Runs the emulator for local development:
 *   npm start -w @baton-tools/gcp-secret-manager-emulator -- --port 8099 --project my-proj --seed secrets.json
 * `--seed` names a JSON file of { "SECRET_ID": "value" } (one version each). Faults:
 * --latency-ms N, --error-rate 0.1 (UNAVAILABLE), --throttle-rate 0.1 (RESOURCE_EXHAUSTED).
 * Stops on Ctrl-C.
 */
import { emulatorCommand, serveUntilStopped } from '@baton-tools/emulator-kit';
import { startGcpSecretManagerEmulator } from './emulator.js';

const { port, host, seed, faults, flags } = await emulatorCommand(8099, {
  project: 'baton-emulator',
});
const emulator = await startGcpSecretManagerEmulator({
  port,
  host,
  project: flags.project,
  seed,
  faults,
});

serveUntilStopped(
  [
    `GCP Secret Manager emulator on ${emulator.endpoint}, project ${emulator.project} (${Object.keys(seed).length} secrets seeded)`,
    'Point the client at it (any bearer token is accepted):',
    `  new SecretManagerServiceClient({ fallback: true, protocol: 'http', apiEndpoint: '${emulator.apiEndpoint}', port: ${emulator.port}, authClient })`,
    `  gcpSecretManager({ projectId: '${emulator.project}', client })`,
  ],
  () => emulator.close(),
);
