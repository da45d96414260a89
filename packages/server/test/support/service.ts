/**
 * A secrets service for a test: a real PostgreSQL schema of its own, a local issuer, an
 * encryption key in a Baton, listening on an ephemeral port, its log lines collected.
 */
import { randomBytes } from 'node:crypto';
import { type Baton, createBaton, defaultsSource } from '@baton/core';
import { AUDIENCE, ISSUER, type Issuer } from '@baton-tools/test-kit/jwks';
import { adminDatabase, DATABASE_URL } from '@baton-tools/test-kit/postgres';
import {
  createSecretsService,
  type LogRecord,
  type SecretsService,
  type SecretsServiceOptions,
} from '../../src/index.js';

export function newKey(): string {
  return randomBytes(32).toString('base64');
}

/** A Baton holding the encryption key `SECRETS_API_KEY:v1` (and any extra values). */
export async function keyBaton(values: Record<string, string> = {}): Promise<Baton> {
  const baton = createBaton({
    sources: [defaultsSource({ SECRETS_API_KEY_V1: newKey(), ...values })],
    audit: false,
  });
  await baton.register('SECRETS_API_KEY', 'SECRETS_API_KEY:v1');
  return baton;
}

export interface RunningService {
  service: SecretsService;
  url: string;
  logs: LogRecord[];
  baton: Baton;
  close(): Promise<void>;
}

export async function startService(
  issuer: Issuer,
  schema: string,
  options: Partial<SecretsServiceOptions> = {},
  port = 0,
): Promise<RunningService> {
  const baton = options.baton ?? (await keyBaton());
  const logs: LogRecord[] = [];
  const service = createSecretsService({
    connectionString: DATABASE_URL,
    schema,
    auth: { jwksUrl: issuer.jwksUrl, issuer: ISSUER, audience: AUDIENCE },
    log: (record) => logs.push(record),
    ...options,
    baton,
  });
  const { url } = await service.listen({ port });
  return { service, url, logs, baton, close: () => service.close() };
}

export { adminDatabase };
