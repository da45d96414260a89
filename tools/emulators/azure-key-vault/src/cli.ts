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
import { emulatorCommand, serveUntilStopped } from '@baton-tools/emulator-kit';
import { startAzureKeyVaultEmulator } from './emulator.js';

const { port, host, seed, faults, flags } = await emulatorCommand(8443, {
  'ca-out': join(tmpdir(), 'baton-key-vault-emulator-ca.pem'),
});
const vault = await startAzureKeyVaultEmulator({ port, host, seed, faults });
const caPath = resolve(flags['ca-out'] as string);
await writeFile(caPath, vault.ca);

serveUntilStopped(
  [
    `Azure Key Vault emulator on ${vault.vaultUrl} (${Object.keys(seed).length} secrets seeded)`,
    `Its self-signed certificate: ${caPath}`,
    'Point a SecretClient at it (any TokenCredential; every bearer token is accepted):',
    `  azureKeyVault({ vaultUrl: '${vault.vaultUrl}', versions: 'names', credential,`,
    `    clientOptions: { tlsOptions: { ca: readFileSync('${caPath}', 'utf8') }, disableChallengeResourceVerification: true } })`,
  ],
  () => vault.close(),
);
