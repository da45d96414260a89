/**
 * What users of rotation care about, with real processes: an app keeps querying PostgreSQL
 * while postgresRole rotates its credential several times, and a webhook sender keeps
 * delivering to an Express receiver while randomSecret rotates the signing secret. Nothing
 * fails. The counts are printed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBaton, defaultsSource } from '@baton/core';
import { fileStore } from '@baton/core/node';
import { awsSecretsManager } from '@baton/providers-aws';
import {
  type AwsSecretsManagerEmulator,
  startAwsSecretsManagerEmulator,
} from '@baton-tools/aws-secrets-manager-emulator';
import { type ChildWorker, startWorker } from '@baton-tools/test-kit';
import { eventually } from '@baton-tools/test-kit/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresRole, randomSecret, rotate } from '../src/index.js';
import type { FixtureConfig } from './fixtures/environment.js';
import { awsClient } from './support/clouds.js';
import { ADMIN_URL, passwordDatabase } from './support/roles.js';

const ROTATIONS = 4;
const available = ADMIN_URL !== '';
const database = available ? passwordDatabase() : undefined;
let aws: AwsSecretsManagerEmulator;
let dir: string;
const workers: ChildWorker[] = [];

beforeAll(async () => {
  aws = await startAwsSecretsManagerEmulator();
  dir = await mkdtemp(join(tmpdir(), 'baton-rotation-zero-'));
});

afterAll(async () => {
  for (const worker of workers) await worker.stop('SIGKILL');
  await aws?.close();
  await database?.cleanup();
  await rm(dir, { recursive: true, force: true });
});

function environment(name: string) {
  const config: FixtureConfig = {
    registryPath: join(dir, `${name}.json`),
    aws: { endpoint: aws.endpoint, region: aws.region, ...aws.credentials },
    prefix: `${name}/`,
  };
  const source = awsSecretsManager({
    client: awsClient(aws),
    prefix: config.prefix,
    versions: 'names',
  });
  const baton = createBaton({
    sources: [defaultsSource({ PG_ADMIN_URL: ADMIN_URL }), source],
    audit: false,
    registry: { store: fileStore({ path: config.registryPath }) },
  });
  const start = (script: string, args: string[]) => {
    const worker = startWorker(new URL(`./fixtures/${script}`, import.meta.url), args, {
      env: { ROTATION_FIXTURE: JSON.stringify(config) },
    });
    workers.push(worker);
    return worker;
  };
  return { source, baton, start };
}

/** Prints a proof's counts with the test's output. */
function report(line: string): void {
  // biome-ignore lint/suspicious/noConsole: the counts are the point of these tests
  console.info(`[zero downtime] ${line}`);
}

async function summary(worker: ChildWorker): Promise<Record<string, unknown>> {
  worker.send('stop');
  const line = await worker.waitFor(/^summary /, { timeoutMs: 30_000 });
  return JSON.parse(line.slice('summary '.length));
}

describe.skipIf(!available)('zero downtime', () => {
  it(`an app keeps querying through ${ROTATIONS} rotations of its database credential: no query fails`, async () => {
    const { users, v1 } = await (database as NonNullable<typeof database>).pair('app');
    const { source, baton, start } = environment('database');
    await source.put('DB_URL:v1', v1);
    await baton.register('DB_URL', 'DB_URL:v1');
    const rotator = postgresRole({ adminUrl: 'PG_ADMIN_URL', users });

    const app = start('pg-app.ts', ['DB_URL']);
    await app.waitFor('ready', { timeoutMs: 60_000 });
    for (let rotation = 1; rotation <= ROTATIONS; rotation++) {
      const result = await rotate(baton, 'DB_URL', { rotator, source });
      expect(result).toMatchObject({ status: 'rotated', toRef: `DB_URL:v${rotation + 1}` });
      // The app moves over and closes its old pool; the next rotation changes that user's
      // password, so it waits for the user's last connection to go (apps would get a grace
      // window of hours, not this).
      await app.waitFor(`switched DB_URL:v${rotation + 1}`, { from: 0, timeoutMs: 30_000 });
      // Fifty more queries: new logins with the new credential (a connection serves ten).
      await app.waitFor(/^queries /);
      const oldUser = users[(rotation + 1) % 2] as string;
      await eventually(async () => (await database?.connections(oldUser)) === 0);
    }
    const counts = await summary(app);

    report(
      `database: ${counts.queries} queries, ${ROTATIONS} rotations, ${counts.failures} failed, ${counts.authRetries} auth retries`,
    );
    expect(counts).toMatchObject({ failures: 0, errors: [] });
    expect(counts.queries).toBeGreaterThan(ROTATIONS * 10);
    expect([...(counts.users as string[])].sort()).toEqual([...users].sort());
    await baton.close();
  }, 120_000);

  it('a webhook sender keeps delivering to an Express receiver through rotations of the signing secret: none is rejected', async () => {
    const { source, baton, start } = environment('webhook');
    await source.put('WEBHOOK_SECRET:v1', 'whsec-first-version-0123456789abcdef');
    await baton.register('WEBHOOK_SECRET', 'WEBHOOK_SECRET:v1');

    const receiver = start('webhook-receiver.ts', ['WEBHOOK_SECRET']);
    const port = (await receiver.waitFor(/^listening /, { timeoutMs: 60_000 })).split(' ')[1];
    const sender = start('webhook-sender.ts', ['WEBHOOK_SECRET', `http://127.0.0.1:${port}/hook`]);
    await sender.waitFor('signing WEBHOOK_SECRET:v1', { from: 0, timeoutMs: 60_000 });
    const rotations = 3;
    for (let rotation = 1; rotation <= rotations; rotation++) {
      const result = await rotate(baton, 'WEBHOOK_SECRET', { rotator: randomSecret(), source });
      expect(result).toMatchObject({ status: 'rotated', toRef: `WEBHOOK_SECRET:v${rotation + 1}` });
      await sender.waitFor(`signing WEBHOOK_SECRET:v${rotation + 1}`, {
        from: 0,
        timeoutMs: 30_000,
      });
    }
    const sent = await summary(sender);
    const received = await summary(receiver);

    report(
      `webhooks: ${sent.deliveries} deliveries, ${rotations} rotations, ${sent.rejected} rejected`,
    );
    expect(sent.rejected).toBe(0);
    expect(sent.deliveries).toBeGreaterThan(rotations * 10);
    const accepted = received.accepted as Record<string, number>;
    expect(Object.keys(accepted).sort()).toEqual([
      'WEBHOOK_SECRET:v1',
      'WEBHOOK_SECRET:v2',
      'WEBHOOK_SECRET:v3',
      'WEBHOOK_SECRET:v4',
    ]);
    expect(Object.values(accepted).reduce((sum, count) => sum + count, 0)).toBe(sent.deliveries);
    await baton.close();
  }, 120_000);
});
