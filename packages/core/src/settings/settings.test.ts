import { inspect } from 'node:util';
import { testSource } from '@baton-tools/test-kit';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createBaton } from '../baton.js';
import { ConfigError } from '../errors.js';
import { duration } from './duration.js';
import { checkRequiredSecrets, loadSettings, secret } from './settings.js';

const ANTHROPIC = `sk-ant-api03-${'A1b2C3d4'.repeat(4)}`;
const OPENAI = `sk-proj-${'Z9y8X7w6'.repeat(4)}`;

function batonWith(values: Record<string, string>, options: { batch?: boolean } = {}) {
  const source = testSource('env', values, options);
  return { baton: createBaton({ sources: [source], audit: false }), source };
}

describe('loadSettings', () => {
  it('loads typed values through the source chain, applying defaults to non-sensitive fields', async () => {
    const { baton } = batonWith({
      PORT: '8080',
      ANTHROPIC_API_KEY: ANTHROPIC,
      'WEBHOOK_SECRET:v2': 'w'.repeat(32),
    });
    const settings = await loadSettings(
      {
        PORT: z.coerce.number().int(),
        LOG_LEVEL: z.enum(['debug', 'info']).default('info'),
        ANTHROPIC_API_KEY: secret({ format: 'anthropic' }),
        'WEBHOOK_SECRET:v2': secret(z.string().min(32)),
      },
      { baton },
    );
    expect(settings.PORT).toBe(8080);
    expect(settings.LOG_LEVEL).toBe('info');
    expect(settings.ANTHROPIC_API_KEY).toBe(ANTHROPIC);
    expect(settings['WEBHOOK_SECRET:v2']).toHaveLength(32);
  });

  it('reads everything with one batch call where the source has one', async () => {
    const { baton, source } = batonWith({ A: '1', B: '2', C: '3' }, { batch: true });
    await loadSettings({ A: z.string(), B: z.string(), C: secret() }, { baton });
    expect(source.calls.getMany).toEqual([['A', 'B', 'C']]);
  });

  it('fails fast with one ConfigError listing every missing or invalid name, never a value', async () => {
    const { baton } = batonWith({
      PORT: 'eighty',
      OPENAI_API_KEY: ANTHROPIC,
      TOKEN: 'short-token-value',
    });
    const error = await loadSettings(
      {
        PORT: z.coerce.number().int(),
        DATABASE_URL: z.string().url(),
        OPENAI_API_KEY: secret({ format: 'openai' }),
        STRIPE_KEY: secret({ format: 'stripe' }),
        TOKEN: secret(z.string().min(32)),
      },
      { baton },
    ).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    const { issues, message, code } = error as ConfigError;
    expect(code).toBe('BATON_CONFIG');
    expect(issues).toEqual([
      expect.stringMatching(/^PORT is invalid: /),
      'DATABASE_URL is missing',
      'OPENAI_API_KEY does not look like an OpenAI API key (sk-… or sk-proj-…)',
      'STRIPE_KEY is missing',
      'TOKEN is invalid: fails the rule too_small (minimum 32) (messages of sensitive settings are withheld)',
    ]);
    expect(message).not.toContain(ANTHROPIC);
    expect(message).not.toContain('short-token-value');
  });

  it('names the rule, never a custom message, for a sensitive setting', async () => {
    const { baton } = batonWith({ TOKEN: 'Leaky-Secret-Value' });
    const quoting = [
      (input: string) => `bad token "${input}"`,
      (input: string) => `bad token ${input.toLowerCase()}`,
      (input: string) => `starts with ${input.slice(0, 11)}`,
      (input: string) => `reversed ${[...input].reverse().join('')}`,
    ];
    for (const message of quoting) {
      const schema = z
        .string()
        .refine(() => false, { error: (issue) => message(String(issue.input)) });
      const error = (await loadSettings({ TOKEN: secret(schema) }, { baton }).catch(
        (e: unknown) => e,
      )) as ConfigError;
      expect(error.issues).toEqual([
        'TOKEN is invalid: fails the rule custom (messages of sensitive settings are withheld)',
      ]);
    }
  });

  it('keeps the messages of other settings, with the value redacted', async () => {
    const { baton } = batonWith({ MODE: 'turbo' });
    const schema = z
      .string()
      .refine(() => false, { error: (issue) => `unknown mode ${String(issue.input)}` });
    const error = (await loadSettings({ MODE: schema }, { baton }).catch(
      (e: unknown) => e,
    )) as ConfigError;
    expect(error.issues).toEqual(['MODE is invalid: unknown mode [redacted]']);
  });

  it('reports a source failure by name', async () => {
    const { baton, source } = batonWith({ A: 'a' });
    source.failWith = Object.assign(new Error('denied'), { name: 'AccessDeniedException' });
    const error = (await loadSettings({ A: secret() }, { baton }).catch(
      (e: unknown) => e,
    )) as ConfigError;
    expect(error.issues).toEqual([
      'A could not be read: Source "env" failed to read A: AccessDeniedException',
    ]);
  });

  it('refuses keys that are not refs', async () => {
    const { baton } = batonWith({});
    await expect(loadSettings({ 'my-key': z.string() }, { baton })).rejects.toThrow(
      /setting key "my-key" is not a ref/,
    );
  });

  it('redacts sensitive values in toString, JSON.stringify, util.inspect and spreads', async () => {
    const { baton } = batonWith({ PORT: '1', API_KEY: 'super-secret-api-key' });
    const settings = await loadSettings({ PORT: z.coerce.number(), API_KEY: secret() }, { baton });
    expect(JSON.stringify(settings)).toBe('{"PORT":1,"API_KEY":"[redacted]"}');
    expect(String(settings)).toBe('Settings {"PORT":1,"API_KEY":"[redacted]"}');
    expect(inspect(settings)).toBe("{ PORT: 1, API_KEY: '[redacted]' }");
    expect(JSON.stringify({ config: settings })).not.toContain('super-secret');
    expect({ ...settings }).toEqual({ PORT: 1 });
    expect(settings.API_KEY).toBe('super-secret-api-key');
    expect(Object.isFrozen(settings)).toBe(true);
  });
});

describe('secret', () => {
  it('refuses a default for a sensitive field', () => {
    expect(() => secret(z.string().default('dev-key'))).toThrow(/cannot have a default/);
    expect(() => secret(z.string().optional())).not.toThrow();
  });

  it('refuses an unknown format', () => {
    expect(() => secret({ format: 'nope' as 'openai' })).toThrow(/unknown format "nope"/);
  });

  it.each([
    ['anthropic', ANTHROPIC, OPENAI],
    ['openai', OPENAI, ANTHROPIC],
    ['stripe', `sk_live_${'a1'.repeat(12)}`, 'pk_live_abc'],
    ['github', `ghp_${'a'.repeat(36)}`, 'ghp_short'],
    ['slack', 'xoxb-1234-5678-abcdefgh', 'xoxz-1'],
    ['sendgrid', `SG.${'a'.repeat(22)}.${'b'.repeat(43)}`, 'SG.abc'],
    ['aws-access-key-id', 'AKIAIOSFODNN7EXAMPLE', 'AKIA123'],
  ] as const)('checks the %s format', async (format, good, bad) => {
    const { baton } = batonWith({ GOOD: good, BAD: bad });
    await expect(loadSettings({ GOOD: secret({ format }) }, { baton })).resolves.toBeDefined();
    await expect(loadSettings({ BAD: secret({ format }) }, { baton })).rejects.toThrow(
      /BAD does not look like/,
    );
  });
});

describe('duration', () => {
  it('reads 90s, 15m, 24h, 7d and milliseconds', async () => {
    const { baton } = batonWith({ A: '90s', B: '15m', C: '24h', D: '7d', E: '250' });
    const settings = await loadSettings(
      {
        A: duration(),
        B: duration(),
        C: duration(),
        D: duration(),
        E: duration(),
        F: duration('1h'),
      },
      { baton },
    );
    expect(settings).toMatchObject({
      A: 90_000,
      B: 900_000,
      C: 86_400_000,
      D: 604_800_000,
      E: 250,
      F: 3_600_000,
    });
  });

  it('names a bad duration', async () => {
    const { baton } = batonWith({ GRACE: 'a day' });
    await expect(loadSettings({ GRACE: duration() }, { baton })).rejects.toThrow(
      /GRACE is invalid: expected a duration/,
    );
  });
});

describe('checkRequiredSecrets', () => {
  it('passes when every ref resolves and lists every missing one otherwise', async () => {
    const { baton } = batonWith({ A: 'a', 'B:v2': 'b' });
    await expect(checkRequiredSecrets(['A', 'B:v2'], { baton })).resolves.toBeUndefined();
    const error = (await checkRequiredSecrets(['A', 'B:v3', 'C'], { baton }).catch(
      (e: unknown) => e,
    )) as ConfigError;
    expect(error.issues).toEqual(['B:v3 is missing', 'C is missing']);
  });
});
