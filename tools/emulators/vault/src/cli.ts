#!/usr/bin/env node
/**
 * Runs the emulator for local development:
 *   npm start -w @baton-tools/vault-emulator -- --port 8200 --root-token root --seed secrets.json
 * `--seed` names a JSON file of { "path/in/secret": "value" } (field `value` of mount
 * `secret`). Faults: --latency-ms N, --error-rate 0.1 (500), --throttle-rate 0.1 (429).
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
import { startVaultEmulator } from './emulator.js';

const DEFAULT_PORT = 8200;

exitOnError();

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: String(DEFAULT_PORT) },
    host: { type: 'string', default: '127.0.0.1' },
    'root-token': { type: 'string', default: 'root' },
    seed: { type: 'string' },
    ...FAULT_FLAGS,
  },
});

const seed = values.seed === undefined ? {} : await readSeedFile(values.seed);
const vault = await startVaultEmulator({
  port: nonNegative('port', values.port),
  host: values.host,
  rootToken: values['root-token'],
  seed,
  faults: faultsFromFlags(values),
});

process.stdout.write(
  [
    `Vault emulator on ${vault.address} (${Object.keys(seed).length} secrets seeded in mount "secret")`,
    'Point Vault clients at it:',
    `  export VAULT_ADDR=${vault.address}`,
    `  export VAULT_TOKEN=${vault.rootToken}`,
    `  vaultKv({ address: '${vault.address}', auth: vaultToken(process.env.VAULT_TOKEN) })`,
    '',
  ].join('\n'),
);
stopOnSignals(() => vault.close());
