/**
 * The canary: rotations run with every rotator, succeeding and failing (with rotators and a
 * source whose errors quote the secret), and no value they make, nor the admin URL, reaches
 * what Baton emits: audit events, metrics, console and stdout/stderr, results and errors,
 * and PostgreSQL's own statement log.
 */
import { readFile } from 'node:fs/promises';
import { createBaton, defaultsSource, parseRef, type WritableSecretSource } from '@baton/core';
import {
  type CapturedOutput,
  captureOutput,
  expectNoSecrets,
  recordingTelemetry,
} from '@baton-tools/test-kit';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  postgresRole,
  type RotationResult,
  type Rotator,
  randomSecret,
  rotate,
} from '../src/index.js';
import { memorySource } from './support/memory-source.js';
import { ADMIN_URL, passwordDatabase, SERVER_LOG } from './support/roles.js';

const ADMIN_TOKEN_CANARY = 'canary-admin-token-5f0e1d2c3b4a';
const database = ADMIN_URL !== '' ? passwordDatabase() : undefined;
let output: CapturedOutput;

beforeAll(() => {
  output = captureOutput();
});

afterAll(async () => {
  output.restore();
  await database?.cleanup();
});

/** A rotator whose every error quotes the secret, as a careless one might. */
function leaky(step: 'set' | 'test' | 'finish'): Rotator {
  const inner = randomSecret();
  const fail = (value: string) => {
    throw Object.assign(new Error(`rejected ${value}`), { code: 'E_LEAKY', value });
  };
  return {
    create: inner.create,
    test: (ctx) => (step === 'test' ? fail(ctx.pendingValue) : inner.test(ctx)),
    ...(step === 'set' ? { set: (ctx) => fail(ctx.pendingValue) } : {}),
    ...(step === 'finish' ? { finish: (ctx) => fail(ctx.pendingValue) } : {}),
  };
}

/** A source whose write error echoes the value, as an SDK quoting a request might. */
function echoingSource(): WritableSecretSource {
  const inner = memorySource({ values: { 'ECHO:v1': 'echo-first-value-canary' } });
  return {
    ...inner,
    async put(ref, value) {
      throw new Error(`cannot store ${typeof ref === 'string' ? ref : ref.ref}=${value}`);
    },
  };
}

describe('canary', () => {
  it('no generated value, admin URL or token reaches audit events, metrics, output, results or the server log', async () => {
    const telemetry = recordingTelemetry();
    const source = memorySource({
      values: { 'HOOK:v1': 'hook-first-value-canary', 'ECHO:v1': 'echo-first-value-canary' },
    });
    const baton = createBaton({
      sources: [
        defaultsSource({ PG_ADMIN_URL: ADMIN_URL, VENDOR_TOKEN: ADMIN_TOKEN_CANARY }),
        source,
      ],
      telemetry: telemetry.options,
    });
    const results: RotationResult[] = [];
    const run = async (logical: string, rotator: Rotator, from: WritableSecretSource = source) => {
      const result = await rotate(baton, logical, { rotator, source: from });
      results.push(result);
      output.add(result);
      output.add(result.error);
      output.add(String(result.error?.stack));
      return result;
    };

    await baton.register('HOOK', 'HOOK:v1');
    expect((await run('HOOK', randomSecret())).status).toBe('rotated');
    expect((await run('HOOK', leaky('set'))).status).toBe('failed');
    expect((await run('HOOK', leaky('test'))).status).toBe('failed');
    expect((await run('HOOK', leaky('finish'))).step).toBe('finish');
    await baton.register('ECHO', 'ECHO:v1');
    expect((await run('ECHO', randomSecret(), echoingSource())).status).toBe('failed');

    const passwords: string[] = [];
    if (database !== undefined) {
      const { users, v1 } = await database.pair('canary');
      source.values.set('DB_URL:v1', v1);
      await baton.register('DB_URL', 'DB_URL:v1');
      const rotator = postgresRole({ adminUrl: 'PG_ADMIN_URL', users });
      expect((await run('DB_URL', rotator)).status).toBe('rotated');
      const admin = new pg.Client({ connectionString: ADMIN_URL });
      await admin.connect();
      await admin.query(`ALTER ROLE ${users[0]} VALID UNTIL '2000-01-01'`);
      await admin.end();
      expect((await run('DB_URL', rotator)).status).toBe('failed');
      for (const ref of ['DB_URL:v2', 'DB_URL:v3']) {
        const value = source.values.get(ref);
        if (value !== undefined) passwords.push(decodeURIComponent(new URL(value).password));
      }
    }

    await baton.close();
    const made = [...source.values.entries()]
      .filter(([ref]) => (parseRef(ref).version ?? 0) > 1)
      .map(([, value]) => value);
    expect(made.length).toBeGreaterThanOrEqual(4);
    const secrets = [
      ...made,
      ...passwords,
      ADMIN_URL,
      ...(ADMIN_URL === '' ? [] : [decodeURIComponent(new URL(ADMIN_URL).password)]),
      ADMIN_TOKEN_CANARY,
    ].filter((secret) => secret !== '');

    const emitted = [output.text(), JSON.stringify(results), await telemetry.emitted()].join('\n');
    expect(emitted).toContain('"type":"rotate_failed"');
    expectNoSecrets(emitted, secrets);
    if (SERVER_LOG !== '') {
      const log = await readFile(SERVER_LOG, 'utf8');
      expect(log).toContain('ALTER ROLE');
      expectNoSecrets(log, passwords);
    }
  });
});
