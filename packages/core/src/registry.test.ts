import { auditCollector } from '@baton-tools/test-kit';
import { describe, expect, it } from 'vitest';
import { createBaton, type RegistryOptions } from './baton.js';
import { NoEntryError, RegistryConflictError, SecretRefError } from './errors.js';
import { memoryStore } from './memory-store.js';
import type { RegistryEntry, RegistryStore, StoreUpdate } from './registry-store.js';
import { manualClock } from './testing/manual-clock.js';

const HOUR = 3_600_000;

function setup(registry: RegistryOptions = {}) {
  const clock = manualClock(Date.UTC(2030, 0, 1));
  const audit = auditCollector();
  const baton = createBaton({ sources: [], clock, audit: audit.sink, registry });
  return { baton, clock, audit, start: clock() };
}

describe('register', () => {
  it('creates an entry at revision 1, activated now', async () => {
    const { baton, start } = setup();
    const entry = await baton.register('OPENAI_KEY', 'OPENAI_KEY:V1', { actor: 'deploy' });
    expect(entry).toEqual({
      logical: 'OPENAI_KEY',
      currentRef: 'OPENAI_KEY:v1',
      activatedAt: new Date(start),
      revision: 1,
    });
  });

  it('refuses a ref that carries another name', async () => {
    const { baton } = setup();
    await expect(baton.register('OPENAI_KEY', 'ANTHROPIC_KEY:v1')).rejects.toThrow(
      'currentRef ANTHROPIC_KEY:v1 does not belong to OPENAI_KEY',
    );
    await expect(
      baton.register('OPENAI_KEY', 'OPENAI_KEY:v2', { previousRef: 'OTHER:v1' }),
    ).rejects.toThrow(SecretRefError);
    await expect(
      baton.register('OPENAI_KEY', 'OPENAI_KEY:v2', { previousRef: 'OPENAI_KEY:V2' }),
    ).rejects.toThrow(/are the same ref/);
    await expect(baton.register('bad name', 'X')).rejects.toThrow(/Invalid logical name/);
  });

  it('gives a registered previous ref a full grace window from activation by default', async () => {
    const { baton, clock } = setup({ graceMs: HOUR });
    await baton.register('K', 'K:v2', { previousRef: 'K:v1' });
    clock.advance(HOUR - 1);
    expect(baton.verifyRef('K', 'K:v1')).toBe(true);
    clock.advance(1);
    expect(baton.verifyRef('K', 'K:v1')).toBe(false);
  });

  it('is a no-op when the same registration is repeated, and keeps an entry with ifAbsent', async () => {
    const { baton, clock } = setup();
    const first = await baton.register('K', 'K:v1');
    clock.advance(1000);
    expect(await baton.register('K', 'K:v1')).toEqual(first);
    await baton.promote('K', 'K:v2');
    const kept = await baton.register('K', 'K:v1', { ifAbsent: true });
    expect(kept.currentRef).toBe('K:v2');
    expect(kept.revision).toBe(2);
  });

  it('supports compare-and-set, 0 meaning no entry yet', async () => {
    const { baton } = setup();
    await baton.register('K', 'K:v1', { expectedRevision: 0 });
    await expect(baton.register('K', 'K:v2', { expectedRevision: 0 })).rejects.toThrow(
      RegistryConflictError,
    );
  });

  it('validates dates and revisions', async () => {
    const { baton } = setup();
    await expect(
      baton.register('K', 'K:v1', { activatedAt: new Date('nope') }),
    ).rejects.toMatchObject({
      code: 'BATON_CONFIG',
    });
    await expect(baton.register('K', 'K:v1', { expectedRevision: -1 })).rejects.toMatchObject({
      code: 'BATON_CONFIG',
    });
  });
});

describe('promote', () => {
  it('shifts current to previous and keeps its original activation time', async () => {
    const { baton, clock, start } = setup();
    await baton.register('K', 'K:v1');
    clock.advance(10 * HOUR);
    const entry = await baton.promote('K', 'K:v2', { actor: 'alice' });
    expect(entry).toEqual({
      logical: 'K',
      currentRef: 'K:v2',
      previousRef: 'K:v1',
      activatedAt: new Date(start + 10 * HOUR),
      previousActivatedAt: new Date(start),
      revision: 2,
    });
  });

  it('is a no-op for the ref that is already current', async () => {
    const { baton, audit } = setup();
    await baton.register('K', 'K:v1');
    await baton.promote('K', 'K:v2');
    const again = await baton.promote('K', 'K:V2');
    expect(again.revision).toBe(2);
    expect(again.previousRef).toBe('K:v1');
    await baton.flush();
    expect(audit.events.filter((event) => event.type === 'promote')).toHaveLength(1);
  });

  it('fails with RegistryConflictError when another writer got there first', async () => {
    const { baton } = setup();
    const entry = await baton.register('K', 'K:v1');
    await baton.promote('K', 'K:v2', { expectedRevision: entry.revision });
    const error = await baton
      .promote('K', 'K:v3', { expectedRevision: entry.revision })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryConflictError);
    expect(error).toMatchObject({ code: 'BATON_CONFLICT', expectedRevision: 1, actualRevision: 2 });
    expect(baton.status('K')?.currentRef).toBe('K:v2');
  });

  it('needs a registered entry', async () => {
    const { baton } = setup();
    await expect(baton.promote('K', 'K:v2')).rejects.toThrow(NoEntryError);
  });

  it('warns, and audits grace_expired, when the previous ref is already outside its grace', async () => {
    const { baton, clock, audit } = setup({ graceMs: 24 * HOUR });
    await baton.register('K', 'K:v1');
    clock.advance(30 * 24 * HOUR); // rotated monthly with a 24 h grace under the activation anchor
    const entry = await baton.promote('K', 'K:v2', { actor: 'cron' });
    expect(entry.warning).toMatch(/K:v1 is already outside its grace window/);
    expect(baton.checkRef('K', 'K:v1')).toEqual({ accepted: false, reason: 'previous_expired' });
    await baton.flush();
    expect(audit.events.map((event) => event.type)).toEqual([
      'register',
      'promote',
      'grace_expired',
      'verify_reject',
    ]);
  });
});

describe("grace anchor 'activation' (default)", () => {
  it('bounds the previous ref by its own activation, however quickly promotions follow', async () => {
    const { baton, clock } = setup({ graceMs: 24 * HOUR });
    await baton.register('K', 'K:v1'); // v1 active from T0
    clock.advance(20 * HOUR);
    await baton.promote('K', 'K:v2'); // at T0+20h
    expect(baton.checkRef('K', 'K:v1')).toEqual({ accepted: true, match: 'previous', ref: 'K:v1' });
    clock.advance(4 * HOUR - 1); // T0+24h-1ms
    expect(baton.verifyRef('K', 'K:v1')).toBe(true);
    clock.advance(1); // T0+24h: v1's 24 hours are up, only 4 h after the promotion
    expect(baton.checkRef('K', 'K:v1')).toEqual({ accepted: false, reason: 'previous_expired' });
    expect(baton.verifyRef('K', 'K:v2')).toBe(true);
  });
});

describe("grace anchor 'promotion'", () => {
  it('opens a full window after each promotion', async () => {
    const { baton, clock } = setup({ graceMs: 24 * HOUR, graceAnchor: 'promotion' });
    await baton.register('K', 'K:v1');
    clock.advance(30 * 24 * HOUR);
    const entry = await baton.promote('K', 'K:v2'); // a month later
    expect(entry.warning).toBeUndefined();
    clock.advance(24 * HOUR - 1);
    expect(baton.verifyRef('K', 'K:v1')).toBe(true);
    clock.advance(1);
    expect(baton.verifyRef('K', 'K:v1')).toBe(false);
  });

  it('applies per-logical overrides', async () => {
    const { baton, clock } = setup({
      graceMs: 24 * HOUR,
      overrides: { FAST: { graceMs: HOUR, graceAnchor: 'promotion' } },
    });
    await baton.register('FAST', 'FAST:v1');
    await baton.register('SLOW', 'SLOW:v1');
    await baton.promote('FAST', 'FAST:v2');
    await baton.promote('SLOW', 'SLOW:v2');
    clock.advance(HOUR);
    expect(baton.verifyRef('FAST', 'FAST:v1')).toBe(false);
    expect(baton.verifyRef('SLOW', 'SLOW:v1')).toBe(true);
    expect(baton.status('FAST')).toMatchObject({ graceMs: HOUR, graceAnchor: 'promotion' });
  });
});

describe('verifyRef and checkRef', () => {
  it('answer for current, previous, other versions and unknown names', async () => {
    const { baton } = setup();
    await baton.register('K', 'K:v2', { previousRef: 'K:v1' });
    expect(baton.checkRef('K', 'K:v2')).toEqual({ accepted: true, match: 'current', ref: 'K:v2' });
    expect(baton.checkRef('K', 'K:V2')).toEqual({ accepted: true, match: 'current', ref: 'K:v2' });
    expect(baton.checkRef('K', 'K:V1')).toEqual({ accepted: true, match: 'previous', ref: 'K:v1' });
    expect(baton.checkRef('K', 'K:v3')).toEqual({ accepted: false, reason: 'no_match' });
    expect(baton.checkRef('K', 'K')).toEqual({ accepted: false, reason: 'no_match' });
    expect(baton.checkRef('K', 'OTHER:v2')).toEqual({ accepted: false, reason: 'no_match' });
    expect(baton.checkRef('NOPE', 'NOPE:v1')).toEqual({ accepted: false, reason: 'no_entry' });
  });

  it('reject any presented input that is not a ref string as malformed, without throwing', async () => {
    const { baton } = setup();
    await baton.register('K', 'K:v1');
    const hostile = [
      undefined,
      null,
      42,
      {},
      ['K:v1'],
      { toString: () => 'K:v1' },
      {
        toString() {
          throw new Error('boom');
        },
      },
      Symbol('K'),
      '',
      ' K:v1',
      'K:v1\n',
      'K:v0',
      `K:v1${'x'.repeat(300)}`,
      'K'.repeat(257),
      '\u0000',
    ];
    for (const input of hostile) {
      expect(baton.checkRef('K', input)).toEqual({ accepted: false, reason: 'malformed' });
      expect(baton.verifyRef('K', input)).toBe(false);
    }
  });

  it('audit every decision; a rejected ref is echoed only when it names this secret', async () => {
    const { baton, audit } = setup();
    await baton.register('K', 'K:v2', { previousRef: 'K:v1' });
    baton.verifyRef('K', 'K:v1');
    baton.verifyRef('K', 'K:v9');
    baton.verifyRef('K', 'ghp_looks_like_a_token_but_parses');
    baton.verifyRef('K', 'sk-not-a-ref');
    baton.verifyRef('K', 17);
    await baton.flush();
    expect(audit.events.slice(1).map(({ at, ...event }) => event)).toEqual([
      { type: 'verify_accept', logical: 'K', ref: 'K:v1', match: 'previous' },
      { type: 'verify_reject', logical: 'K', reason: 'no_match', presentedRef: 'K:v9' },
      { type: 'verify_reject', logical: 'K', reason: 'no_match', presentedLength: 33 },
      { type: 'verify_reject', logical: 'K', reason: 'malformed', presentedLength: 12 },
      { type: 'verify_reject', logical: 'K', reason: 'malformed' },
    ]);
  });
});

describe('validateGrace', () => {
  it('answers true inside grace; after it, clears the previous ref, audits grace_expired, answers false', async () => {
    const { baton, clock, audit } = setup({ graceMs: HOUR, graceAnchor: 'promotion' });
    await baton.register('K', 'K:v1');
    expect(await baton.validateGrace('K')).toBe(false); // no previous ref
    await baton.promote('K', 'K:v2');
    expect(await baton.validateGrace('K')).toBe(true);
    expect(await baton.validateGrace('K', clock() + HOUR)).toBe(false);
    expect(baton.status('K')?.previousRef).toBeUndefined();
    expect(baton.checkRef('K', 'K:v1')).toEqual({ accepted: false, reason: 'no_match' });
    await baton.flush();
    expect(audit.events.at(-2)).toMatchObject({
      type: 'grace_expired',
      logical: 'K',
      previousRef: 'K:v1',
      revision: 3,
    });
    expect(await baton.validateGrace('UNKNOWN')).toBe(false);
  });
});

describe('retirePrevious', () => {
  it('is refused inside grace unless forced', async () => {
    const { baton, audit } = setup();
    await baton.register('K', 'K:v1');
    expect(await baton.retirePrevious('K')).toBe(false); // nothing to retire
    await baton.promote('K', 'K:v2');
    expect(await baton.retirePrevious('K', { actor: 'bob' })).toBe(false);
    expect(baton.verifyRef('K', 'K:v1')).toBe(true);
    expect(await baton.retirePrevious('K', { force: true, actor: 'bob' })).toBe(true);
    expect(baton.verifyRef('K', 'K:v1')).toBe(false);
    await baton.flush();
    const types = audit.events.map((event) => event.type);
    expect(types).toContain('retire_blocked');
    expect(audit.events.find((event) => event.type === 'retire')).toMatchObject({
      previousRef: 'K:v1',
      actor: 'bob',
      revision: 3,
    });
    await expect(baton.retirePrevious('UNKNOWN')).rejects.toThrow(NoEntryError);
  });

  it('retires without force once grace has passed', async () => {
    const { baton, clock } = setup({ graceMs: HOUR, graceAnchor: 'promotion' });
    await baton.register('K', 'K:v1');
    await baton.promote('K', 'K:v2');
    clock.advance(HOUR);
    expect(await baton.retirePrevious('K')).toBe(true);
  });
});

describe('status and history', () => {
  it('reports grace remaining for each entry', async () => {
    const { baton, clock, start } = setup({ graceMs: 10 * HOUR, graceAnchor: 'promotion' });
    await baton.register('B', 'B:v1');
    await baton.register('A', 'A:v1');
    await baton.promote('A', 'A:v2');
    clock.advance(4 * HOUR);
    expect(baton.status().map((status) => status.logical)).toEqual(['A', 'B']);
    expect(baton.status('A')).toMatchObject({
      currentRef: 'A:v2',
      previousRef: 'A:v1',
      previousAccepted: true,
      graceRemainingMs: 6 * HOUR,
      previousExpiresAt: new Date(start + 10 * HOUR),
    });
    expect(baton.status('B')).toMatchObject({ previousAccepted: false, graceRemainingMs: 0 });
    expect(baton.status('C')).toBeUndefined();
  });

  it('keeps who changed what, newest first', async () => {
    const { baton } = setup();
    await baton.register('K', 'K:v1', { actor: 'deploy' });
    await baton.promote('K', 'K:v2', { actor: 'alice' });
    await baton.retirePrevious('K', { force: true, actor: 'bob' });
    const history = await baton.history({ logical: 'K' });
    expect(history.map(({ at, ...record }) => record)).toEqual([
      { logical: 'K', change: 'retire', fromRef: 'K:v1', actor: 'bob', revision: 3 },
      {
        logical: 'K',
        change: 'promote',
        fromRef: 'K:v1',
        toRef: 'K:v2',
        actor: 'alice',
        revision: 2,
      },
      { logical: 'K', change: 'register', toRef: 'K:v1', actor: 'deploy', revision: 1 },
    ]);
  });

  it('returns copies: changing a returned entry changes nothing inside', async () => {
    const { baton } = setup();
    const entry = await baton.register('K', 'K:v1');
    entry.activatedAt.setTime(0);
    expect(baton.status('K')?.activatedAt.getTime()).not.toBe(0);
  });
});

describe('a store shared by two instances', () => {
  it('shows each instance the other one’s changes', async () => {
    const store = memoryStore();
    const one = createBaton({ sources: [], audit: false, registry: { store } });
    const two = createBaton({ sources: [], audit: false, registry: { store } });
    await two.ready();
    await one.register('K', 'K:v1');
    expect(two.verifyRef('K', 'K:v1')).toBe(true);
    await two.promote('K', 'K:v2');
    expect(one.checkRef('K', 'K:v1')).toMatchObject({ accepted: true, match: 'previous' });
  });
});

describe('entries a store pushes', () => {
  /** A store whose pushes the test makes, as a file or database store would. */
  function pushingStore() {
    let push: (entries: readonly RegistryEntry[], update?: StoreUpdate) => void = () => undefined;
    const store: RegistryStore = {
      name: 'pushing',
      load: async () => [],
      apply: () => Promise.reject(new Error('read-only')),
      subscribe(listener) {
        push = listener;
        return () => undefined;
      },
    };
    return { store, push: (...args: Parameters<typeof push>) => push(...args) };
  }
  const at = new Date(Date.UTC(2030, 0, 1));
  const entry = (currentRef: string, revision: number): RegistryEntry => ({
    logical: 'K',
    currentRef,
    activatedAt: at,
    revision,
  });

  it('keeps the highest revision: a late echo of an older one changes nothing', async () => {
    const { store, push } = pushingStore();
    const baton = createBaton({ sources: [], audit: false, registry: { store } });
    await baton.ready();
    push([entry('K:v5', 5)]);
    push([entry('K:v4', 4)]);
    expect(baton.verifyRef('K', 'K:v5')).toBe(true);
    expect(baton.verifyRef('K', 'K:v4')).toBe(false);
  });

  it('a resync replaces the snapshot, lower revisions and dropped names included', async () => {
    const { store, push } = pushingStore();
    const baton = createBaton({ sources: [], audit: false, registry: { store } });
    await baton.ready();
    push([entry('K:v5', 5), { ...entry('GONE:v1', 1), logical: 'GONE' }]);
    push([entry('K:v2', 2)], { resync: true });
    expect(baton.verifyRef('K', 'K:v2')).toBe(true);
    expect(baton.verifyRef('K', 'K:v5')).toBe(false);
    expect(baton.checkRef('GONE', 'GONE:v1')).toEqual({ accepted: false, reason: 'no_entry' });
    // Changes after it follow the store's revisions again.
    push([entry('K:v3', 3)]);
    expect(baton.verifyRef('K', 'K:v3')).toBe(true);
  });
});

describe('bad times and durations', () => {
  it('refuses an invalid time in validateGrace and keeps the previous ref inside grace', async () => {
    const events: unknown[] = [];
    const clock = manualClock(Date.UTC(2030, 0, 1));
    const baton = createBaton({ sources: [], clock, audit: (event) => events.push(event) });
    await baton.register('K', 'K:v2', { previousRef: 'K:v1' });
    for (const bad of [
      new Date('x'),
      Number.NaN,
      Number.POSITIVE_INFINITY,
      -1,
      new Date(8.64e15),
    ]) {
      await expect(baton.validateGrace('K', bad)).rejects.toMatchObject({ code: 'BATON_CONFIG' });
    }
    expect(baton.verifyRef('K', 'K:v1')).toBe(true);
    await baton.flush();
    expect(events.map((event) => (event as { type: string }).type)).toEqual([
      'register',
      'verify_accept',
    ]);
  });

  it('refuses absurd durations as configuration errors', () => {
    expect(() => createBaton({ registry: { graceMs: 1e300 } })).toThrow(
      /registry.graceMs must be at most/,
    );
    expect(() => createBaton({ cache: { ttlMs: Number.MAX_VALUE } })).toThrow(
      /cache.ttlMs must be at most/,
    );
  });

  it('never brings an expired previous ref back when the clock steps backwards', async () => {
    const { baton, clock } = setup({ graceMs: HOUR });
    await baton.register('K', 'K:v1');
    await baton.promote('K', 'K:v2');
    clock.advance(HOUR);
    expect(baton.checkRef('K', 'K:v1')).toEqual({ accepted: false, reason: 'previous_expired' });
    clock.set(clock() - 10 * 60_000);
    expect(baton.checkRef('K', 'K:v1')).toEqual({ accepted: false, reason: 'previous_expired' });
    expect(baton.status('K')?.previousAccepted).toBe(false);
    expect(await baton.validateGrace('K')).toBe(false);
  });

  it('keeps delivering audit events when the clock answers nonsense', async () => {
    const events: { at: string }[] = [];
    let now = Date.UTC(2030, 0, 1);
    const baton = createBaton({
      sources: [],
      clock: () => now,
      audit: (event) => events.push(event),
    });
    await baton.register('K', 'K:v1');
    now = Number.NaN;
    baton.verifyRef('K', 'K:v1');
    now = 1e20;
    baton.verifyRef('K', 'K:v1');
    await baton.flush();
    expect(events).toHaveLength(3);
    for (const event of events) expect(Number.isNaN(Date.parse(event.at))).toBe(false);
  });
});

describe('before the registry is loaded', () => {
  function unloadedStore() {
    const store = memoryStore();
    // A store that holds its entries elsewhere (a file, a database): nothing is known until ready().
    return { ...store, loadSync: undefined, name: 'shared' };
  }

  it('refuses every ref as not_ready, with one warning, until ready() resolves', async () => {
    const store = unloadedStore();
    await createBaton({ registry: { store }, audit: false }).register('K', 'K:v1');
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (line: string) => warnings.push(line);
    try {
      const baton = createBaton({ registry: { store }, audit: false });
      expect(baton.checkRef('K', 'K:v1')).toEqual({ accepted: false, reason: 'not_ready' });
      expect(baton.checkRef('K', 'K:v1')).toEqual({ accepted: false, reason: 'not_ready' });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/before the registry was loaded .*await baton.ready\(\)/);
      await baton.ready();
      expect(baton.checkRef('K', 'K:v1')).toMatchObject({ accepted: true });
      expect(baton.checkRef('OTHER', 'OTHER:v1')).toEqual({ accepted: false, reason: 'no_entry' });
    } finally {
      console.warn = warn;
    }
  });

  it('is ready from the start on the default memory store', () => {
    const baton = createBaton({ audit: false });
    expect(baton.checkRef('K', 'K:v1')).toEqual({ accepted: false, reason: 'no_entry' });
  });
});

describe('entries a store holds', () => {
  it('are refused when their refs belong to another secret or their times are invalid', async () => {
    const entries = [
      { logical: 'A', currentRef: 'B:v9', activatedAt: new Date(0), revision: 1 },
      {
        logical: 'C',
        currentRef: 'C:v2',
        previousRef: 'D:v1',
        activatedAt: new Date(0),
        previousActivatedAt: new Date(0),
        revision: 1,
      },
      { logical: 'E', currentRef: 'E:v1', activatedAt: new Date(Number.NaN), revision: 1 },
      { logical: 'F', currentRef: 'F:v1', activatedAt: new Date(0), revision: 2 ** 53 },
      { logical: 'G', currentRef: 'G:v1', activatedAt: new Date(0), revision: 1 },
    ];
    const store = { name: 'forged', load: async () => entries, apply: async () => never() };
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (line: string) => warnings.push(line);
    try {
      const baton = createBaton({ registry: { store }, audit: false });
      await baton.ready();
      expect(baton.status().map((status) => status.logical)).toEqual(['G']);
      expect(baton.verifyRef('A', 'B:v9')).toBe(false);
      expect(warnings.join('\n')).not.toContain('B:v9');
    } finally {
      console.warn = warn;
    }
  });
});

function never(): never {
  throw new Error('not expected');
}
