import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createBaton } from './baton.js';
import { defaultsSource } from './defaults-source.js';
import { envSource } from './env-source.js';
import { ConfigError } from './errors.js';

describe('createBaton options', () => {
  it('reports every invalid option in one ConfigError', () => {
    const error = (() => {
      try {
        createBaton({
          sources: [{ name: 'x' } as never],
          cache: { ttlMs: -1, maxEntries: 0, maxStaleMs: Number.NaN },
          registry: {
            graceMs: Number.POSITIVE_INFINITY,
            graceAnchor: 'rotation' as never,
            overrides: { 'bad-name': {} },
          },
          clock: 5 as never,
          audit: 'stdout' as never,
          auditBufferSize: 0,
        });
      } catch (caught) {
        return caught;
      }
    })() as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.issues).toEqual([
      'sources[0] must have a string "name" and a "get(ref)" function',
      'cache.ttlMs must be a non-negative number of milliseconds',
      'cache.maxStaleMs must be a non-negative number of milliseconds',
      'cache.maxEntries must be a positive integer',
      'registry.graceMs must be a non-negative number of milliseconds',
      "registry.graceAnchor must be 'activation' or 'promotion'",
      expect.stringMatching(/^registry.overrides: Invalid logical name: the name has "-"/),
      'clock must be a function returning epoch milliseconds',
      'audit must be a function, a sink with write(events), an array of them, or false',
      'auditBufferSize must be a positive integer',
    ]);
  });

  it('reads process.env at lookup time by default, not at creation', async () => {
    const baton = createBaton({ audit: false, cache: false });
    process.env.BATON_TEST_LATE_V2 = 'late';
    try {
      expect(await baton.getSecret('BATON_TEST_LATE:v2')).toBe('late');
    } finally {
      delete process.env.BATON_TEST_LATE_V2;
    }
  });
});

describe('envSource', () => {
  it('reads a bindings object or a function returning one; non-strings and empty strings are absent', async () => {
    let bindings: Record<string, unknown> = { KEY_V1: 'one', KV: { get() {} }, EMPTY: '' };
    const baton = createBaton({
      sources: [envSource({ env: () => bindings })],
      audit: false,
      cache: false,
    });
    expect(await baton.getSecret('KEY:v1')).toBe('one');
    await expect(baton.getSecret('KV')).rejects.toMatchObject({ code: 'BATON_NOT_FOUND' });
    await expect(baton.getSecret('EMPTY')).rejects.toMatchObject({ code: 'BATON_NOT_FOUND' });
    bindings = { KEY_V1: 'swapped' };
    expect(await baton.getSecret('KEY:v1')).toBe('swapped');
  });
});

describe('defaultsSource', () => {
  it('accepts refs or environment keys as keys, and only strings', async () => {
    const baton = createBaton({
      sources: [defaultsSource({ LOG_LEVEL: 'info', 'API_URL:v2': 'https://x/v2' })],
      audit: false,
    });
    expect(await baton.getSecrets(['LOG_LEVEL', 'API_URL:v2'])).toEqual({
      LOG_LEVEL: 'info',
      'API_URL:v2': 'https://x/v2',
    });
    expect(() => defaultsSource({ PORT: 3000 as never })).toThrow(
      /the default for PORT must be a string/,
    );
    expect(() => defaultsSource({ 'bad key': 'x' })).toThrow(/Invalid secret ref/);
  });
});

describe('close', () => {
  it('refuses registry changes once closed, as rejected promises', async () => {
    const baton = createBaton({ sources: [], audit: false });
    await baton.close();
    await expect(baton.register('K', 'K:v1')).rejects.toThrow(
      /Cannot register: this Baton instance is closed/,
    );
    await expect(baton.ready()).rejects.toMatchObject({ code: 'BATON_CLOSED' });
  });
});

describe('audit events from other packages', () => {
  it('go through the Baton sinks with its clock, like its own events', async () => {
    const events: unknown[] = [];
    const baton = createBaton({ audit: (event) => events.push(event), clock: () => 86_400_000 });
    baton.audit({
      type: 'rotate',
      logical: 'API_KEY',
      ref: 'API_KEY:v3',
      previousRef: 'API_KEY:v2',
    });
    baton.audit({
      type: 'rotate_failed',
      logical: 'API_KEY',
      reason: 'test',
      at: new Date('2026-01-02T03:04:05.000Z'),
    });
    await baton.flush();
    expect(events).toEqual([
      {
        type: 'rotate',
        logical: 'API_KEY',
        at: '1970-01-02T00:00:00.000Z',
        ref: 'API_KEY:v3',
        previousRef: 'API_KEY:v2',
      },
      { type: 'rotate_failed', logical: 'API_KEY', at: '2026-01-02T03:04:05.000Z', reason: 'test' },
    ]);
  });
});

describe('printing a Baton', () => {
  it('shows no cached value and no presented header, however deep or however printed', async () => {
    const value = 'printed-secret-value-123';
    const header = 'raw-header-presented-456';
    const baton = createBaton({
      sources: [defaultsSource({ TOKEN: value })],
      audit: false,
    });
    await baton.register('TOKEN', 'TOKEN');
    await baton.getSecret('TOKEN');
    await baton.verifyRequest({
      logical: 'TOKEN',
      proof: 'value',
      headers: { 'x-baton-ref': 'TOKEN', 'x-baton-key': value },
    });
    baton.verifyRef('TOKEN', header);
    const printed = [
      inspect(baton, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
      inspect(baton),
      JSON.stringify(baton),
      String(Object.values(baton).map((part) => inspect(part, { depth: 10 }))),
    ].join('\n');
    expect(printed).toContain('Baton { sources: [defaults], registry: memory, open }');
    expect(printed).not.toContain(value);
    expect(printed).not.toContain(header);
  });
});

describe('a source that throws something other than an Error', () => {
  it('keeps the thrown value out of the message and the cause chain', async () => {
    const token = 'thrown-token-value-789';
    for (const thrown of [token, { token }, [token]]) {
      const baton = createBaton({
        audit: false,
        sources: [{ name: 'odd', get: () => Promise.reject(thrown) }],
      });
      const error = await baton.getSecret('A').catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'BATON_SOURCE_FAILED' });
      expect(inspect(error, { depth: Number.POSITIVE_INFINITY })).not.toContain(token);
      expect((error as { underlying: unknown }).underlying).toBe(thrown);
    }
  });
});

describe('secrets for a request', () => {
  it('answers the values, or a 503 refusal that is audited per ref and logged once a minute', async () => {
    const events: { type: string; ref?: string; reason?: string }[] = [];
    const baton = createBaton({
      sources: [envSource({ env: { PRESENT: 'value-present' } })],
      audit: (event) => events.push(event),
    });
    expect(await baton.secretsForRequest(['PRESENT'])).toEqual({
      ok: true,
      values: { PRESENT: 'value-present' },
    });
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (line: string) => warnings.push(line);
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        const refused = await baton.secretsForRequest(['PRESENT', 'OPENAI_KEY:v2']);
        expect(refused).toMatchObject({ ok: false, status: 503, reason: 'secret_unavailable' });
      }
    } finally {
      console.warn = warn;
    }
    expect(warnings).toEqual([
      '[baton] refused a request with 503: No value for OPENAI_KEY:v2: set OPENAI_KEY_V2 in the environment (tried: env)',
    ]);
    await baton.flush();
    expect(events.filter((event) => event.type === 'inject_reject')).toEqual(
      Array(3).fill({
        type: 'inject_reject',
        logical: 'OPENAI_KEY',
        at: expect.any(String),
        ref: 'OPENAI_KEY:v2',
        reason: 'secret_unavailable',
        error: 'SecretNotFoundError (BATON_NOT_FOUND)',
      }),
    );
  });
});
