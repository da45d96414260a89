import { join } from 'node:path';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createBaton } from '@baton/core';
import { fileStore } from '@baton/core/node';
import { awsSecretsManager } from '@baton/providers-aws';
import {
  type AwsSecretsManagerEmulator,
  startAwsSecretsManagerEmulator,
} from '@baton-tools/aws-secrets-manager-emulator';
import { expectNoSecrets } from '@baton-tools/test-kit';
import { adminDatabase, DATABASE_URL, postgresAvailable } from '@baton-tools/test-kit/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsSdkEnv, baton, workdir } from './support/baton.js';

const DAY = 86_400_000;
let aws: AwsSecretsManagerEmulator;
let serial = 0;

beforeAll(async () => {
  aws = await startAwsSecretsManagerEmulator();
});
afterAll(() => aws?.close());

/**
 * A working directory with a baton.config.mjs whose rotations write to AWS Secrets Manager
 * (the emulator, reached through the SDK's environment), the registry in registry.json, and
 * the secrets given written as v1 and registered (each activated `ageDays` ago).
 */
async function project(
  secrets: Record<string, { v1: string; ageDays?: number }>,
  rotations: string,
  imports = "import { randomSecret, RotatorError } from '@baton/rotation';",
) {
  const prefix = `cli-${++serial}/`;
  const cwd = await workdir({
    'baton.config.mjs': [
      "import { envSource } from '@baton/core';",
      "import { awsSecretsManager } from '@baton/providers-aws';",
      imports,
      `const aws = awsSecretsManager({ prefix: ${JSON.stringify(prefix)}, versions: 'names' });`,
      "export default { sources: [envSource(), aws], store: 'file:registry.json',",
      `  rotations: ${rotations} };`,
    ].join('\n'),
  });
  const client = new SecretsManagerClient({
    endpoint: aws.endpoint,
    region: aws.region,
    credentials: aws.credentials,
  });
  const source = awsSecretsManager({ client, prefix, versions: 'names' });
  const registry = createBaton({
    audit: false,
    registry: { store: fileStore({ path: join(cwd, 'registry.json') }) },
  });
  for (const [logical, { v1, ageDays = 0 }] of Object.entries(secrets)) {
    await source.put(`${logical}:v1`, v1);
    await registry.register(logical, `${logical}:v1`, {
      activatedAt: new Date(Date.now() - ageDays * DAY),
    });
  }
  await registry.close();
  const env = { ...awsSdkEnv(aws), BATON_ACTOR: 'cron' };
  const run = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
    baton(args, { cwd, env: { ...env, ...extra } });
  const read = (ref: string) => {
    const [name = '', version] = ref.split(':v');
    return source.get({ name, version: Number(version), ref });
  };
  return { run, read };
}

describe('baton policy, status and rotate', () => {
  it('rotates what is due and nothing else; --dry-run changes nothing; status shows type, age and due date', async () => {
    const { run, read } = await project(
      {
        WEBHOOK_SECRET: { v1: 'webhook-first-0123456789', ageDays: 40 },
        API_KEY: { v1: 'api-first-0123456789', ageDays: 3 },
      },
      '{ WEBHOOK_SECRET: { rotator: randomSecret(), source: aws }, API_KEY: { rotator: randomSecret(), source: aws } }',
    );
    const policy = await run(['policy', 'WEBHOOK_SECRET', 'api-key']);
    expect(policy.code).toBe(0);
    expect(policy.stdout).toMatch(
      /^WEBHOOK_SECRET: api-key, every 30 days; due \d{4}-\S+ \(overdue by 10 d( \d+ h)?\)\.\n$/,
    );
    await run(['policy', 'API_KEY', 'api-key', '--period', '7']);

    const status = await run(['status']);
    const [header, apiRow, webhookRow] = status.stdout.trimEnd().split('\n');
    expect(header).toMatch(/\s+ACTIVATED\s+TYPE\s+AGE\s+DUE$/);
    expect(apiRow).toMatch(/^API_KEY\s.*\sapi-key\s+3 d( \d+ min)?\s+in 3 d/);
    expect(webhookRow).toMatch(/^WEBHOOK_SECRET\s.*\sapi-key\s+40 d( \d+ min)?\s+overdue by 10 d/);
    const json = JSON.parse((await run(['status', 'API_KEY', '--json'])).stdout);
    expect(json[0]).toMatchObject({
      rotation: { type: 'api-key', periodDays: 7 },
      ageMs: expect.any(Number),
      dueAt: expect.any(String),
      overdue: false,
    });

    const dry = await run(['rotate', '--due', '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(
      /WEBHOOK_SECRET\s+api-key\s+WEBHOOK_SECRET:v1\s+WEBHOOK_SECRET:v2\s+40 d.*overdue by 10 d.*configured/,
    );
    expect(dry.stdout).not.toContain('API_KEY');
    expect(dry.stdout).toContain('Dry run: nothing was changed.');
    expect(await read('WEBHOOK_SECRET:v2')).toBeUndefined();

    const rotated = await run(['rotate', '--due']);
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(
      /^LOGICAL\s+FROM\s+TO\s+STATUS\s+STEP\nWEBHOOK_SECRET\s+WEBHOOK_SECRET:v1\s+WEBHOOK_SECRET:v2\s+rotated\s+-\n$/,
    );
    const v2 = await read('WEBHOOK_SECRET:v2');
    expect(v2).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await read('WEBHOOK_SECRET:v1')).toBe('webhook-first-0123456789');
    const after = JSON.parse((await run(['status', '--json'])).stdout);
    expect(after.map((entry: { currentRef: string }) => entry.currentRef)).toEqual([
      'API_KEY:v1',
      'WEBHOOK_SECRET:v2',
    ]);
    const [promotion] = JSON.parse((await run(['history', 'WEBHOOK_SECRET', '--json'])).stdout);
    expect(promotion).toMatchObject({
      change: 'promote',
      toRef: 'WEBHOOK_SECRET:v2',
      actor: 'cron',
    });

    const again = await run(['rotate', '--due', '--json']);
    expect([again.code, JSON.parse(again.stdout)]).toEqual([0, []]);
    expectNoSecrets([dry, rotated, again].map((r) => r.stdout + r.stderr).join('\n'), [
      v2 as string,
    ]);
  });

  it('rotates by name and by type, with JSON for programs', async () => {
    const { run } = await project(
      { SIGNING_KEY: { v1: 'signing-first-0123456789' }, OTHER: { v1: 'other-first-0123456789' } },
      '{ SIGNING_KEY: { rotator: randomSecret({ encoding: "base64" }), source: aws }, OTHER: { rotator: randomSecret(), source: aws } }',
    );
    await run(['policy', 'SIGNING_KEY', 'jwt']);
    const byType = await run(['rotate', '--type', 'jwt', '--json']);
    expect([byType.code, JSON.parse(byType.stdout)]).toEqual([
      0,
      [
        {
          logical: 'SIGNING_KEY',
          status: 'rotated',
          fromRef: 'SIGNING_KEY:v1',
          toRef: 'SIGNING_KEY:v2',
          revision: 3,
          resumed: false,
          abandoned: [],
        },
      ],
    ]);
    const byName = await run(['rotate', 'OTHER']);
    expect(byName.stdout).toMatch(/OTHER\s+OTHER:v1\s+OTHER:v2\s+rotated/);
  });

  it('exits 1 and says at which step when a rotation fails, and what to add when a secret has no rotation; the registry is untouched', async () => {
    const { run } = await project(
      {
        PARTNER_KEY: { v1: 'partner-first-0123456789' },
        LONELY: { v1: 'lonely-first-0123456789' },
      },
      "{ PARTNER_KEY: { rotator: { ...randomSecret(), test() { throw new RotatorError('the partner refused the new key'); } }, source: aws } }",
    );
    const failed = await run(['rotate', 'PARTNER_KEY', 'LONELY']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/LONELY\s+LONELY:v1\s+LONELY:v2\s+failed\s+-/);
    expect(failed.stdout).toMatch(/PARTNER_KEY\s+PARTNER_KEY:v1\s+PARTNER_KEY:v2\s+failed\s+test/);
    expect(failed.stderr).toContain(
      'error: Rotation of PARTNER_KEY to PARTNER_KEY:v2 failed at test: the partner refused the new key',
    );
    expect(failed.stderr).toContain(
      'error: No rotation configured for LONELY: add rotations: { LONELY: { rotator, source } } to baton.config.ts',
    );
    const status = JSON.parse((await run(['status', '--json'])).stdout);
    expect(status.map((entry: { currentRef: string }) => entry.currentRef)).toEqual([
      'LONELY:v1',
      'PARTNER_KEY:v1',
    ]);
  });

  it('exits 2 for a command line that cannot run, and 1 for a secret that is not registered', async () => {
    const { run } = await project({ KEY: { v1: 'key-first-0123456789' } }, '{}');
    const nothing = await run(['rotate']);
    expect([nothing.code, nothing.stderr]).toEqual([
      2,
      expect.stringContaining('Say what to rotate: LOGICAL…, --type TYPE or --due'),
    ]);
    expect((await run(['rotate', '--type', 'password'])).code).toBe(2);
    expect((await run(['policy', 'KEY', 'password'])).code).toBe(2);
    expect((await run(['policy', 'KEY', 'jwt', '--period', '0'])).code).toBe(2);
    const unknown = await run(['rotate', 'NOPE']);
    expect([unknown.code, unknown.stderr]).toEqual([
      1,
      expect.stringContaining('No registry entry for NOPE'),
    ]);
    expect((await run(['policy', 'NOPE', 'jwt'])).code).toBe(1);
    const cleared = await run(['policy', 'KEY', '--clear']);
    expect(cleared.stdout).toBe('KEY has no rotation policy.\n');
  });
});

const postgres = await postgresAvailable();

describe.skipIf(!postgres)('baton rotate with postgresRole', () => {
  const database = adminDatabase();
  afterAll(() => database.cleanup());

  it('reads the admin URL through Baton (the environment here), never from the command line', async () => {
    const users = [await database.role('cli_a'), await database.role('cli_b')];
    const v1 = new URL(DATABASE_URL);
    v1.username = users[0] as string;
    v1.password = 'first-password';
    const { run, read } = await project(
      { DB_URL: { v1: v1.href } },
      `{ DB_URL: { rotator: postgresRole({ adminUrl: 'PG_ADMIN_URL', users: ${JSON.stringify(users)} }), source: aws } }`,
      "import { postgresRole } from '@baton/rotation';",
    );
    const rotated = await run(['rotate', 'DB_URL', '--json'], { PG_ADMIN_URL: DATABASE_URL });
    expect(JSON.parse(rotated.stdout)).toEqual([
      expect.objectContaining({ status: 'rotated', toRef: 'DB_URL:v2' }),
    ]);
    expect(new URL((await read('DB_URL:v2')) as string).username).toBe(users[1]);
    const password = new URL((await read('DB_URL:v2')) as string).password;
    expectNoSecrets(rotated.stdout + rotated.stderr, [password]);

    const without = await run(['rotate', 'DB_URL']);
    expect(without.code).toBe(1);
    expect(without.stderr).toContain('failed at create');
  });
});
