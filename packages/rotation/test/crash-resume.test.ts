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

const users: Record<string, [string, string]> = {};
const registryPath = () => join(dir, 'registry.json');

/** A secret whose v1 logs in as users[0], registered 100 days ago as a database secret: due. */
async function dueSecret(logical: string) {
  const pair = await (database as NonNullable<typeof database>).pair('crash');
  users[logical] = pair.users;
  const source = awsSecretsManager({ client: awsClient(aws), prefix: PREFIX, versions: 'names' });
  await source.put(`${logical}:v1`, pair.v1);
  const admin = createBaton({
    audit: false,
    registry: { store: fileStore({ path: registryPath() }) },
  });
  await admin.register(logical, `${logical}:v1`, { activatedAt: new Date(Date.now() - 100 * DAY) });
  await admin.setRotationPolicy(logical, { type: 'database' });
  await admin.close();
}

/** The scheduled job, for one secret or (without `only`) every due one. */
function job(only?: string, env: Record<string, string> = {}): ChildWorker {
  const config: FixtureConfig = {
    registryPath: registryPath(),
    aws: { endpoint: aws.endpoint, region: aws.region, ...aws.credentials },
    prefix: PREFIX,
  };
  return startWorker(JOB, only === undefined ? [] : [only], {
    env: {
      ROTATION_FIXTURE: JSON.stringify(config),
      ROTATION_USERS: JSON.stringify(users),
      PG_ADMIN_URL: ADMIN_URL,
      ...env,
    },
  });
}

/** The registry and the source as a fresh process sees them. */
async function inspect(logical: string) {
  const source = awsSecretsManager({ client: awsClient(aws), prefix: PREFIX, versions: 'names' });
  const baton = createBaton({
    sources: [defaultsSource({}), source],
    audit: false,
    registry: { store: fileStore({ path: registryPath() }) },
  });
  await baton.ready();
  const entry = baton.status(logical);
  const history = await baton.history({ logical });
  await baton.close();
  const read = (version: number) =>
    source.get({ name: logical, version, ref: `${logical}:v${version}` });
  return { entry, history, read };
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

describe.skipIf(!available)('rotation jobs killed at each step', () => {
  it('killed before the write, after it, after set, after test, after the promotion: one rerun leaves each DB:v2 current, tested in the run that promoted it, with both logins working', async () => {
    const name = (at: string) => `DB_${at.toUpperCase().replace('-', '_')}`;
    for (const { at } of CRASH_POINTS) await dueSecret(name(at));

    // Five jobs, each killed with SIGKILL at its own point of its own secret's rotation.
    const crashed = CRASH_POINTS.map(({ at }) => job(name(at), { ROTATION_CRASH_AT: at }));
    expect(await Promise.all(crashed.map((worker) => worker.exited))).toEqual(
      CRASH_POINTS.map(() => 'SIGKILL'),
    );
    const halfMade: Record<string, string | undefined> = {};
    for (const { at, promoted, written } of CRASH_POINTS) {
      const logical = name(at);
      const state = await inspect(logical);
      expect(state.entry?.currentRef, at).toBe(promoted ? `${logical}:v2` : `${logical}:v1`);
      halfMade[logical] = await state.read(2);
      expect(halfMade[logical] !== undefined, at).toBe(written);
    }

    // The next scheduled run: every secret still due is rotated, the promoted one is not due.
    const rerun = job();
    expect(await rerun.exited, rerun.lines.join('\n')).toBe(0);
    const steps = rerun.lines.filter((line) => line.startsWith('step '));
    for (const { at, promoted, written } of CRASH_POINTS) {
      const logical = name(at);
      const final = await inspect(logical);
      expect(final.entry, at).toMatchObject({
        currentRef: `${logical}:v2`,
        previousRef: `${logical}:v1`,
      });
      expect(
        final.history.filter((record) => record.change === 'promote'),
        at,
      ).toHaveLength(1);
      const v1 = (await final.read(1)) as string;
      const v2 = (await final.read(2)) as string;
      expect(await logIn(v1), at).toBe(true);
      expect(await logIn(v2), at).toBe(true);
      expect(new URL(v2).username, at).toBe(users[logical]?.[1]);
      expect(await final.read(3), at).toBeUndefined();
      const result = results(rerun).find((candidate) => candidate.logical === logical);
      if (promoted) {
        expect(result, at).toBeUndefined();
        expect(
          steps.some((line) => line.endsWith(` ${logical}:v2`)),
          at,
        ).toBe(false);
        continue;
      }
      expect(result, at).toMatchObject({
        status: 'rotated',
        toRef: `${logical}:v2`,
        resumed: written,
      });
      // Tested before it was promoted, in the process that promoted it.
      const tested = steps.indexOf(`step test done ${logical}:v2`);
      expect(tested, at).toBeGreaterThan(-1);
      expect(tested, at).toBeLessThan(steps.indexOf(`step promote start ${logical}:v2`));
      // A version the crashed run wrote is the one promoted: resumed, not replaced.
      if (written) expect(v2, at).toBe(halfMade[logical]);
    }
  }, 120_000);

  it('two jobs at once: the registry lets one promote, the other reports skipped', async () => {
    const logical = 'DB_RACE';
    await dueSecret(logical);
    // The first job stops just before its promotion; the second starts meanwhile, finds the
    // first one's version, sets and tests it, and stops at the same point.
    const first = job(logical, { ROTATION_PAUSE_AT: 'promote:start' });
    await first.waitFor('paused', { timeoutMs: 60_000 });
    const second = job(logical, { ROTATION_PAUSE_AT: 'promote:start' });
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
    const final = await inspect(logical);
    expect(final.entry?.currentRef).toBe(`${logical}:v2`);
    expect(final.history.filter((record) => record.change === 'promote')).toHaveLength(1);
    expect(await logIn((await final.read(2)) as string)).toBe(true);
  }, 120_000);
});
