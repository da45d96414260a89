import {
  type AuditEvent,
  createBaton,
  defaultsSource,
  memoryStore,
  type RegistryStore,
} from '@baton/core';
import { manualClock } from '@baton/core/testing';
import { auditCollector, recordingTelemetry } from '@baton-tools/test-kit';
import { describe, expect, it } from 'vitest';
import {
  type PendingContext,
  type RotationProgress,
  type Rotator,
  randomSecret,
  rotate,
} from '../src/index.js';
import { type MemorySource, memorySource } from './support/memory-source.js';

/**
 * A system that checks a credential (a vendor, a database): `set` makes a value valid there,
 * `test` logs in with it. Every value it accepts stays accepted (the old one keeps working).
 */
function checkedRotator(options: { failSet?: () => boolean; failTest?: () => boolean } = {}) {
  const accepted = new Set<string>();
  const calls: string[] = [];
  let made = 0;
  const rotator: Rotator = {
    create(ctx) {
      calls.push(`create ${ctx.pendingRef}`);
      made++;
      return `made-${made}-${Math.random().toString(36).slice(2)}`;
    },
    set(ctx: PendingContext) {
      calls.push(`set ${ctx.pendingRef}`);
      if (options.failSet?.()) throw new Error('the target is down');
      accepted.add(ctx.pendingValue);
    },
    test(ctx: PendingContext) {
      calls.push(`test ${ctx.pendingRef}`);
      if (options.failTest?.() || !accepted.has(ctx.pendingValue)) {
        throw new Error('login refused');
      }
    },
    finish(ctx: PendingContext) {
      calls.push(`finish ${ctx.pendingRef}`);
    },
  };
  return { rotator, accepted, calls };
}

function setup(options: { store?: RegistryStore; source?: MemorySource } = {}) {
  const clock = manualClock();
  const audit = auditCollector();
  const telemetry = recordingTelemetry();
  const source = options.source ?? memorySource({ values: { 'KEY:v1': 'first-value' } });
  const baton = createBaton({
    sources: [source],
    clock,
    audit: audit.sink,
    telemetry: telemetry.options,
    registry: { store: options.store ?? memoryStore() },
  });
  return { baton, clock, audit, telemetry, source };
}

const rotationEvents = (events: AuditEvent[]) =>
  events
    .filter((event) => event.type === 'rotate' || event.type === 'rotate_failed')
    .map((event) => `${event.type} ${event.reason} ${event.ref}`);

describe('rotate', () => {
  it('creates NAME:vN+1 in the source, sets it, tests it, promotes it, finishes, keeping vN as the backup', async () => {
    const { baton, audit, source, telemetry } = setup();
    await baton.register('KEY', 'KEY:v1');
    const { rotator, calls, accepted } = checkedRotator();
    const steps: string[] = [];
    const onStep = (progress: RotationProgress) => {
      steps.push(`${progress.step} ${progress.phase}`);
    };

    const result = await rotate(baton, 'KEY', { rotator, source, actor: 'cron', onStep });

    expect(result).toEqual({
      status: 'rotated',
      logical: 'KEY',
      fromRef: 'KEY:v1',
      toRef: 'KEY:v2',
      revision: 2,
      resumed: false,
      abandoned: [],
    });
    expect(calls).toEqual(['create KEY:v2', 'set KEY:v2', 'test KEY:v2', 'finish KEY:v2']);
    expect(steps).toEqual([
      'create start',
      'create done',
      'set start',
      'set done',
      'test start',
      'test done',
      'promote start',
      'promote done',
      'finish start',
      'finish done',
    ]);
    expect(source.values.get('KEY:v1')).toBe('first-value');
    expect(accepted.has(source.values.get('KEY:v2') as string)).toBe(true);
    expect(baton.status('KEY')).toMatchObject({ currentRef: 'KEY:v2', previousRef: 'KEY:v1' });
    const [promotion] = await baton.history({ logical: 'KEY' });
    expect(promotion).toMatchObject({
      change: 'promote',
      fromRef: 'KEY:v1',
      toRef: 'KEY:v2',
      actor: 'cron',
    });

    await baton.flush();
    expect(rotationEvents(audit.events)).toEqual([
      'rotate create KEY:v2',
      'rotate set KEY:v2',
      'rotate test KEY:v2',
      'rotate promote KEY:v2',
      'rotate finish KEY:v2',
    ]);
    expect(audit.events.find((event) => event.reason === 'create')).toMatchObject({
      previousRef: 'KEY:v1',
      actor: 'cron',
      source: 'memory',
    });
    expect(audit.events.find((event) => event.reason === 'promote')?.revision).toBe(2);
    expect(await telemetry.points()).toContainEqual({
      name: 'baton.rotation.runs',
      attributes: { 'baton.logical': 'KEY', 'baton.status': 'rotated', 'baton.step': 'finish' },
      value: 1,
    });
  });

  it('leaves the registry untouched when a step before the promotion fails, and says which', async () => {
    const { baton, audit, source, telemetry } = setup();
    await baton.register('KEY', 'KEY:v1');
    const { rotator } = checkedRotator({ failSet: () => true });

    const result = await rotate(baton, 'KEY', { rotator, source });

    expect(result).toMatchObject({
      status: 'failed',
      step: 'set',
      fromRef: 'KEY:v1',
      toRef: 'KEY:v2',
    });
    expect(result.error?.code).toBe('BATON_ROTATION_FAILED');
    expect(result.error?.message).toBe('Rotation of KEY to KEY:v2 failed at set: Error');
    expect(baton.status('KEY')).toMatchObject({ currentRef: 'KEY:v1', revision: 1 });
    expect(await baton.history({ logical: 'KEY' })).toHaveLength(1);
    await baton.flush();
    expect(audit.events.at(-1)).toMatchObject({
      type: 'rotate_failed',
      logical: 'KEY',
      ref: 'KEY:v2',
      previousRef: 'KEY:v1',
      reason: 'set',
      error: 'Error',
    });
    expect(await telemetry.points()).toContainEqual({
      name: 'baton.rotation.runs',
      attributes: { 'baton.logical': 'KEY', 'baton.status': 'failed', 'baton.step': 'set' },
      value: 1,
    });
    expect(source.values.has('KEY:v2')).toBe(true);
  });

  it('resumes the version a failed run left: the rerun sets and tests it again, then promotes it', async () => {
    const { baton, source } = setup();
    await baton.register('KEY', 'KEY:v1');
    let down = true;
    const { rotator, calls } = checkedRotator({ failSet: () => down });
    expect((await rotate(baton, 'KEY', { rotator, source })).status).toBe('failed');
    const written = source.values.get('KEY:v2');

    down = false;
    const rerun = await rotate(baton, 'KEY', { rotator, source });

    expect(rerun).toMatchObject({
      status: 'rotated',
      toRef: 'KEY:v2',
      resumed: true,
      abandoned: [],
    });
    expect(calls).toEqual([
      'create KEY:v2',
      'set KEY:v2',
      'set KEY:v2',
      'test KEY:v2',
      'finish KEY:v2',
    ]);
    expect(source.values.get('KEY:v2')).toBe(written);
    expect(source.writes).toEqual(['KEY:v2']);
  });

  it('rolls back a half-made version that fails its test again, and promotes a fresh one above it', async () => {
    const { baton, source, audit } = setup();
    await baton.register('KEY', 'KEY:v1');
    const broken = new Set<string>();
    const { rotator } = checkedRotator({ failTest: () => broken.size > 0 && broken.has('all') });
    broken.add('all');
    expect(await rotate(baton, 'KEY', { rotator, source })).toMatchObject({
      status: 'failed',
      step: 'test',
    });
    expect(baton.status('KEY')?.currentRef).toBe('KEY:v1');

    // The rerun: the half-made v2 still fails, so it is abandoned and v3 is made and promoted.
    let tests = 0;
    const once = checkedRotator({ failTest: () => tests++ === 0 });
    const rerun = await rotate(baton, 'KEY', { rotator: once.rotator, source });

    expect(rerun).toMatchObject({
      status: 'rotated',
      fromRef: 'KEY:v1',
      toRef: 'KEY:v3',
      resumed: true,
      abandoned: ['KEY:v2'],
    });
    expect(once.calls).toEqual([
      'set KEY:v2',
      'test KEY:v2',
      'create KEY:v3',
      'set KEY:v3',
      'test KEY:v3',
      'finish KEY:v3',
    ]);
    expect(baton.status('KEY')).toMatchObject({ currentRef: 'KEY:v3', previousRef: 'KEY:v1' });
    expect(source.values.has('KEY:v2')).toBe(true);
    await baton.flush();
    expect(rotationEvents(audit.events)).toContain('rotate abandon KEY:v2');
  });

  it('fails at test when the new ref resolves through the chain to another value (a stale environment variable)', async () => {
    const source = memorySource({ values: { 'KEY:v1': 'first-value' } });
    const baton = createBaton({
      sources: [defaultsSource({ KEY_V2: 'left-over' }), source],
      audit: false,
    });
    await baton.register('KEY', 'KEY:v1');

    const result = await rotate(baton, 'KEY', { rotator: randomSecret(), source });

    expect(result).toMatchObject({ status: 'failed', step: 'test' });
    expect(result.error?.message).toContain(
      'KEY:v2 resolves through the Baton\'s sources to another value than source "memory" holds',
    );
    expect(baton.status('KEY')?.currentRef).toBe('KEY:v1');
  });

  it('lets one of two concurrent runs promote; the other reports skipped', async () => {
    const store = memoryStore();
    const source = memorySource({ values: { 'KEY:v1': 'first-value' } });
    const first = setup({ store, source });
    const second = setup({ store, source });
    await first.baton.register('KEY', 'KEY:v1');
    await second.baton.ready();
    const { rotator } = checkedRotator();

    const results = await Promise.all([
      rotate(first.baton, 'KEY', { rotator, source }),
      rotate(second.baton, 'KEY', { rotator, source }),
    ]);

    expect(results.map((result) => result.status).sort()).toEqual(['rotated', 'skipped']);
    const skipped = results.find((result) => result.status === 'skipped');
    expect(skipped).toMatchObject({ step: 'promote', error: { code: 'BATON_CONFLICT' } });
    expect(first.baton.status('KEY')).toMatchObject({ currentRef: 'KEY:v2', revision: 2 });
    expect(
      (await first.baton.history({ logical: 'KEY' })).filter((r) => r.change === 'promote'),
    ).toHaveLength(1);
  });

  it('takes up the version another run wrote first into a check-and-set source', async () => {
    const source = memorySource({ checkAndSet: true, values: { 'KEY:v1': 'first-value' } });
    const { baton } = setup({ source });
    await baton.register('KEY', 'KEY:v1');
    const { rotator, accepted } = checkedRotator();
    const racing: Rotator = {
      ...rotator,
      async create(ctx) {
        // Another run writes the version between this run's look and its write.
        await source.put(ctx.pendingRef, 'written-by-the-other-run');
        return rotator.create(ctx);
      },
    };

    const result = await rotate(baton, 'KEY', { rotator: racing, source });

    expect(result).toMatchObject({ status: 'rotated', toRef: 'KEY:v2', resumed: true });
    expect(accepted.has('written-by-the-other-run')).toBe(true);
    expect(await baton.getSecret('KEY:v2')).toBe('written-by-the-other-run');
  });

  it('does not promote a version that changed in the source after its test: skipped', async () => {
    const { baton, source } = setup();
    await baton.register('KEY', 'KEY:v1');
    const { rotator } = checkedRotator();
    const overwritten: Rotator = {
      ...rotator,
      async test(ctx) {
        await rotator.test(ctx);
        // A concurrent run without check-and-set overwrites the pending version.
        source.values.set(ctx.pendingRef, 'overwritten');
      },
    };

    const result = await rotate(baton, 'KEY', { rotator: overwritten, source });

    expect(result).toMatchObject({
      status: 'skipped',
      step: 'promote',
      error: { code: 'BATON_CONFLICT' },
    });
    expect(baton.status('KEY')?.currentRef).toBe('KEY:v1');
  });

  it('reports a failed finish after the promotion, which stands', async () => {
    const { baton, source, audit } = setup();
    await baton.register('KEY', 'KEY:v1');
    const rotator: Rotator = {
      ...randomSecret(),
      finish() {
        throw new Error('cleanup failed');
      },
    };

    const result = await rotate(baton, 'KEY', { rotator, source });

    expect(result).toMatchObject({
      status: 'rotated',
      step: 'finish',
      toRef: 'KEY:v2',
      revision: 2,
    });
    expect(result.error?.message).toBe('Rotation of KEY to KEY:v2 failed at finish: Error');
    expect(baton.status('KEY')?.currentRef).toBe('KEY:v2');
    await baton.flush();
    expect(rotationEvents(audit.events).slice(-2)).toEqual([
      'rotate promote KEY:v2',
      'rotate_failed finish KEY:v2',
    ]);
  });

  it('fails at create when the rotator answers no secret, or too many unpromoted versions pile up', async () => {
    const { baton, source } = setup();
    await baton.register('KEY', 'KEY:v1');
    const empty: Rotator = { create: () => '', test: () => undefined };
    const result = await rotate(baton, 'KEY', { rotator: empty, source });
    expect(result).toMatchObject({ status: 'failed', step: 'create' });
    expect(result.error?.message).toContain("the rotator's create answered an empty string");

    for (let version = 2; version <= 11; version++) source.values.set(`KEY:v${version}`, 'x');
    const piled = await rotate(baton, 'KEY', { rotator: randomSecret(), source });
    expect(piled).toMatchObject({ status: 'failed', step: 'create' });
    expect(piled.error?.message).toContain(
      'holds 10 versions of KEY above KEY:v1 that were never promoted',
    );
  });

  it('refuses what cannot be rotated with a clear error', async () => {
    const { baton, source } = setup();
    const rotator = randomSecret();
    await expect(rotate(baton, 'NOPE', { rotator, source })).rejects.toMatchObject({
      code: 'BATON_NO_ENTRY',
    });
    await baton.register('PLAIN', 'PLAIN');
    await expect(rotate(baton, 'PLAIN', { rotator, source })).rejects.toThrow(
      'PLAIN cannot be rotated: its current ref PLAIN has no version. Register PLAIN:v1',
    );
    await expect(
      rotate(baton, 'KEY:v2', { rotator: {} as Rotator, source: {} as MemorySource }),
    ).rejects.toMatchObject({
      issues: [
        'rotate: logical must be a secret name such as DB_URL (no version)',
        'rotate: rotator must have create(ctx) and test(ctx) (randomSecret(), postgresRole(), your own)',
        'rotate: source must be a writable source (with get and put), such as awsSecretsManager(…)',
      ],
    });
  });
});
