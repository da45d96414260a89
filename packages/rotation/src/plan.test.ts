import { createBaton } from '@baton/core';
import { manualClock } from '@baton/core/testing';
import { describe, expect, it } from 'vitest';
import { planRotations } from './plan.js';

const DAY = 86_400_000;

async function registry() {
  const clock = manualClock();
  const baton = createBaton({ sources: [], audit: false, clock });
  await baton.register('DB_URL', 'DB_URL:v3');
  await baton.setRotationPolicy('DB_URL', { type: 'database' });
  await baton.register('API_KEY', 'API_KEY:v1');
  await baton.setRotationPolicy('API_KEY', { type: 'api-key' });
  await baton.register('HOOK', 'HOOK:v1');
  await baton.setRotationPolicy('HOOK', { type: 'api-key', periodDays: 7 });
  await baton.register('PLAIN', 'PLAIN');
  return { baton, clock };
}

describe('planRotations', () => {
  it('selects the overdue secrets, with their next ref and due date', async () => {
    const { baton, clock } = await registry();
    const start = clock();
    expect(await planRotations(baton, { due: true })).toEqual([]);
    clock.advance(30 * DAY);
    expect(await planRotations(baton, { due: true })).toEqual([
      {
        logical: 'API_KEY',
        currentRef: 'API_KEY:v1',
        nextRef: 'API_KEY:v2',
        type: 'api-key',
        dueAt: new Date(start + 30 * DAY),
        overdue: true,
        ageMs: 30 * DAY,
      },
      expect.objectContaining({ logical: 'HOOK', dueAt: new Date(start + 7 * DAY) }),
    ]);
  });

  it('selects by type and by name; every condition given must hold', async () => {
    const { baton, clock } = await registry();
    const names = async (options: Parameters<typeof planRotations>[1]) =>
      (await planRotations(baton, options)).map((planned) => planned.logical);
    expect(await names({ type: 'database' })).toEqual(['DB_URL']);
    expect(await names({ type: 'api-key' })).toEqual(['API_KEY', 'HOOK']);
    clock.advance(8 * DAY);
    expect(await names({ type: 'api-key', due: true })).toEqual(['HOOK']);
    expect(await names({ logicals: ['DB_URL', 'PLAIN'] })).toEqual(['DB_URL', 'PLAIN']);
    expect(await names({ logicals: ['DB_URL', 'PLAIN'], due: true })).toEqual([]);
    expect((await planRotations(baton, { logicals: ['PLAIN'] }))[0]?.nextRef).toBeUndefined();
  });

  it('refuses an unknown name or type', async () => {
    const { baton } = await registry();
    await expect(planRotations(baton, { logicals: ['NOPE'] })).rejects.toMatchObject({
      code: 'BATON_NO_ENTRY',
    });
    await expect(planRotations(baton, { type: 'password' as never })).rejects.toThrow(
      'type must be one of database, api-key, jwt, encryption-key, oauth',
    );
  });
});
