import { auditCollector, deferred, testSource } from '@baton-tools/test-kit';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { createBaton } from './baton.js';
import { ConfigError, SecretTransformError, WithheldError } from './errors.js';
import { manualClock } from './testing/manual-clock.js';

const CONFIG = { url: 'https://api.example.com', port: 443, tags: ['a'] };

function setup() {
  const clock = manualClock();
  const source = testSource('vault', {
    'API_KEY:v1': 'key-one',
    'SERVICE_CONFIG:v1': JSON.stringify(CONFIG),
    'SIGNING_KEY:v1': 'AAEC/w==',
    'SIGNING_KEY:v2': 'AAEC_w',
    'NOT_JSON:v1': '{"token": sk-not-json-1234',
    'NOT_BASE64:v1': 'not base64!',
  });
  const baton = createBaton({
    sources: [source],
    clock,
    audit: auditCollector().sink,
    cache: { ttlMs: 60_000 },
  });
  return { baton, clock, source };
}

describe('getSecret freshness', () => {
  it('serves a cached value only as old as maxAgeMs allows, sharing the read that refreshes it', async () => {
    const { baton, clock, source } = setup();
    await baton.getSecret('API_KEY:v1');
    clock.advance(1_000);
    expect(await baton.getSecret('API_KEY:v1', { maxAgeMs: 5_000 })).toBe('key-one');
    expect(source.calls.get).toHaveLength(1);

    source.values['API_KEY:v1'] = 'key-one-edited';
    const gate = deferred();
    source.gate = gate.promise;
    const reads = Array.from({ length: 5 }, () => baton.getSecret('API_KEY:v1', { maxAgeMs: 500 }));
    gate.resolve();
    expect(await Promise.all(reads)).toEqual(Array(5).fill('key-one-edited'));
    expect(source.calls.get).toHaveLength(2);
    // The refreshed value is the cached one now: a plain read asks nobody.
    expect(await baton.getSecret('API_KEY:v1')).toBe('key-one-edited');
    expect(source.calls.get).toHaveLength(2);
  });

  it('forceFetch asks the sources, shares concurrent reads, and caches the answer', async () => {
    const { baton, source } = setup();
    await baton.getSecret('API_KEY:v1');
    source.values['API_KEY:v1'] = 'key-one-rotated';
    const reads = Array.from({ length: 3 }, () =>
      baton.getSecret('API_KEY:v1', { forceFetch: true }),
    );
    expect(await Promise.all(reads)).toEqual(Array(3).fill('key-one-rotated'));
    expect(source.calls.get).toHaveLength(2);
    expect(await baton.getSecret('API_KEY:v1')).toBe('key-one-rotated');
    expect(source.calls.get).toHaveLength(2);
  });

  it('bounds the age of every ref of getSecrets', async () => {
    const { baton, clock, source } = setup();
    await baton.getSecrets(['API_KEY:v1', 'SIGNING_KEY:v1']);
    clock.advance(2_000);
    await baton.getSecrets(['API_KEY:v1', 'SIGNING_KEY:v1'], { maxAgeMs: 10_000 });
    expect(source.calls.get).toHaveLength(2);
    await baton.getSecrets(['API_KEY:v1', 'SIGNING_KEY:v1'], { maxAgeMs: 1_000 });
    expect(source.calls.get).toHaveLength(4);
  });
});

describe('getSecret transforms', () => {
  it('parses JSON once per value, hands every reader the same frozen object, and re-parses a new value', async () => {
    const { baton, source } = setup();
    const first = await baton.getSecret('SERVICE_CONFIG:v1', { transform: 'json' });
    expectTypeOf(first).toEqualTypeOf<unknown>();
    expect(first).toEqual(CONFIG);
    expect(await baton.getSecret('SERVICE_CONFIG:v1', { transform: 'json' })).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(Object.isFrozen((first as typeof CONFIG).tags)).toBe(true);

    source.values['SERVICE_CONFIG:v1'] = JSON.stringify({ ...CONFIG, port: 8443 });
    const rotated = await baton.getSecret('SERVICE_CONFIG:v1', {
      transform: 'json',
      forceFetch: true,
    });
    expect(rotated).toEqual({ ...CONFIG, port: 8443 });
  });

  it('validates with a zod schema, typed as the schema’s output', async () => {
    const { baton } = setup();
    const schema = z.object({ url: z.url(), port: z.number().int(), tags: z.array(z.string()) });
    const config = await baton.getSecret('SERVICE_CONFIG:v1', { transform: 'json', schema });
    expectTypeOf(config).toEqualTypeOf<{ url: string; port: number; tags: string[] }>();
    expect(config).toEqual(CONFIG);
    expect(await baton.getSecret('SERVICE_CONFIG:v1', { transform: 'json', schema })).toBe(config);

    const text = await baton.getSecret('API_KEY:v1', { schema: z.string().min(4) });
    expectTypeOf(text).toEqualTypeOf<string>();
    expect(text).toBe('key-one');
  });

  it('names the ref and the failed rules of a schema, never the value or the validator’s message', async () => {
    const { baton } = setup();
    const schema = z.object({
      url: z
        .string()
        .refine((url) => url.startsWith('http://'), { error: (i) => `bad ${i.input}` }),
      port: z.string(),
    });
    const error = await baton
      .getSecret('SERVICE_CONFIG:v1', { transform: 'json', schema })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SecretTransformError);
    expect(error).toMatchObject({ code: 'BATON_INVALID_VALUE', ref: 'SERVICE_CONFIG:v1' });
    expect((error as Error).message).toBe(
      'The value of SERVICE_CONFIG:v1 does not match the schema: fails the rules custom at url, ' +
        'invalid_type at port (validation messages are withheld: they may quote the value)',
    );
    expect(String(error)).not.toContain('api.example.com');

    const short = await baton
      .getSecret('API_KEY:v1', { schema: z.string().min(64) })
      .catch((caught: unknown) => caught);
    expect((short as Error).message).toBe(
      'The value of API_KEY:v1 does not match the schema: fails the rule too_small (minimum 64) (validation messages are withheld: they may quote the value)',
    );
  });

  it('says a value is not JSON without quoting it, keeping only the parser’s kind as cause', async () => {
    const { baton } = setup();
    const error = await baton
      .getSecret('NOT_JSON:v1', { transform: 'json' })
      .catch((caught: unknown) => caught);
    expect((error as Error).message).toBe(
      "The value of NOT_JSON:v1 is not valid JSON (transform 'json'; the parser's message is withheld: it quotes the value)",
    );
    expect((error as Error).cause).toBeInstanceOf(WithheldError);
    expect(JSON.stringify(error) + String((error as Error).cause)).not.toContain('sk-not-json');
  });

  it('decodes base64 (standard or URL-safe) to bytes, a copy for every read', async () => {
    const { baton } = setup();
    const bytes = await baton.getSecret('SIGNING_KEY:v1', { transform: 'binary' });
    expectTypeOf(bytes).toEqualTypeOf<Uint8Array>();
    expect([...bytes]).toEqual([0, 1, 2, 255]);
    bytes.fill(0);
    expect([...(await baton.getSecret('SIGNING_KEY:v1', { transform: 'binary' }))]).toEqual([
      0, 1, 2, 255,
    ]);
    expect([...(await baton.getSecret('SIGNING_KEY:v2', { transform: 'binary' }))]).toEqual([
      0, 1, 2, 255,
    ]);
    await expect(baton.getSecret('NOT_BASE64:v1', { transform: 'binary' })).rejects.toThrow(
      "The value of NOT_BASE64:v1 is not base64 (transform 'binary' reads standard or URL-safe base64, padded or not)",
    );
  });

  it('transforms every ref of getSecrets, keyed as given', async () => {
    const { baton } = setup();
    const keys = await baton.getSecrets(['SIGNING_KEY:v1', 'SIGNING_KEY:V2'], {
      transform: 'binary',
    });
    expectTypeOf(keys).toEqualTypeOf<Record<'SIGNING_KEY:v1' | 'SIGNING_KEY:V2', Uint8Array>>();
    expect([...keys['SIGNING_KEY:V2']]).toEqual([0, 1, 2, 255]);
    const plain = await baton.getSecrets(['API_KEY:v1']);
    expectTypeOf(plain).toEqualTypeOf<Record<'API_KEY:v1', string>>();
  });

  it('refuses options that make no sense, listing each', async () => {
    const { baton } = setup();
    const error = await baton
      .getSecret('API_KEY:v1', {
        maxAgeMs: -1,
        transform: 'yaml',
        forceFetch: 'yes',
      } as never)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues).toEqual([
      'getSecret: maxAgeMs must be a non-negative number of milliseconds',
      'getSecret: forceFetch must be true or false',
      "getSecret: transform must be 'json' or 'binary'",
    ]);
    await expect(
      baton.getSecret('API_KEY:v1', { transform: 'binary', schema: z.string() } as never),
    ).rejects.toThrow("schema applies to text or JSON; it cannot follow transform 'binary'");
  });

  it('forgets transformed values when the cache is invalidated', async () => {
    const { baton, source } = setup();
    const before = await baton.getSecret('SERVICE_CONFIG:v1', { transform: 'json' });
    baton.invalidate();
    const after = await baton.getSecret('SERVICE_CONFIG:v1', { transform: 'json' });
    expect(after).toEqual(before);
    expect(after).not.toBe(before);
    expect(source.calls.get.filter((ref) => ref === 'SERVICE_CONFIG:v1')).toHaveLength(2);
  });
});
