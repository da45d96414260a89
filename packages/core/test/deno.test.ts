/**
 * The main entry under Deno, the real runtime (the `deno` package's binary): without
 * `--allow-env`, reading a secret from the environment fails with an error that names the flag.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expectNoSecrets } from '@baton-tools/test-kit';
import { bundleForWorkerd } from '@baton-tools/test-kit/workerd';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const denoBin = createRequire(import.meta.url).resolve('deno/bin.cjs');
const SECRET = 'sk-deno-canary-5521';

/** Whether the Deno binary runs here. Outside CI its absence skips loudly; under CI=true it fails. */
async function denoAvailable(): Promise<boolean> {
  try {
    await run(process.execPath, [denoBin, '--version']);
    return true;
  } catch (error) {
    const message = `Deno does not run here (${(error as Error).message.split('\n')[0]}); the Deno suite needs the deno package's binary for this platform.`;
    if (process.env.CI === 'true') throw new Error(`${message} CI=true, so this fails.`);
    console.warn(`\n${'!'.repeat(100)}\nSKIPPED: ${message}\n${'!'.repeat(100)}\n`);
    return false;
  }
}

const available = await denoAvailable();
let dir: string;
let script: string;

async function deno(...flags: string[]): Promise<string> {
  const { stdout, stderr } = await run(
    process.execPath,
    [denoBin, 'run', '--no-prompt', ...flags, script],
    { env: { ...process.env, OPENAI_KEY_V2: SECRET, NO_COLOR: '1' } },
  );
  expectNoSecrets(stdout + stderr, [SECRET]);
  return stdout.trim();
}

describe.skipIf(!available)('under Deno', () => {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'baton-deno-'));
    script = join(dir, 'main.mjs');
    const { code } = await bundleForWorkerd(new URL('./fixtures/deno-env.ts', import.meta.url));
    await writeFile(script, code);
  }, 60_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('names --allow-env when the runtime refuses to read the environment', async () => {
    expect(await deno()).toBe(
      'Source "env" failed to read OPENAI_KEY:v2: the runtime refused to read the environment ' +
        'variable OPENAI_KEY_V2: under Deno, run with --allow-env (or --allow-env=OPENAI_KEY_V2 to allow only it)',
    );
  });

  it('reads the secret once the variable is allowed', async () => {
    expect(await deno('--allow-env=OPENAI_KEY_V2')).toBe(`read ${SECRET.length} characters`);
  });
});
