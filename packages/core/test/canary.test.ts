/**
 * The canary: every feature of @baton/core runs with known secret values, and nothing Baton
 * emits (audit events, metrics, spans, error messages, console and stdout/stderr output)
 * may contain them.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import {
  type CapturedOutput,
  captureOutput,
  expectNoSecrets,
  recordingTelemetry,
} from '@baton-tools/test-kit';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type AuditEvent,
  computeSignature,
  computeWebhookSignature,
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

  it('no secret value appears in what transformed reads, .env expansion, dotenvx and webhooks emit', async () => {
    // Values of every shape the new paths handle; each must stay out of everything emitted.
    const WHSEC = `whsec_${Buffer.from('canary-whsec-key-bytes-0731-abcdef').toString('base64')}`;
    const WHSEC_OLD = `whsec_${Buffer.from('canary-old-whsec-key-2286-uvwxyz').toString('base64')}`;
    const JSON_SECRET = 'canary-json-field-6619';
    const BINARY_SECRET = 'canary-binary-bytes-4411';
    const DOTENVX_PLAIN = 'canary-dotenvx-plaintext-9902';
    const EXPANDED_PART = 'canary-expanded-part-1357';
    const NOT_JSON = `{"token": ${CANARY_REF_SHAPED}`;
    const values: Record<string, string> = {
      'HOOK:v1': WHSEC_OLD,
      'HOOK:v2': WHSEC,
      'BROKEN:v1': 'whsec_canary*broken*7788',
      'CONFIG:v1': JSON.stringify({ token: JSON_SECRET, port: 'not-a-number' }),
      'KEY:v1': Buffer.from(BINARY_SECRET).toString('base64'),
      'NOT_JSON:v1': NOT_JSON,
      'NOT_BASE64:v1': `${BINARY_SECRET}!`,
    };

    const run = promisify(execFile);
    const require = createRequire(import.meta.url);
    const cli = join(
      dirname(require.resolve('@dotenvx/dotenvx/package.json')),
      'src/cli/dotenvx.js',
    );
    const envPath = join(dir, '.env.production');
    await writeFile(
      envPath,
      `SEALED=${DOTENVX_PLAIN}\nPART=${EXPANDED_PART}\nJOINED="prefix-\${PART}"\n`,
    );
    await run(process.execPath, [cli, 'encrypt', '-f', envPath], {
      cwd: dir,
      env: { ...process.env, DOTENVX_NO_ARMOR: 'true' },
    });
    const keys = await readFile(join(dir, '.env.keys'), 'utf8');
    const privateKey = /^DOTENV_PRIVATE_KEY_PRODUCTION=(\w+)$/m.exec(keys)?.[1] as string;
    const ciphertext = /^SEALED=(encrypted:\S+)$/m.exec(await readFile(envPath, 'utf8'))?.[1];
    expect(ciphertext).toBeDefined();
    const secrets = [
      ...CANARIES,
      WHSEC,
      WHSEC_OLD,
      WHSEC.slice(6),
      WHSEC_OLD.slice(6),
      'canary*broken',
      JSON_SECRET,
      BINARY_SECRET,
      DOTENVX_PLAIN,
      EXPANDED_PART,
      privateKey,
      privateKey.slice(0, 7),
      ciphertext as string,
    ];

    const telemetry = recordingTelemetry();
    const events: AuditEvent[] = [];
    const failures: unknown[] = [];
    const clock = manualClock(Date.now());
    const baton = createBaton({
      sources: [
        defaultsSource(values),
        dotenvSource({
          path: envPath,
          expand: true,
          env: { DOTENV_PRIVATE_KEY_PRODUCTION: privateKey },
          keysPath: false,
        }),
      ],
      clock,
      registry: { graceMs: 60_000 },
      audit: [(event) => events.push(event), jsonLinesSink()],
      telemetry: telemetry.options,
    });
    // Results are the app's own: only failures are Baton's to word.
    const attempt = async (work: () => unknown) => {
      try {
        await work();
      } catch (error) {
        failures.push(error);
      }
    };

    // Transformed reads: good ones (their results are the app's, not emitted), failing ones.
    await baton.getSecret('CONFIG:v1', { transform: 'json' });
    await baton.getSecret('KEY:v1', { transform: 'binary', maxAgeMs: 0 });
    await baton.getSecrets(['KEY:v1'], { transform: 'binary', forceFetch: true });
    await attempt(() =>
      baton.getSecret('CONFIG:v1', {
        transform: 'json',
        schema: z.object({
          token: z.string().refine(() => false, { error: (issue) => `bad ${String(issue.input)}` }),
          port: z.number(),
        }),
      }),
    );
    await attempt(() => baton.getSecret('NOT_JSON:v1', { transform: 'json' }));
    await attempt(() => baton.getSecret('NOT_BASE64:v1', { transform: 'binary' }));
    await attempt(() => baton.getSecret('KEY:v1', { schema: z.string().max(3) }));

    // .env: decrypted, expanded, and failing without the key and with a wrong one.
    expect(await baton.getSecret('SEALED')).toBe(DOTENVX_PLAIN);
    expect(await baton.getSecret('JOINED')).toBe(`prefix-${EXPANDED_PART}`);
    await attempt(() =>
      dotenvSource({ path: envPath, env: {}, keysPath: false }).get(parseRef('SEALED')),
    );
    await attempt(() =>
      dotenvSource({
        path: envPath,
        env: {
          DOTENV_PRIVATE_KEY_PRODUCTION: privateKey.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')),
        },
        keysPath: false,
      }).get(parseRef('SEALED')),
    );

    // Webhooks, both protocols: signing through a rotation, verifying good, forged, replayed.
    await baton.register('HOOK', 'HOOK:v1');
    await baton.register('BROKEN', 'BROKEN:v1');
    await baton.promote('HOOK', 'HOOK:v2');
    const body = JSON.stringify({ note: 'payload' });
    const standard = await baton.sign('HOOK', body, { protocol: 'standard-webhooks' });
    output.add(standard['webhook-id']);
    const webhook = { logical: 'HOOK', protocol: 'standard-webhooks' as const, body };
    await baton.verifyRequest({ ...webhook, headers: standard });
    await baton.verifyRequest({ ...webhook, headers: standard });
    const seconds = String(Math.floor(clock() / 1000));
    const theirs = new Webhook(WHSEC_OLD).sign(
      'msg_canary',
      new Date(Number(seconds) * 1000),
      body,
    );
    await baton.verifyRequest({
      ...webhook,
      headers: {
        'webhook-id': 'msg_canary',
        'webhook-timestamp': seconds,
        'webhook-signature': theirs,
      },
    });
    for (const id of [CANARY, CANARY_REF_SHAPED, WHSEC]) {
      await baton.verifyRequest({
        ...webhook,
        headers: { ...standard, 'webhook-id': id },
      });
      await baton.verifyRequest({
        logical: 'HOOK',
        headers: { ...(await baton.sign('HOOK', body)), 'x-baton-id': id },
        body,
      });
    }
    await baton.verifyRequest({
      ...webhook,
      headers: {
        ...standard,
        'webhook-signature': await computeWebhookSignature(CANARY, 'msg_forged', seconds, body),
      },
    });
    await baton.verifyRequest({ ...webhook, logical: 'BROKEN', headers: standard });
    await attempt(() => baton.sign('BROKEN', body, { protocol: 'standard-webhooks' }));
    const withId = await baton.sign('HOOK', body, { id: 'evt_canary_1' });
    await baton.verifyRequest({ logical: 'HOOK', headers: withId, body });
    await baton.verifyRequest({ logical: 'HOOK', headers: withId, body });
    await attempt(() => baton.sign('HOOK', body, { protocol: 'standard-webhooks', id: WHSEC }));
    await attempt(() => baton.sign('HOOK', body, { id: CANARY_REF_SHAPED.replace(/_/g, '.') }));

    await baton.close();
    for (const error of failures) {
      expect(error).toBeInstanceOf(Error);
      output.add(error);
      output.add(JSON.stringify(error));
    }
    expect(failures).toHaveLength(8);
    output.add(events.map((event) => JSON.stringify(event)));
    output.add(await telemetry.emitted());
    expect(events.some((event) => event.reason === 'replayed')).toBe(true);
    expect(events.some((event) => event.reason === 'secret_unavailable')).toBe(true);
    expectNoSecrets(output.text(), secrets);
  });
});
