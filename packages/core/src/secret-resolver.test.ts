import { auditCollector, deferred, testSource } from '@baton-tools/test-kit';
import { describe, expect, it } from 'vitest';
import { createBaton } from './baton.js';
import { envSource } from './env-source.js';
import { SecretBatchError, SecretNotFoundError, SourceError } from './errors.js';
import type { SecretSource } from './source.js';
import { manualClock } from './testing/manual-clock.js';

function setup(
  options: { ttlMs?: number; maxEntries?: number; maxStaleMs?: number; missTtlMs?: number } = {},
) {
  const clock = manualClock();
  const audit = auditCollector();
  const primary = testSource('primary', { 'API_KEY:v1': 'value-one', 'API_KEY:v2': 'value-two' });
  const fallback = testSource('fallback', { LOG_LEVEL: 'info' });
  const baton = createBaton({
    sources: [primary, fallback],
    clock,
    audit: audit.sink,
    cache: options,
  });
  return { baton, clock, audit, primary, fallback };
}

describe('getSecret', () => {
  it('takes the first source that has a value', async () => {
    const { baton, primary, fallback } = setup();
    fallback.values['API_KEY:v1'] = 'shadowed';
    expect(await baton.getSecret('API_KEY:v1')).toBe('value-one');
    expect(await baton.getSecret('LOG_LEVEL')).toBe('info');
    expect(primary.calls.get).toEqual(['API_KEY:v1', 'LOG_LEVEL']);
    expect(fallback.calls.get).toEqual(['LOG_LEVEL']);
  });

  it('serves from the cache until the TTL passes, then asks again', async () => {
    const { baton, clock, primary } = setup({ ttlMs: 1000 });
    await baton.getSecret('API_KEY:v1');
    clock.advance(999);
    await baton.getSecret('API_KEY:v1');
    expect(primary.calls.get).toHaveLength(1);
    primary.values['API_KEY:v1'] = 'rotated-in-place';
    clock.advance(1);
    expect(await baton.getSecret('API_KEY:v1')).toBe('rotated-in-place');
    expect(primary.calls.get).toHaveLength(2);
  });

  it('keeps two versions of one name in separate entries', async () => {
    const { baton, primary } = setup();
    expect(await baton.getSecret('API_KEY:v1')).toBe('value-one');
    expect(await baton.getSecret('API_KEY:v2')).toBe('value-two');
    expect(await baton.getSecret('API_KEY:V1')).toBe('value-one');
    expect(primary.calls.get).toEqual(['API_KEY:v1', 'API_KEY:v2']);
  });

  it('shares one source call among concurrent misses of one ref', async () => {
    const { baton, primary } = setup();
    const gate = deferred();
    primary.gate = gate.promise;
    const reads = Array.from({ length: 300 }, () => baton.getSecret('API_KEY:v1'));
    gate.resolve();
    expect(new Set(await Promise.all(reads))).toEqual(new Set(['value-one']));
    expect(primary.calls.get).toEqual(['API_KEY:v1']);
  });

  it('remembers a miss briefly so a missing secret cannot stampede the sources', async () => {
    const { baton, clock, primary } = setup({ missTtlMs: 5000 });
    await expect(baton.getSecret('MISSING')).rejects.toThrow(SecretNotFoundError);
    await expect(baton.getSecret('MISSING')).rejects.toThrow(
      'No value for MISSING in any source (tried: primary, fallback)',
    );
    expect(primary.calls.get).toEqual(['MISSING']);
    primary.values.MISSING = 'now-present';
    clock.advance(5000);
    expect(await baton.getSecret('MISSING')).toBe('now-present');
  });

  it('evicts the least recently used entry beyond maxEntries', async () => {
    const { baton, primary } = setup({ maxEntries: 2 });
    primary.values.A = 'a';
    primary.values.B = 'b';
    primary.values.C = 'c';
    await baton.getSecret('A');
    await baton.getSecret('B');
    await baton.getSecret('A');
    await baton.getSecret('C'); // evicts B, the least recently used
    await baton.getSecret('A');
    expect(primary.calls.get).toEqual(['A', 'B', 'C']);
    await baton.getSecret('B');
    expect(primary.calls.get).toEqual(['A', 'B', 'C', 'B']);
  });

  it('rejects a malformed ref before asking any source', async () => {
    const { baton, primary } = setup();
    await expect(async () => baton.getSecret('not-a-ref')).rejects.toMatchObject({
      code: 'BATON_INVALID_REF',
    });
    expect(primary.calls.get).toEqual([]);
  });

  it('asks the sources every time with cache: false', async () => {
    const primary = testSource('primary', { A: 'a' });
    const baton = createBaton({ sources: [primary], cache: false, audit: false });
    await baton.getSecret('A');
    await baton.getSecret('A');
    expect(primary.calls.get).toEqual(['A', 'A']);
  });
});

describe('stale-if-error', () => {
  it('serves the last good value while refreshes fail, up to maxStaleMs, then surfaces the error', async () => {
    const { baton, clock, primary, audit } = setup({
      ttlMs: 1000,
      maxStaleMs: 10_000,
      missTtlMs: 500,
    });
    expect(await baton.getSecret('API_KEY:v1')).toBe('value-one');
    primary.failWith = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

    clock.advance(1000);
    expect(await baton.getSecret('API_KEY:v1')).toBe('value-one');
    expect(primary.calls.get).toHaveLength(2);
    clock.advance(499);
    expect(await baton.getSecret('API_KEY:v1')).toBe('value-one');
    expect(primary.calls.get).toHaveLength(2); // retried only after a pause

    clock.advance(9_500); // 10 999 ms past the TTL's start: still within the stale window
    expect(await baton.getSecret('API_KEY:v1')).toBe('value-one');
    clock.advance(2);
    const error = await baton.getSecret('API_KEY:v1').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SourceError);
    expect(error).toMatchObject({
      code: 'BATON_SOURCE_FAILED',
      source: 'primary',
      ref: 'API_KEY:v1',
      message: 'Source "primary" failed to read API_KEY:v1: Error (ECONNREFUSED)',
    });
    expect((error as SourceError).underlying).toBe(primary.failWith);
    expect((error as SourceError).cause).toMatchObject({
      name: 'Error',
      code: 'ECONNREFUSED',
      message:
        "Error (ECONNREFUSED); its message is withheld (see the wrapping error's underlying)",
    });

    await baton.flush();
    const types = audit.events.map((event) => event.type);
    expect(types.filter((type) => type === 'secret_stale_served')).toHaveLength(2);
    expect(audit.events.find((event) => event.type === 'secret_stale_served')).toMatchObject({
      logical: 'API_KEY',
      ref: 'API_KEY:v1',
      source: 'primary',
      error: 'Error (ECONNREFUSED)',
    });
    expect(types).toContain('source_error');
  });

  it('goes back to fresh values once the source recovers', async () => {
    const { baton, clock, primary } = setup({ ttlMs: 1000, missTtlMs: 100 });
    await baton.getSecret('API_KEY:v1');
    primary.failWith = new Error('down');
    clock.advance(1000);
    expect(await baton.getSecret('API_KEY:v1')).toBe('value-one');
    primary.failWith = undefined;
    primary.values['API_KEY:v1'] = 'fresh';
    clock.advance(100);
    expect(await baton.getSecret('API_KEY:v1')).toBe('fresh');
  });

  it('does not fall through to later sources when a source fails', async () => {
    const { baton, primary, fallback } = setup();
    primary.failWith = new Error('down');
    fallback.values['API_KEY:v1'] = 'a default that must not win';
    await expect(baton.getSecret('API_KEY:v1')).rejects.toThrow(SourceError);
    expect(fallback.calls.get).toEqual([]);
  });
});

describe('getSecrets', () => {
  it('answers an object keyed by the refs as given', async () => {
    const { baton } = setup();
    expect(await baton.getSecrets(['API_KEY:V1', 'API_KEY:v2', 'LOG_LEVEL'])).toEqual({
      'API_KEY:V1': 'value-one',
      'API_KEY:v2': 'value-two',
      LOG_LEVEL: 'info',
    });
  });

  it('uses one batch read per source and passes what is absent to the next source', async () => {
    const batch = testSource('batch', { A: 'a', B: 'b' }, { batch: true });
    const single = testSource('single', { C: 'c' });
    const baton = createBaton({ sources: [batch, single], audit: false });
    expect(await baton.getSecrets(['A', 'B', 'C'])).toEqual({ A: 'a', B: 'b', C: 'c' });
    expect(batch.calls.getMany).toEqual([['A', 'B', 'C']]);
    expect(batch.calls.get).toEqual([]);
    expect(single.calls.get).toEqual(['C']);
    await baton.getSecrets(['A', 'B', 'C']);
    expect(batch.calls.getMany).toHaveLength(1);
  });

  it('reads one by one the refs a batch answer leaves out', async () => {
    const batch = testSource('batch', { A: 'a', B: 'b' }, { batch: true });
    batch.getMany = async (refs) => {
      batch.calls.getMany.push(refs.map((ref) => ref.ref));
      return new Map([['A', 'a']]);
    };
    const baton = createBaton({ sources: [batch], audit: false });
    expect(await baton.getSecrets(['A', 'B'])).toEqual({ A: 'a', B: 'b' });
    expect(batch.calls.get).toEqual(['B']);
  });

  it('joins reads already in flight instead of asking again', async () => {
    const batch = testSource('batch', { A: 'a', B: 'b' }, { batch: true });
    const gate = deferred();
    batch.gate = gate.promise;
    const baton = createBaton({ sources: [batch], audit: false });
    const single = baton.getSecret('A');
    const many = baton.getSecrets(['A', 'B']);
    gate.resolve();
    expect(await single).toBe('a');
    expect(await many).toEqual({ A: 'a', B: 'b' });
    expect(batch.calls.get).toEqual(['A', 'B']); // A once; B alone was left, so read with get
    expect(batch.calls.getMany).toEqual([]);
  });

  it('names every ref that failed in one error', async () => {
    const { baton } = setup();
    const error = await baton
      .getSecrets(['API_KEY:v1', 'NOPE', 'ALSO_NOPE'])
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SecretBatchError);
    expect(error).toMatchObject({ code: 'BATON_NOT_FOUND' });
    expect((error as Error).message).toMatch(/2 of 3 refs could not be resolved/);
    expect((error as Error).message).toMatch(/NOPE/);
    expect((error as Error).message).toMatch(/ALSO_NOPE/);
  });

  it('throws the single failure itself when only one ref failed', async () => {
    const { baton } = setup();
    await expect(baton.getSecrets(['API_KEY:v1', 'NOPE'])).rejects.toThrow(SecretNotFoundError);
  });

  it('fails every ref of a batch that throws, naming the source', async () => {
    const batch = testSource('batch', { A: 'a', B: 'b' }, { batch: true });
    batch.failWith = Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
    const baton = createBaton({ sources: [batch], audit: false });
    const error = await baton.getSecrets(['A', 'B']).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'BATON_SOURCE_FAILED' });
    expect((error as Error).message).toContain(
      'Source "batch" failed to read A: AccessDeniedException',
    );
  });
});

describe('rotateSecret and invalidate', () => {
  it('rotateSecret drops the cached value and answers a fresh one', async () => {
    const { baton, primary } = setup();
    await baton.getSecret('API_KEY:v1');
    primary.values['API_KEY:v1'] = 'replaced';
    expect(await baton.getSecret('API_KEY:v1')).toBe('value-one');
    expect(await baton.rotateSecret('API_KEY:v1')).toBe('replaced');
  });

  it('invalidate drops one ref or all', async () => {
    const { baton, primary } = setup();
    await baton.getSecrets(['API_KEY:v1', 'API_KEY:v2']);
    baton.invalidate('API_KEY:V1');
    await baton.getSecrets(['API_KEY:v1', 'API_KEY:v2']);
    expect(primary.calls.get).toEqual(['API_KEY:v1', 'API_KEY:v2', 'API_KEY:v1']);
    baton.invalidate();
    await baton.getSecrets(['API_KEY:v1', 'API_KEY:v2']);
    expect(primary.calls.get).toHaveLength(5);
  });
});

describe('withSecret', () => {
  it('refetches once and retries once when the function fails with an auth error', async () => {
    const { baton, primary } = setup();
    await baton.getSecret('API_KEY:v1');
    primary.values['API_KEY:v1'] = 'new-value';
    const seen: string[] = [];
    const result = await baton.withSecret('API_KEY:v1', async (value) => {
      seen.push(value);
      if (value !== 'new-value') throw Object.assign(new Error('unauthorized'), { status: 401 });
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(seen).toEqual(['value-one', 'new-value']);
  });

  it('does not retry other errors, and retries at most once', async () => {
    const { baton } = setup();
    let calls = 0;
    await expect(
      baton.withSecret('API_KEY:v1', () => {
        calls++;
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(calls).toBe(1);
    await expect(
      baton.withSecret('API_KEY:v1', () => {
        calls++;
        throw Object.assign(new Error('forbidden'), { response: { status: 403 } });
      }),
    ).rejects.toThrow('forbidden');
    expect(calls).toBe(3);
  });

  it('uses the caller classification of auth errors', async () => {
    const { baton } = setup();
    let calls = 0;
    const result = await baton.withSecret(
      'API_KEY:v1',
      () => {
        calls++;
        if (calls === 1) throw new Error('invalid_api_key');
        return calls;
      },
      { isAuthError: (error) => (error as Error).message === 'invalid_api_key' },
    );
    expect(result).toBe(2);
  });
});

describe('audit of reads', () => {
  it('records which source answered each fetch, never the value', async () => {
    const { baton, audit } = setup();
    await baton.getSecret('API_KEY:v1');
    await baton.getSecret('API_KEY:v1');
    await baton.flush();
    expect(audit.events).toEqual([
      {
        type: 'secret_read',
        logical: 'API_KEY',
        at: '2030-01-01T00:00:00.000Z',
        ref: 'API_KEY:v1',
        source: 'primary',
      },
    ]);
  });

  it('treats a non-string answer as a source failure', async () => {
    const odd = { name: 'odd', get: async () => 42 as unknown as string };
    const baton = createBaton({ sources: [odd], audit: false });
    await expect(baton.getSecret('A')).rejects.toThrow(/Source "odd" failed to read A/);
  });
});

describe('a missing secret says what to create', () => {
  it('joins the hint of every source into the message', async () => {
    const env = envSource({ env: {} });
    const files = {
      name: 'files',
      get: async () => undefined,
      hint: (ref: { ref: string }) => `create the file /run/secrets/${ref.ref}`,
    };
    const baton = createBaton({ sources: [env, files], audit: false });
    await expect(baton.getSecret('OPENAI_KEY:v2')).rejects.toThrow(
      'No value for OPENAI_KEY:v2: set OPENAI_KEY_V2 in the environment, or create the file /run/secrets/OPENAI_KEY:v2 (tried: env, files)',
    );
  });

  it('leaves out a hint that throws, and names nothing when the ref looks like a credential', async () => {
    const broken = {
      name: 'broken',
      get: async () => undefined,
      hint: () => {
        throw new Error('no');
      },
    };
    const baton = createBaton({ sources: [broken, envSource({ env: {} })], audit: false });
    await expect(baton.getSecret('API_KEY')).rejects.toThrow(
      'No value for API_KEY: set API_KEY in the environment (tried: broken, env)',
    );
    const token = 'ghp_x7Kq2m9Zp4Lw8Rt5Yb3Nc6Vd1';
    const error = await baton.getSecret(token).catch((caught: Error) => caught);
    expect(String(error)).not.toContain(token);
  });
});

describe('a source that watches for changes', () => {
  function watchingSource(values: Record<string, string>) {
    let listener: ((name: string) => void) | undefined;
    let stopped = 0;
    const source = {
      ...testSource('api', values),
      watch(onChange: (name: string) => void) {
        listener = onChange;
        return () => {
          stopped++;
          listener = undefined;
        };
      },
    };
    return { source, changed: (name: string) => listener?.(name), stopped: () => stopped };
  }

  it('drops every cached version of a changed name, and only that name', async () => {
    const { source, changed } = watchingSource({ TOKEN: 'one', 'TOKEN:v1': 'one', OTHER: 'x' });
    const baton = createBaton({ sources: [source], audit: false });
    await baton.getSecrets(['TOKEN', 'TOKEN:v1', 'OTHER']);
    source.values.TOKEN = 'two';
    changed('TOKEN');
    expect(await baton.getSecret('TOKEN')).toBe('two');
    await baton.getSecret('OTHER');
    expect(source.calls.get.filter((ref) => ref === 'OTHER')).toHaveLength(1);
    await baton.getSecret('TOKEN:v1');
    expect(source.calls.get.filter((ref) => ref === 'TOKEN:v1')).toHaveLength(2);
  });

  it('never caches a value read before the change it raced with', async () => {
    const { source, changed } = watchingSource({ TOKEN: 'old' });
    const slow = slowReader(source);
    const baton = createBaton({ sources: [slow.source], audit: false });
    const before = baton.getSecret('TOKEN');
    await slow.read;
    source.values.TOKEN = 'new';
    changed('TOKEN');
    const after = baton.getSecret('TOKEN');
    slow.release();
    expect(await before).toBe('old');
    expect(await after).toBe('new');
    expect(await baton.getSecret('TOKEN')).toBe('new');
  });

  it('stops watching when the Baton closes', async () => {
    const { source, stopped } = watchingSource({});
    const baton = createBaton({ sources: [source], audit: false });
    await baton.close();
    expect(stopped()).toBe(1);
  });
});

describe('rotateSecret', () => {
  it('does not join a read that started before it', async () => {
    const values: Record<string, string> = { 'API_KEY:v1': 'old' };
    const slow = slowReader(testSource('primary', values));
    const baton = createBaton({ sources: [slow.source], audit: false });
    const before = baton.getSecret('API_KEY:v1');
    await slow.read;
    values['API_KEY:v1'] = 'rotated';
    const rotated = baton.rotateSecret('API_KEY:v1');
    slow.release();
    expect(await before).toBe('old');
    expect(await rotated).toBe('rotated');
    expect(await baton.getSecret('API_KEY:v1')).toBe('rotated');
  });
});

/** Reads the value when asked but answers only once released, as a slow network read does. */
function slowReader<S extends SecretSource>(inner: S) {
  const gate = deferred();
  const read = deferred();
  const source: SecretSource = {
    ...inner,
    async get(ref) {
      const value = await inner.get(ref);
      read.resolve();
      await gate.promise;
      return value;
    },
  };
  return { source, read: read.promise, release: () => gate.resolve() };
}
