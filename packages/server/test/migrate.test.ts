import { type Issuer, startIssuer } from '@baton-tools/test-kit/jwks';
import { postgresAvailable } from '@baton-tools/test-kit/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminDatabase, type RunningService, startService } from './support/service.js';

const available = await postgresAvailable();
const admin = adminDatabase();
let issuer: Issuer;

beforeAll(async () => {
  if (available) issuer = await startIssuer();
});

afterAll(async () => {
  await issuer?.close();
  await admin.cleanup();
});

describe.skipIf(!available)('replicas starting together', () => {
  it('all create their tables on a fresh schema, none fails on another’s half-made one', async () => {
    for (let round = 0; round < 5; round++) {
      const schema = admin.schema('secrets_start');
      const started = await Promise.allSettled(
        Array.from({ length: 6 }, () => startService(issuer, schema)),
      );
      const services = started.flatMap((result) =>
        result.status === 'fulfilled' ? [result.value] : [],
      );
      const ready = await Promise.allSettled(services.map(({ service }) => service.ready()));
      await Promise.all(services.map((running: RunningService) => running.close()));
      expect(started.map((result) => result.status)).toEqual(Array(6).fill('fulfilled'));
      expect(ready.map((result) => result.status)).toEqual(Array(6).fill('fulfilled'));
    }
  }, 60_000);
});
