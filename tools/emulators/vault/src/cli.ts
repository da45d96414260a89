#!/usr/bin/env node
/**
 * Runs the emulator for local development:
 *   npm start -w @baton-tools/vault-emulator -- --port 8200 --root-token root --seed secrets.json
 * `--seed` names a JSON file of { "path/in/secret": "value" } (field `value` of mount
 * `secret`). Faults: --latency-ms N, --error-rate 0.1 (500), --throttle-rate 0.1 (429).
 * Stops on Ctrl-C.
 */
import { emulatorCommand, serveUntilStopped } from '@baton-tools/emulator-kit';
import { startVaultEmulator } from './emulator.js';

const { port, host, seed, faults, flags } = await emulatorCommand(8200, { 'root-token': 'root' });
const vault = await startVaultEmulator({
  port,
  host,
  rootToken: flags['root-token'],
  seed,
  faults,
});

serveUntilStopped(
  [
    `Vault emulator on ${vault.address} (${Object.keys(seed).length} secrets seeded in mount "secret")`,
    'Point Vault clients at it:',
    `  export VAULT_ADDR=${vault.address}`,
    `  export VAULT_TOKEN=${vault.rootToken}`,
    `  vaultKv({ address: '${vault.address}', auth: vaultToken(process.env.VAULT_TOKEN) })`,
  ],
  () => vault.close(),
);
