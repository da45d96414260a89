/**
 * A scheduled rotation job (its own process, as `baton rotate --due` is) killed with SIGKILL at
 * each point of a rotation, then run again: the rerun resumes the half-made version (or finds
 * nothing due when the promotion had happened), never promotes a version it has not tested in
 * the same process, and leaves both logins working. Then two jobs at once: one promotes.
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
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FixtureConfig } from './fixtures/environment.js';
import { awsClient } from './support/clouds.js';
import { ADMIN_URL, logIn, passwordDatabase } from './support/roles.js';

const available = ADMIN_URL !== '';
const database = available ? passwordDatabase() : undefined;
const JOB = new URL('./fixtures/scheduled-rotation.ts', import.meta.url);
const PREFIX = 'crash/';
const DAY = 86_400_000;
let aws: AwsSecretsManagerEmulator;
let dir: string;

beforeAll(async () => {
  aws = await startAwsSecretsManagerEmulator();
  dir = await mkdtemp(join(tmpdir(), 'baton-rotation-crash-'));
});

afterAll(async () => {
  await aws?.close();
  await database?.cleanup();
  await rm(dir, { recursive: true, force: true });
});

/** A secret whose v1 logs in as users[0], registered 100 days ago as a database secret: due. */
async function dueSecret(logical: string) {
  const { users, v1 } = await (database as NonNullable<typeof database>).pair('crash');
  const registryPath = join(dir, `${logical}.json`);
  const source = awsSecretsManager({ client: awsClient(aws), prefix: PREFIX, versions: 'names' });
  await source.put(`${logical}:v1`, v1);
  const admin = createBaton({
    audit: false,
    registry: { store: fileStore({ path: registryPath }) },
  });
  await admin.register(logical, `${logical}:v1`, { activatedAt: new Date(Date.now() - 100 * DAY) });
  await admin.setRotationPolicy(logical, { type: 'database' });
  await admin.close();
  const config: FixtureConfig = {
    registryPath,
    aws: { endpoint: aws.endpoint, region: aws.region, ...aws.credentials },
    prefix: PREFIX,
  };
  const job = (env: Record<string, string> = {}): ChildWorker =>
    startWorker(JOB, users, {
      env: { ROTATION_FIXTURE: JSON.stringify(config), PG_ADMIN_URL: ADMIN_URL, ...env },
    });
  /** The registry and the source as a fresh process sees them. */
  const inspect = async () => {
    const baton = createBaton({
      sources: [defaultsSource({}), source],
      audit: false,
      registry: { store: fileStore({ path: registryPath }) },
    });
    await baton.ready();
    const entry = baton.status(logical);
    const history = await baton.history({ logical });
    const read = async (version: number) =>
      source.get({ name: logical, version, ref: `${logical}:v${version}` });
    await baton.close();
    return { entry, history, read };
  };
  return { users, job, inspect };
}

/** The results a job printed. */
const results = (worker: ChildWorker) =>
  worker.lines
    .filter((line) => line.startsWith('result '))
    .map((line) => JSON.parse(line.slice('result '.length)) as Record<string, unknown>);

const CRASH_POINTS = [
  { at: 'before-write', promoted: false, written: false },
  { at: 'after-write', promoted: false, written: true },
  { at: 'after-set', promoted: false, written: true },
  { at: 'after-test', promoted: false, written: true },
  { at: 'after-promote', promoted: true, written: true },
] as const;

describe.skipIf(!available)('a rotation job killed at each step, then run again', () => {
  it.concurrent.each(CRASH_POINTS)(
    'killed $at: the rerun leaves DB:v2 current, tested in the run that promoted it, and both logins working',
    async ({ at, promoted, written }) => {
      const logical = `DB_${at.toUpperCase().replace('-', '_')}`;
      const secret = await dueSecret(logical);

      const crashed = secret.job({ ROTATION_CRASH_AT: at });
      expect(await crashed.exited).toBe('SIGKILL');
      const afterCrash = await secret.inspect();
      expect(afterCrash.entry?.currentRef).toBe(promoted ? `${logical}:v2` : `${logical}:v1`);
      const halfMade = await afterCrash.read(2);
      expect(halfMade !== undefined).toBe(written);

      const rerun = secret.job();
      expect(await rerun.exited, rerun.lines.join('\n')).toBe(0);

      const final = await secret.inspect();
      expect(final.entry).toMatchObject({
        currentRef: `${logical}:v2`,
        previousRef: `${logical}:v1`,
      });
      expect(final.history.filter((record) => record.change === 'promote')).toHaveLength(1);
      const v1 = (await final.read(1)) as string;
      const v2 = (await final.read(2)) as string;
      expect(await logIn(v1)).toBe(true);
      expect(await logIn(v2)).toBe(true);
      expect(new URL(v2).username).toBe(secret.users[1]);
      expect(await final.read(3)).toBeUndefined();

      if (promoted) {
        expect(rerun.lines).toContain('nothing due');
        return;
      }
      // The rerun tested v2 before it promoted it, in its own process.
      const steps = rerun.lines.filter((line) => line.startsWith('step '));
      expect(steps.indexOf(`step test done ${logical}:v2`)).toBeGreaterThan(-1);
      expect(steps.indexOf(`step test done ${logical}:v2`)).toBeLessThan(
        steps.indexOf(`step promote start ${logical}:v2`),
      );
      expect(results(rerun)).toEqual([
        expect.objectContaining({ status: 'rotated', toRef: `${logical}:v2`, resumed: written }),
      ]);
      // A version the crashed run wrote is the one promoted: resumed, not replaced.
      if (written) expect(v2).toBe(halfMade);
    },
    90_000,
  );

  it('two jobs at once: the registry lets one promote, the other reports skipped', async () => {
    const logical = 'DB_RACE';
    const secret = await dueSecret(logical);
    // The first job stops just before its promotion; the second starts meanwhile, finds the
    // first one's version, sets and tests it, and stops at the same point.
    const first = secret.job({ ROTATION_PAUSE_AT: 'promote:start' });
    await first.waitFor('paused', { timeoutMs: 60_000 });
    const second = secret.job({ ROTATION_PAUSE_AT: 'promote:start' });
    await second.waitFor('paused', { timeoutMs: 60_000 });
    first.send('go');
    second.send('go');
    expect(await first.exited).toBe(0);
    expect(await second.exited).toBe(0);

    const outcomes = [...results(first), ...results(second)];
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['rotated', 'skipped']);
    expect(outcomes.find((outcome) => outcome.status === 'skipped')).toMatchObject({
      step: 'promote',
      toRef: `${logical}:v2`,
    });
    const final = await secret.inspect();
    expect(final.entry?.currentRef).toBe(`${logical}:v2`);
    expect(final.history.filter((record) => record.change === 'promote')).toHaveLength(1);
    expect(await logIn((await final.read(2)) as string)).toBe(true);
  }, 120_000);
});
