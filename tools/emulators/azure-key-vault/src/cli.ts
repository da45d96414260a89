#!/usr/bin/env node
/**
 * Runs the emulator for local development:
 *   npm start -w @baton-tools/azure-key-vault-emulator -- --port 8443 --seed secrets.json --ca-out kv-ca.pem
 * `--seed` names a JSON file of { "secret-name": "value" }; the self-signed certificate is
 * written to `--ca-out` for your client to trust. Faults: --latency-ms N, --error-rate 0.1,
 * --throttle-rate 0.1. Stops on Ctrl-C.
 */
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  exitOnError,
  FAULT_FLAGS,
  faultsFromFlags,
  nonNegative,
  readSeedFile,
  stopOnSignals,
} from '@baton-tools/emulator-kit';
import { startAzureKeyVaultEmulator } from './emulator.js';

const DEFAULT_PORT = 8443;

exitOnError();

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: String(DEFAULT_PORT) },
    host: { type: 'string', default: '127.0.0.1' },
    seed: { type: 'string' },
    'ca-out': { type: 'string', default: join(tmpdir(), 'baton-key-vault-emulator-ca.pem') },
    ...FAULT_FLAGS,
  },
});

const seed = values.seed === undefined ? {} : await readSeedFile(values.seed);
const vault = await startAzureKeyVaultEmulator({
  port: nonNegative('port', values.port),
  host: values.host,
  seed,
  faults: faultsFromFlags(values),
});
const caPath = resolve(values['ca-out']);
await writeFile(caPath, vault.ca);

process.stdout.write(
  [
    `Azure Key Vault emulator on ${vault.vaultUrl} (${Object.keys(seed).length} secrets seeded)`,
    `Its self-signed certificate: ${caPath}`,
    'Point a SecretClient at it (any TokenCredential; every bearer token is accepted):',
    `  azureKeyVault({ vaultUrl: '${vault.vaultUrl}', versions: 'names', credential,`,
    `    clientOptions: { tlsOptions: { ca: readFileSync('${caPath}', 'utf8') }, disableChallengeResourceVerification: true } })`,
    '',
  ].join('\n'),
);
stopOnSignals(() => vault.close());
