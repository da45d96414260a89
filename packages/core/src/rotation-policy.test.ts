import { auditCollector, recordingTelemetry } from '@baton-tools/test-kit';
import { describe, expect, it } from 'vitest';
import { createBaton } from './baton.js';
import { ConfigError, NoEntryError, RegistryConflictError } from './errors.js';
import { memoryStore } from './memory-store.js';
import { ROTATION_PERIOD_DAYS, rotationPolicyProblem, SECRET_TYPES } from './rotation-policy.js';
import { manualClock } from './testing/manual-clock.js';

const DAY = 86_400_000;

function setup() {
  const clock = manualClock(Date.UTC(2030, 0, 1));
  const audit = auditCollector();
  const store = memoryStore();
  const baton = createBaton({ sources: [], clock, audit: audit.sink, registry: { store } });
  return { baton, clock, audit, store };
}

describe('rotation policies', () => {
  it("default to seed 002's schedule: database 90 days, API keys 30, JWT and encryption keys 180, OAuth 30", () => {
    expect(ROTATION_PERIOD_DAYS).toEqual({
      database: 90,
      'api-key': 30,
      jwt: 180,
      'encryption-key': 180,
      oauth: 30,
    });
    expect(SECRET_TYPES).toEqual(['database', 'api-key', 'jwt', 'encryption-key', 'oauth']);
  });

  it('are kept in the registry entry, with history and an audit event', async () => {
    const { baton, audit } = setup();
    await baton.register('DB_URL', 'DB_URL:v1');
    const entry = await baton.setRotationPolicy(
      'DB_URL',
      { type: 'database' },
      { actor: 'ops', expectedRevision: 1 },
    );
    expect(entry).toMatchObject({
      currentRef: 'DB_URL:v1',
      revision: 2,
      rotation: { type: 'database' },
    });
    const [latest] = await baton.history({ logical: 'DB_URL' });
    expect(latest).toMatchObject({ change: 'policy', actor: 'ops', revision: 2 });
    await baton.flush();
    expect(audit.events.at(-1)).toMatchObject({
      type: 'policy',
      logical: 'DB_URL',
      actor: 'ops',
      reason: 'database, every 90 days',
      revision: 2,
    });
  });

  it('survive promotions, retirements and re-registrations; only a policy change clears them', async () => {
    const { baton, clock } = setup();
    await baton.register('K', 'K:v1');
    await baton.setRotationPolicy('K', { type: 'api-key', periodDays: 7 });
    await baton.promote('K', 'K:v2');
    expect(baton.status('K')?.rotation).toEqual({ type: 'api-key', periodDays: 7 });
    clock.advance(2 * DAY);
    await baton.retirePrevious('K');
    await baton.register('K', 'K:v9', { previousRef: 'K:v8' });
    expect(baton.status('K')?.rotation).toEqual({ type: 'api-key', periodDays: 7 });
    const cleared = await baton.setRotationPolicy('K', undefined);
    expect(cleared.rotation).toBeUndefined();
    expect(baton.status('K')?.overdue).toBe(false);
  });

  it('are a no-op when unchanged, and a compare-and-set with expectedRevision', async () => {
    const { baton } = setup();
    await baton.register('K', 'K:v1');
    await baton.setRotationPolicy('K', { type: 'jwt' });
    const again = await baton.setRotationPolicy('K', { type: 'jwt' });
    expect(again.revision).toBe(2);
    await expect(
      baton.setRotationPolicy('K', { type: 'oauth' }, { expectedRevision: 1 }),
    ).rejects.toThrow(RegistryConflictError);
  });

  it('need a registered secret and a known type with a whole number of days', async () => {
    const { baton } = setup();
    await expect(baton.setRotationPolicy('NOPE', { type: 'jwt' })).rejects.toThrow(NoEntryError);
    await baton.register('K', 'K:v1');
    const bad = [
      { type: 'password' },
      { type: 'jwt', periodDays: 0 },
      { type: 'jwt', periodDays: 1.5 },
      { type: 'jwt', periodDays: 40_000 },
    ];
    for (const policy of bad) {
      await expect(baton.setRotationPolicy('K', policy as never)).rejects.toThrow(ConfigError);
    }
    expect(rotationPolicyProblem({ type: 'password' })).toBe(
      'type must be one of database, api-key, jwt, encryption-key, oauth',
    );
  });

  it('give status the age, the due date and overdue of the current ref', async () => {
    const { baton, clock } = setup();
    await baton.register('DB_URL', 'DB_URL:v1');
    await baton.register('HOOK', 'HOOK:v1');
    await baton.setRotationPolicy('DB_URL', { type: 'database' });
    const start = clock();
    clock.advance(89 * DAY);
    expect(baton.status('DB_URL')).toMatchObject({
      ageMs: 89 * DAY,
      dueAt: new Date(start + 90 * DAY),
      overdue: false,
    });
    expect(baton.status('HOOK')).toMatchObject({ ageMs: 89 * DAY, overdue: false });
    expect(baton.status('HOOK')?.dueAt).toBeUndefined();
    clock.advance(DAY);
    expect(baton.status('DB_URL')?.overdue).toBe(true);
    await baton.promote('DB_URL', 'DB_URL:v2');
    expect(baton.status('DB_URL')).toMatchObject({ ageMs: 0, overdue: false });
  });

  it('count as registry changes in the metrics', async () => {
    const telemetry = recordingTelemetry();
    const baton = createBaton({ sources: [], audit: false, telemetry: telemetry.options });
    await baton.register('K', 'K:v1');
    await baton.setRotationPolicy('K', { type: 'oauth' });
    const points = await telemetry.points();
    expect(points).toContainEqual({
      name: 'baton.registry.changes',
      attributes: { 'baton.change': 'policy', 'baton.logical': 'K' },
      value: 1,
    });
  });
});
