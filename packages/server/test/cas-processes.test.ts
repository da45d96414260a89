import { type ChildWorker, startWorker } from '@baton-tools/test-kit';
import { type Issuer, startIssuer } from '@baton-tools/test-kit/jwks';
import { adminDatabase, DATABASE_URL, postgresAvailable } from '@baton-tools/test-kit/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyBaton, newKey, type RunningService, startService } from './support/service.js';

const available = await postgresAvailable();
const admin = adminDatabase();
const REPLICAS = 3;
const TARGET = 40;
let issuer: Issuer;
let api: RunningService;
const workers: ChildWorker[] = [];

beforeAll(async () => {
  if (!available) return;
  issuer = await startIssuer();
  const schema = admin.schema('secrets_cas');
  const key = newKey();
  const token = await issuer.token({ sub: 'racer', scope: 'secrets:read secrets:write' });
  for (let i = 0; i < REPLICAS; i++) {
    workers.push(
      startWorker(new URL('./fixtures/cas-replica.ts', import.meta.url), [
        DATABASE_URL,
        schema,
        issuer.jwksUrl,
        key,
        token,
      ]),
    );
  }
  await Promise.all(workers.map((worker) => worker.waitFor('ready', { timeoutMs: 30_000 })));
  api = await startService(issuer, schema, { baton: await keyBaton({ SECRETS_API_KEY_V1: key }) });
}, 60_000);

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop()));
  await api?.close();
  await issuer?.close();
  await admin.cleanup();
});

describe.skipIf(!available)('check-and-set across replicas in separate processes', () => {
  it('lets exactly one writer win each version, and stores the winner’s data under it', async () => {
    for (const worker of workers) worker.send(`go race/counter ${TARGET}`);
    const results = (
      await Promise.all(workers.map((worker) => worker.waitFor(/^\{/, { timeoutMs: 60_000 })))
    ).map((line) => JSON.parse(line) as { pid: number; won: number[]; conflicts: number });

    const wins = results.flatMap((result) => result.won).sort((a, b) => a - b);
    expect(wins).toEqual(Array.from({ length: TARGET }, (_, index) => index + 1));
    // The race was real: several processes won versions, and some writes lost.
    expect(results.filter((result) => result.won.length > 0).length).toBeGreaterThan(1);
    expect(results.reduce((sum, result) => sum + result.conflicts, 0)).toBeGreaterThan(0);

    const token = await issuer.token({ scope: 'secrets:read' });
    const history = (await (
      await fetch(`${api.url}/secrets/race/counter/versions`, {
        headers: { authorization: `Bearer ${token}` },
      })
    ).json()) as { version: number }[];
    expect(history.map((entry) => entry.version)).toEqual(wins);
    const winnerOf = new Map(
      results.flatMap((result) => result.won.map((version) => [version, String(result.pid)])),
    );
    for (const version of [1, 17, 29, TARGET]) {
      const read = (await (
        await fetch(`${api.url}/secrets/race/counter?version=${version}`, {
          headers: { authorization: `Bearer ${token}` },
        })
      ).json()) as { data: { writer: string } };
      expect(read.data.writer).toBe(winnerOf.get(version));
    }
  });
});
