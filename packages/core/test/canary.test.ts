/**
 * The canary: every feature of @baton/core runs with known secret values, and nothing Baton
 * emits (audit events, metrics, spans, error messages, console and stdout/stderr output)
 * may contain them.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CapturedOutput,
  captureOutput,
  expectNoSecrets,
  recordingTelemetry,
} from '@baton-tools/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type AuditEvent,
  computeSignature,
  createBaton,
  defaultsSource,
  envSource,
  jsonLinesSink,
  parseRef,
  type SecretSource,
} from '../src/index.js';
import { dotenvSource, filesSource } from '../src/node/index.js';
import { checkRequiredSecrets, loadSettings, secret } from '../src/settings/index.js';
import { manualClock } from '../src/testing/index.js';

/** Parses as a ref name, like many real tokens do: must never be echoed as a presented ref. */
const CANARY_REF_SHAPED = 'ghp_CANARY7f3a9c1e5b2d8f4a6c0e9b7d3f1a5c';
/** Does not parse as a ref. */
const CANARY = 'sk-canary-9d8c7b6a5f4e3d2c1b0a-!@#';
const CANARIES = [CANARY, CANARY_REF_SHAPED, 'canary-file-value-31337', 'canary-dotenv-value-4242'];

const errors: unknown[] = [];
let output: CapturedOutput;

async function failure(work: () => unknown): Promise<void> {
  try {
    await work();
  } catch (error) {
    errors.push(error);
  }
}

beforeAll(() => {
  output = captureOutput();
});

afterAll(() => {
  output.restore();
});

describe('canary', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'baton-canary-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('no secret value appears in anything Baton emits', async () => {
    await writeFile(join(dir, 'FILE_SECRET'), 'canary-file-value-31337\n');
    await writeFile(join(dir, '.env'), 'DOTENV_SECRET=canary-dotenv-value-4242\n');
    const telemetry = recordingTelemetry();
    const events: AuditEvent[] = [];
    const clock = manualClock();
    let failing = false;
    const flaky: SecretSource = {
      name: 'flaky',
      async get(ref) {
        if (failing) throw new Error(`upstream echoed ${CANARY} in its message`);
        return ref.ref === 'HOOK:v2' ? CANARY_REF_SHAPED : undefined;
      },
    };
    const baton = createBaton({
      sources: [
        envSource({ env: { HOOK_V1: CANARY, API_V1: CANARY } }),
        flaky,
        filesSource({ dir }),
        dotenvSource({ path: join(dir, '.env') }),
        defaultsSource({ LOG_LEVEL: 'info' }),
      ],
      clock,
      cache: { ttlMs: 1000, missTtlMs: 10 },
      registry: { graceMs: 60_000 },
      audit: [(event) => events.push(event), jsonLinesSink()],
      telemetry: telemetry.options,
    });

    // Secrets: single, batch, rotate, withSecret with an auth failure, every source kind.
    await baton.getSecret('HOOK:v1');
    await baton.getSecrets(['HOOK:v1', 'HOOK:v2', 'FILE_SECRET', 'DOTENV_SECRET', 'LOG_LEVEL']);
    await baton.rotateSecret('HOOK:v2');
    await baton.withSecret('HOOK:v1', (value) => {
      if (value === CANARY && clock() === 0) throw Object.assign(new Error('401'), { status: 401 });
      return value.length;
    });
    await failure(() => baton.getSecret('MISSING'));
    await failure(() => baton.getSecret(CANARY));
    await failure(() => baton.getSecret(CANARY_REF_SHAPED));
    await failure(() =>
      baton.getSecrets(['LOG_LEVEL', `${CANARY_REF_SHAPED}:v3`, CANARY_REF_SHAPED]),
    );
    await failure(() => parseRef(CANARY));

    // Stale-if-error, then the error once the stale window is over.
    failing = true;
    clock.advance(1000);
    await baton.getSecret('HOOK:v2');
    clock.advance(3_600_000);
    await failure(() => baton.getSecret('HOOK:v2'));
    failing = false;

    // Registry, verification with every kind of presented input, the value as a ref included.
    await baton.register('HOOK', 'HOOK:v1', { actor: 'deploy' });
    await baton.register('API', 'API:v1');
    await baton.promote('HOOK', 'HOOK:v2', { actor: 'ops' });
    for (const presented of [
      'HOOK:v1',
      'HOOK:v2',
      'HOOK:v3',
      CANARY,
      CANARY_REF_SHAPED,
      `HOOK:v1${CANARY}`,
      42,
    ]) {
      baton.verifyRef('HOOK', presented);
      baton.checkRef('HOOK', presented);
    }
    const timestamp = Math.floor(clock() / 1000);
    const good = await baton.sign('HOOK', 'payload');
    await baton.verifyRequest({ logical: 'HOOK', headers: good, body: 'payload' });
    await baton.verifyRequest({
      logical: 'HOOK',
      headers: { ...good, 'x-baton-ref': CANARY },
      body: 'payload',
    });
    await baton.verifyRequest({
      logical: 'HOOK',
      headers: { ...good, 'x-baton-signature': await computeSignature(CANARY, timestamp, 'other') },
      body: 'payload',
    });
    for (const key of [CANARY, CANARY_REF_SHAPED, `${CANARY}x`]) {
      await baton.verifyRequest({
        logical: 'API',
        proof: 'value',
        headers: { 'x-baton-ref': 'API:v1', 'x-baton-key': key },
      });
      await baton.verifyRequest({
        logical: 'API',
        proof: 'value',
        headers: { 'x-baton-ref': CANARY, 'x-baton-key': key },
      });
    }
    await baton.validateGrace('HOOK');
    await baton.retirePrevious('HOOK');
    clock.advance(60_000);
    await baton.validateGrace('HOOK');
    await failure(() => baton.register('HOOK', CANARY));
    await failure(() => baton.promote('HOOK', CANARY_REF_SHAPED));
    output.add(baton.status());
    output.add(await baton.history());

    // Settings: loaded, printed, and failing on a value of the wrong shape.
    const settings = await loadSettings({ 'HOOK:v1': secret(), LOG_LEVEL: z.string() }, { baton });
    output.add(settings);
    output.add(JSON.stringify(settings));
    output.add(String(settings));
    await failure(() => loadSettings({ 'HOOK:v1': secret({ format: 'anthropic' }) }, { baton }));
    await failure(() =>
      loadSettings(
        {
          'HOOK:v1': secret(
            z.string().refine(() => false, { error: (i) => `no: ${String(i.input)}` }),
          ),
        },
        { baton },
      ),
    );
    await failure(() => checkRequiredSecrets(['HOOK:v1', 'NOT_THERE'], { baton }));

    await baton.close();

    // Everything Baton emitted, in one place.
    // Errors as a logger prints them: message, stack, properties and the cause chain.
    for (const error of errors) {
      expect(error).toBeInstanceOf(Error);
      output.add(error);
      output.add(JSON.stringify(error));
    }
    expect(errors).toHaveLength(11);
    output.add(events.map((event) => JSON.stringify(event)));
    output.add(await telemetry.emitted());
    expect(events.length).toBeGreaterThan(30);
    expect(telemetry.spans.getFinishedSpans().length).toBeGreaterThan(5);

    const everything = output.text();
    expect(everything).toContain('verify_reject'); // the JSON-lines sink really wrote to stdout
    expectNoSecrets(everything, CANARIES);
  });
});
