#!/usr/bin/env node
/**
 * Runs the emulator for local development:
 *   npm start -w @baton-tools/azure-key-vault-emulator -- --port 8443 --seed secrets.json --ca-out kv-ca.pem
 * `--seed` names a JSON file of { "secret-name": "value" }; the self-signed certificate is
 * written to `--ca-out` for your client to trust. Faults: --latency-ms N, --error-rate 0.1,
 * --throttle-rate 0.1. Stops on Ctrl-C.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startAzureKeyVaultEmulator } from './emulator.js';

const DEFAULT_PORT = 8443;

process.on('uncaughtException', (error) => {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
});

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: String(DEFAULT_PORT) },
    host: { type: 'string', default: '127.0.0.1' },
    seed: { type: 'string' },
    'ca-out': { type: 'string', default: join(tmpdir(), 'baton-key-vault-emulator-ca.pem') },
    'latency-ms': { type: 'string' },
    'error-rate': { type: 'string' },
    'throttle-rate': { type: 'string' },
  },
});

const seed = values.seed === undefined ? {} : await readSeed(values.seed);
const vault = await startAzureKeyVaultEmulator({
  port: toNumber('port', values.port),
  host: values.host,
  seed,
  faults: {
    latencyMs: toNumber('latency-ms', values['latency-ms']),
    errorRate: toNumber('error-rate', values['error-rate']),
    throttleRate: toNumber('throttle-rate', values['throttle-rate']),
  },
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
process.once('SIGINT', () => void vault.close());
process.once('SIGTERM', () => void vault.close());

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
