/**
 * The secrets API service. `npm run api` (at the repository root) serves it; the same entry
 * runs its maintenance commands:
 *
 *   npm run api                          serve (prints `listening on http://HOST:PORT`)
 *   npm run api -- reencrypt             move every version to the current encryption key
 *   npm run api -- promote-key NAME:vN   make NAME:vN the encryption key (all replicas)
 *
 * Configuration comes from the environment (see config.ts). JSON log lines go to stdout;
 * lines for people go to stderr. Exit codes: 0 done, 1 a failure, 2 configuration.
 */
import { type Baton, BatonError, ConfigError, createBaton, envSource } from '@baton/core';
import { dotenvSource } from '@baton/core/node';
import { postgresStore } from '@baton/registry-postgres';
import { createSecretsService, EncryptionKeyError } from '@baton/server';
import { type ApiConfig, readConfig } from './config.js';

const USAGE = 'usage: npm run api [-- reencrypt | promote-key NAME:vN]';

function fail(error: unknown): never {
  const configuration = error instanceof ConfigError || error instanceof EncryptionKeyError;
  const message = error instanceof BatonError ? error.message : describe(error);
  process.stderr.write(`secrets-api: ${message}\n`);
  process.exit(configuration ? 2 : 1);
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${error.name} (${code})` : error.name;
}

/**
 * The Baton that holds the encryption key: refs resolve through the environment and `.env`,
 * and the key's registry entry lives beside the secrets, so every replica encrypts with the
 * same current ref. The first start registers `NAME:v1`.
 */
async function keyBaton(config: ApiConfig): Promise<Baton> {
  const baton = createBaton({
    sources: [envSource(), dotenvSource({ path: '.env' })],
    registry: {
      store: postgresStore({ connectionString: config.databaseUrl, schema: config.schema }),
    },
  });
  await baton.ready();
  if (baton.status(config.keyLogical) === undefined) {
    await baton.register(config.keyLogical, `${config.keyLogical}:v1`, { actor: 'secrets-api' });
  }
  return baton;
}

const [command = 'serve', ...args] = process.argv.slice(2);
if (!['serve', 'reencrypt', 'promote-key'].includes(command)) {
  process.stderr.write(`secrets-api: unknown command ${command}\n${USAGE}\n`);
  process.exit(2);
}

let config: ApiConfig;
let baton: Baton;
try {
  config = readConfig(process.env);
  baton = await keyBaton(config);
} catch (error) {
  fail(error);
}

const service = createSecretsService({
  connectionString: config.databaseUrl,
  schema: config.schema,
  auth: { jwksUrl: config.jwksUrl, issuer: config.issuer, audience: config.audience },
  baton,
  keyLogical: config.keyLogical,
  validation: config.validation,
  webhooks: config.webhooks,
});

if (command === 'promote-key') {
  const [ref] = args;
  if (ref === undefined) {
    process.stderr.write(`secrets-api: promote-key needs the new key's ref\n${USAGE}\n`);
    process.exit(2);
  }
  try {
    // Resolve and check the new key before any replica encrypts with it.
    await baton.getSecret(ref);
    const result = await baton.promote(config.keyLogical, ref, { actor: 'secrets-api' });
    process.stderr.write(
      `secrets-api: ${result.currentRef} encrypts new versions; run reencrypt to move the old ones\n`,
    );
  } catch (error) {
    fail(error);
  } finally {
    await service.close();
    await baton.close();
  }
  process.exit(0);
}

if (command === 'reencrypt') {
  try {
    const { moved, failed, keyRef } = await service.reencrypt();
    process.stderr.write(
      `secrets-api: ${moved} versions moved to ${keyRef}${failed > 0 ? `, ${failed} could not be decrypted (their key no longer resolves)` : ''}\n`,
    );
    await service.close();
    await baton.close();
    process.exit(failed > 0 ? 1 : 0);
  } catch (error) {
    fail(error);
  }
}

try {
  const { url } = await service.listen({ port: config.port, host: config.host });
  process.stderr.write(`listening on ${url}\n`);
} catch (error) {
  fail(error);
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void service
      .close()
      .then(() => baton.close())
      .finally(() => process.exit(0));
  });
}
