import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { captureOutput, expectNoSecrets } from '@baton-tools/test-kit';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBaton } from '../baton.js';
import { parseRef } from '../secret-ref.js';
import { dotenvSource } from './dotenv-source.js';

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const dotenvxCli = join(
  dirname(require.resolve('@dotenvx/dotenvx/package.json')),
  'src/cli/dotenvx.js',
);

const PLAIN = {
  STRIPE_KEY_V2: 'sk_test_dotenvx-plaintext-7731',
  DB_PASSWORD: 'dotenvx-db-password-0412',
};

let dir: string;
let production: string;
let privateKey: string;
let ciphertext: string;

/** Encrypts a file with the real dotenvx command, as a developer does (`dotenvx encrypt`). */
async function encrypt(path: string): Promise<void> {
  await run(process.execPath, [dotenvxCli, 'encrypt', '-f', path], {
    cwd: dirname(path),
    env: { ...process.env, DOTENVX_NO_ARMOR: 'true' },
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baton-dotenvx-'));
  production = join(dir, '.env.production');
  await writeFile(
    production,
    `STRIPE_KEY_V2=${PLAIN.STRIPE_KEY_V2}\nDB_PASSWORD=${PLAIN.DB_PASSWORD}\nDATABASE_URL="postgres://app:\${DB_PASSWORD}@db/app"\n`,
  );
  await encrypt(production);
  const keys = await readFile(join(dir, '.env.keys'), 'utf8');
  privateKey = /^DOTENV_PRIVATE_KEY_PRODUCTION=(\w+)$/m.exec(keys)?.[1] as string;
  ciphertext = /^STRIPE_KEY_V2=(encrypted:\S+)$/m.exec(
    await readFile(production, 'utf8'),
  )?.[1] as string;
}, 60_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('dotenvSource with values encrypted by dotenvx', () => {
  it('holds ciphertext on disk, made by the dotenvx command', () => {
    expect(privateKey).toMatch(/^[0-9a-f]{64}$/);
    expect(ciphertext).toMatch(/^encrypted:/);
  });

  it('decrypts with the private key named after the file, from the environment it is given', async () => {
    const source = dotenvSource({
      path: production,
      env: { DOTENV_PRIVATE_KEY_PRODUCTION: privateKey },
      keysPath: false,
    });
    expect(await source.get(parseRef('STRIPE_KEY:v2'))).toBe(PLAIN.STRIPE_KEY_V2);
    const batch = await source.getMany?.([parseRef('STRIPE_KEY:v2'), parseRef('DB_PASSWORD')]);
    expect(Object.fromEntries(batch ?? [])).toEqual({
      'STRIPE_KEY:v2': PLAIN.STRIPE_KEY_V2,
      DB_PASSWORD: PLAIN.DB_PASSWORD,
    });
  });

  it('reads the private key from .env.keys beside the file when the environment has none', async () => {
    const baton = createBaton({
      sources: [dotenvSource({ path: production, env: {} })],
      audit: false,
    });
    expect(await baton.getSecret('DB_PASSWORD')).toBe(PLAIN.DB_PASSWORD);
  });

  it('expands references to encrypted values with their plaintext', async () => {
    const source = dotenvSource({
      path: production,
      env: { DOTENV_PRIVATE_KEY_PRODUCTION: privateKey },
      expand: true,
    });
    expect(await source.get(parseRef('DATABASE_URL'))).toBe(
      `postgres://app:${PLAIN.DB_PASSWORD}@db/app`,
    );
  });

  it('never hands back the ciphertext: without a key it says which variable to set', async () => {
    const baton = createBaton({
      sources: [dotenvSource({ path: production, env: {}, keysPath: false })],
      audit: false,
    });
    const error = await baton.getSecret('STRIPE_KEY:v2').catch((caught: unknown) => caught);
    expect(String(error)).toContain(
      `dotenvSource: STRIPE_KEY_V2 in ${production} is encrypted (dotenvx) and no private key was found: set DOTENV_PRIVATE_KEY_PRODUCTION in the environment`,
    );
    expect(String(error)).not.toContain('encrypted:');
  });

  it('says so when the key belongs to another file, quoting neither key nor ciphertext', async () => {
    const other = join(dir, 'other', '.env');
    await run('mkdir', ['-p', dirname(other)]);
    await writeFile(other, 'X=1\n');
    await encrypt(other);
    const otherKey = /^DOTENV_PRIVATE_KEY=(\w+)$/m.exec(
      await readFile(join(dirname(other), '.env.keys'), 'utf8'),
    )?.[1] as string;
    const output = captureOutput();
    let message: string;
    try {
      const source = dotenvSource({
        path: production,
        env: { DOTENV_PRIVATE_KEY_PRODUCTION: otherKey },
        keysPath: false,
      });
      message = String(await source.get(parseRef('STRIPE_KEY:v2')).catch((error) => error));
    } finally {
      output.restore();
    }
    expect(message).toBe(
      `ConfigError: dotenvSource: STRIPE_KEY_V2 in ${production} could not be decrypted with DOTENV_PRIVATE_KEY_PRODUCTION: the private key does not belong to this file, or the value was damaged`,
    );
    // dotenvx itself printed nothing either (its own messages show part of the key).
    expectNoSecrets(output.text(), [otherKey.slice(0, 7), privateKey.slice(0, 7), ciphertext]);
  });

  it('says what to install when @dotenvx/dotenvx is not installed', async () => {
    // The Node entry bundled as an app would ship it, run where @dotenvx/dotenvx is absent.
    const app = await mkdtemp(join(tmpdir(), 'baton-no-dotenvx-'));
    try {
      await build({
        entryPoints: [fileURLToPath(new URL('./index.ts', import.meta.url))],
        bundle: true,
        platform: 'node',
        format: 'esm',
        outfile: join(app, 'baton-node.mjs'),
        external: ['@dotenvx/dotenvx'],
        banner: {
          js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
        },
        logLevel: 'silent',
      });
      await writeFile(
        join(app, 'main.mjs'),
        `import { dotenvSource } from './baton-node.mjs';
const source = dotenvSource({ path: process.argv[2], env: { DOTENV_PRIVATE_KEY_PRODUCTION: process.argv[3] } });
try { await source.get({ name: 'STRIPE_KEY', version: 2, ref: 'STRIPE_KEY:v2' }); console.log('decrypted'); }
catch (error) { console.log(error.message); }
`,
      );
      const { stdout } = await run(process.execPath, ['main.mjs', production, privateKey], {
        cwd: app,
      });
      expect(stdout.trim()).toBe(
        `dotenvSource: STRIPE_KEY_V2 in ${production} is encrypted (dotenvx); install @dotenvx/dotenvx to decrypt it (npm install @dotenvx/dotenvx)`,
      );
    } finally {
      await rm(app, { recursive: true, force: true });
    }
  });
});
