import { strict as assert } from 'node:assert';
import type { RegistryChange, RegistryEntry, RegistryStore } from '@baton/core';

/** One rule every registry store follows, runnable against any store. */
export interface StoreContractCase {
  name: string;
  run(store: RegistryStore): Promise<void>;
}

/**
 * How far a store's clock may be from this process's: a database store stamps changes with
 * the database clock (on this host in tests), the others with the `now` they are given.
 */
const CLOCK_TOLERANCE_MS = 2_000;

const MARCH = new Date('2030-03-01T00:00:00.000Z');
const APRIL = new Date('2030-04-01T00:00:00.000Z');

/**
 * The semantics of `applyChange`, as every store must implement them (in JavaScript or in
 * SQL). Run each case against a fresh, empty store:
 *
 * @example
 * for (const rule of storeContract) it(rule.name, async () => rule.run(await freshStore()));
 */
export const storeContract: readonly StoreContractCase[] = [
  {
    name: 'register creates an entry at revision 1; a previous ref shares its activation by default',
    async run(store) {
      const plain = await apply(store, register('PLAIN', 'PLAIN:v1'));
      assert.equal(plain.changed, true);
      assert.equal(plain.entry.revision, 1);
      assert.equal(plain.entry.previousRef, undefined);
      assertNow(plain.entry.activatedAt);

      const paired = await apply(
        store,
        register('PAIRED', 'PAIRED:v2', { previousRef: 'PAIRED:v1', activatedAt: MARCH }),
      );
      assert.deepEqual(paired.entry, {
        logical: 'PAIRED',
        currentRef: 'PAIRED:v2',
        previousRef: 'PAIRED:v1',
        activatedAt: MARCH,
        previousActivatedAt: MARCH,
        revision: 1,
      });
    },
  },
  {
    name: 'an identical re-registration is a no-op: nothing written, no history',
    async run(store) {
      const first = await apply(store, register('HOOK', 'HOOK:v1', { activatedAt: MARCH }));
      const again = await apply(store, register('HOOK', 'HOOK:v1', { activatedAt: MARCH }));
      const unstated = await apply(store, register('HOOK', 'HOOK:v1'));
      assert.equal(again.changed, false);
      assert.equal(unstated.changed, false);
      assert.deepEqual(again.entry, first.entry);
      assert.equal((await history(store)).length, 1);
    },
  },
  {
    name: 'register with ifAbsent keeps an existing entry, whatever it holds',
    async run(store) {
      await apply(store, register('HOOK', 'HOOK:v1'));
      await apply(store, { kind: 'promote', logical: 'HOOK', ref: 'HOOK:v2' });
      const seeded = await apply(store, register('HOOK', 'HOOK:v1', { ifAbsent: true }));
      assert.equal(seeded.changed, false);
      assert.equal(seeded.entry.currentRef, 'HOOK:v2');
      assert.equal(seeded.entry.revision, 2);
      const fresh = await apply(store, register('OTHER', 'OTHER:v1', { ifAbsent: true }));
      assert.equal(fresh.changed, true);
    },
  },
  {
    name: 'register replaces an entry, records the ref it replaced, and bumps the revision',
    async run(store) {
      await apply(store, register('HOOK', 'HOOK:v1', { actor: 'seed' }));
      const replaced = await apply(
        store,
        register('HOOK', 'HOOK:v5', { previousRef: 'HOOK:v4', actor: 'restore' }),
      );
      assert.equal(replaced.changed, true);
      assert.equal(replaced.entry.revision, 2);
      assert.equal(replaced.entry.previousRef, 'HOOK:v4');
      const [latest] = await history(store);
      assert.equal(latest?.change, 'register');
      assert.equal(latest?.fromRef, 'HOOK:v1');
      assert.equal(latest?.toRef, 'HOOK:v5');
      assert.equal(latest?.actor, 'restore');
      assert.equal(latest?.revision, 2);
    },
  },
  {
    name: 'register with expectedRevision is a compare-and-set (0 means no entry yet)',
    async run(store) {
      const created = await apply(store, register('HOOK', 'HOOK:v1', { expectedRevision: 0 }));
      assert.equal(created.entry.revision, 1);
      await assertConflict(store, register('HOOK', 'HOOK:v2', { expectedRevision: 0 }), 0, 1);
      const replaced = await apply(store, register('HOOK', 'HOOK:v2', { expectedRevision: 1 }));
      assert.equal(replaced.entry.revision, 2);
    },
  },
  {
    name: "promote shifts current to previous and keeps the previous ref's original activation",
    async run(store) {
      await apply(store, register('HOOK', 'HOOK:v1', { activatedAt: MARCH }));
      const second = await apply(store, { kind: 'promote', logical: 'HOOK', ref: 'HOOK:v2' });
      assert.equal(second.changed, true);
      assert.equal(second.entry.currentRef, 'HOOK:v2');
      assert.equal(second.entry.previousRef, 'HOOK:v1');
      assert.deepEqual(second.entry.previousActivatedAt, MARCH);
      assertNow(second.entry.activatedAt);
      assert.equal(second.entry.revision, 2);

      const third = await apply(store, { kind: 'promote', logical: 'HOOK', ref: 'HOOK:v3' });
      assert.equal(third.entry.previousRef, 'HOOK:v2');
      assert.deepEqual(third.entry.previousActivatedAt, second.entry.activatedAt);
      assert.equal(third.entry.revision, 3);
    },
  },
  {
    name: 'promoting the ref that is already current is a no-op, not a shift',
    async run(store) {
      await apply(store, register('HOOK', 'HOOK:v2', { previousRef: 'HOOK:v1' }));
      const same = await apply(store, { kind: 'promote', logical: 'HOOK', ref: 'HOOK:v2' });
      assert.equal(same.changed, false);
      assert.equal(same.entry.previousRef, 'HOOK:v1');
      assert.equal(same.entry.revision, 1);
      assert.equal((await history(store)).length, 1);
    },
  },
  {
    name: 'promote with expectedRevision fails with BATON_CONFLICT when another writer got there first',
    async run(store) {
      await apply(store, register('HOOK', 'HOOK:v1'));
      const promote = (ref: string): RegistryChange => ({
        kind: 'promote',
        logical: 'HOOK',
        ref,
        expectedRevision: 1,
      });
      const winner = await apply(store, promote('HOOK:v2'));
      assert.equal(winner.entry.revision, 2);
      await assertConflict(store, promote('HOOK:v3'), 1, 2);
      assert.equal((await entry(store, 'HOOK'))?.currentRef, 'HOOK:v2');
    },
  },
  {
    name: 'promote and retire need an entry (BATON_NO_ENTRY)',
    async run(store) {
      for (const change of [
        { kind: 'promote', logical: 'NOPE', ref: 'NOPE:v2' },
        { kind: 'retire', logical: 'NOPE', previousRef: 'NOPE:v1', reason: 'retire' },
      ] satisfies RegistryChange[]) {
        await assert.rejects(store.apply(change, new Date()), { code: 'BATON_NO_ENTRY' });
      }
      assert.deepEqual(await store.load(), []);
    },
  },
  {
    name: 'retire drops the previous ref only while it is still the one expected',
    async run(store) {
      await apply(store, register('HOOK', 'HOOK:v1', { activatedAt: MARCH }));
      await apply(store, { kind: 'promote', logical: 'HOOK', ref: 'HOOK:v2' });
      await apply(store, { kind: 'promote', logical: 'HOOK', ref: 'HOOK:v3' });
      const late = await apply(store, {
        kind: 'retire',
        logical: 'HOOK',
        previousRef: 'HOOK:v1',
        reason: 'grace_expired',
      });
      assert.equal(late.changed, false);
      assert.equal(late.entry.previousRef, 'HOOK:v2');

      const retired = await apply(store, {
        kind: 'retire',
        logical: 'HOOK',
        previousRef: 'HOOK:v2',
        reason: 'retire',
        actor: 'ops',
      });
      assert.equal(retired.changed, true);
      assert.equal(retired.entry.previousRef, undefined);
      assert.equal(retired.entry.previousActivatedAt, undefined);
      assert.equal(retired.entry.currentRef, 'HOOK:v3');
      assert.equal(retired.entry.revision, 4);
      const [latest] = await history(store);
      assert.equal(latest?.change, 'retire');
      assert.equal(latest?.fromRef, 'HOOK:v2');
      assert.equal(latest?.toRef, undefined);
      assert.equal(latest?.actor, 'ops');
    },
  },
  {
    name: 'history answers who changed what, when: newest first, by logical name, limited',
    async run(store) {
      await apply(store, register('HOOK', 'HOOK:v1', { actor: 'deploy', activatedAt: MARCH }));
      await apply(store, register('API', 'API:v1', { actor: 'deploy' }));
      await apply(store, { kind: 'promote', logical: 'HOOK', ref: 'HOOK:v2', actor: 'alice' });
      await apply(store, { kind: 'promote', logical: 'HOOK', ref: 'HOOK:v3', actor: 'bob' });

      const all = await history(store);
      assert.deepEqual(
        all.map((r) => [r.logical, r.change, r.fromRef, r.toRef, r.actor, r.revision]),
        [
          ['HOOK', 'promote', 'HOOK:v2', 'HOOK:v3', 'bob', 3],
          ['HOOK', 'promote', 'HOOK:v1', 'HOOK:v2', 'alice', 2],
          ['API', 'register', undefined, 'API:v1', 'deploy', 1],
          ['HOOK', 'register', undefined, 'HOOK:v1', 'deploy', 1],
        ],
      );
      for (const record of all) assertNow(record.at);
      assert.deepEqual(
        (await history(store, { logical: 'HOOK', limit: 2 })).map((r) => r.toRef),
        ['HOOK:v3', 'HOOK:v2'],
      );
      assert.deepEqual(await history(store, { logical: 'NONE' }), []);
    },
  },
  {
    name: 'a policy change sets or clears the rotation policy, with history; no-op when unchanged',
    async run(store) {
      await apply(store, register('DB', 'DB:v1', { activatedAt: MARCH }));
      const set = await apply(store, {
        kind: 'policy',
        logical: 'DB',
        rotation: { type: 'database', periodDays: 30 },
        expectedRevision: 1,
        actor: 'ops',
      });
      assert.equal(set.changed, true);
      assert.deepEqual(set.entry, {
        logical: 'DB',
        currentRef: 'DB:v1',
        activatedAt: MARCH,
        revision: 2,
        rotation: { type: 'database', periodDays: 30 },
      });
      const same = await apply(store, {
        kind: 'policy',
        logical: 'DB',
        rotation: { type: 'database', periodDays: 30 },
      });
      assert.equal(same.changed, false);
      assert.equal(same.entry.revision, 2);
      await assertConflict(
        store,
        { kind: 'policy', logical: 'DB', rotation: { type: 'jwt' }, expectedRevision: 1 },
        1,
        2,
      );
      const [latest] = await history(store, { logical: 'DB' });
      assert.equal(latest?.change, 'policy');
      assert.equal(latest?.actor, 'ops');
      assert.equal(latest?.revision, 2);
      assert.equal(latest?.fromRef, undefined);
      assert.equal(latest?.toRef, undefined);
      const cleared = await apply(store, { kind: 'policy', logical: 'DB' });
      assert.equal(cleared.entry.rotation, undefined);
      assert.equal(cleared.entry.revision, 3);
      assert.equal((await entry(store, 'DB'))?.rotation, undefined);
      await assert.rejects(
        store.apply({ kind: 'policy', logical: 'NOPE', rotation: { type: 'jwt' } }, new Date()),
        { code: 'BATON_NO_ENTRY' },
      );
    },
  },
  {
    name: 'the rotation policy survives promote, retire and register',
    async run(store) {
      await apply(store, register('KEY', 'KEY:v1'));
      await apply(store, { kind: 'policy', logical: 'KEY', rotation: { type: 'api-key' } });
      const promoted = await apply(store, { kind: 'promote', logical: 'KEY', ref: 'KEY:v2' });
      assert.deepEqual(promoted.entry.rotation, { type: 'api-key' });
      const retired = await apply(store, {
        kind: 'retire',
        logical: 'KEY',
        previousRef: 'KEY:v1',
        reason: 'retire',
      });
      assert.deepEqual(retired.entry.rotation, { type: 'api-key' });
      const replaced = await apply(store, register('KEY', 'KEY:v5', { previousRef: 'KEY:v4' }));
      assert.deepEqual(replaced.entry.rotation, { type: 'api-key' });
      assert.deepEqual((await entry(store, 'KEY'))?.rotation, { type: 'api-key' });
    },
  },
  {
    name: 'load returns every entry as last written',
    async run(store) {
      assert.deepEqual(await store.load(), []);
      await apply(store, register('A', 'A:v1', { activatedAt: MARCH }));
      await apply(store, register('B', 'B:v7', { previousRef: 'B:v6', activatedAt: APRIL }));
      const promoted = await apply(store, { kind: 'promote', logical: 'A', ref: 'A:v2' });
      const loaded = [...(await store.load())].sort((a, b) => a.logical.localeCompare(b.logical));
      assert.deepEqual(loaded, [
        promoted.entry,
        {
          logical: 'B',
          currentRef: 'B:v7',
          previousRef: 'B:v6',
          activatedAt: APRIL,
          previousActivatedAt: APRIL,
          revision: 1,
        },
      ]);
    },
  },
];

function register(
  logical: string,
  currentRef: string,
  options: Omit<
    Extract<RegistryChange, { kind: 'register' }>,
    'kind' | 'logical' | 'currentRef'
  > = {},
): RegistryChange {
  return { kind: 'register', logical, currentRef, ...options };
}

async function apply(store: RegistryStore, change: RegistryChange) {
  return store.apply(change, new Date());
}

async function history(store: RegistryStore, query?: { logical?: string; limit?: number }) {
  if (store.history === undefined) throw new Error(`${store.name} keeps no history`);
  return store.history(query);
}

async function entry(store: RegistryStore, logical: string): Promise<RegistryEntry | undefined> {
  return (await store.load()).find((candidate) => candidate.logical === logical);
}

async function assertConflict(
  store: RegistryStore,
  change: RegistryChange,
  expectedRevision: number,
  actualRevision: number,
): Promise<void> {
  await assert.rejects(store.apply(change, new Date()), {
    code: 'BATON_CONFLICT',
    expectedRevision,
    actualRevision,
  });
}

function assertNow(at: Date): void {
  assert.ok(at instanceof Date, 'a time must be a Date');
  const distance = Math.abs(at.getTime() - Date.now());
  assert.ok(distance < CLOCK_TOLERANCE_MS, `${at.toISOString()} is not now`);
}
