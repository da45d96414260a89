import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AwsSecretsManagerEmulator } from '@baton-tools/aws-secrets-manager-emulator';
import { afterAll } from 'vitest';

const path = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));
/** Inside the package, so a test's baton.config.* resolves workspace packages. */
const SCRATCH = path('../../tmp/');
const BUILT = path('../../dist/bin.js');
/** Sources the built command is made of: it is used only when newer than all of them. */
const SOURCES = [
  '../../src/',
  '../../../scan/src/',
  '../../../core/src/',
  '../../../rotation/src/',
].map(path);

function newestSource(): number {
  let newest = 0;
  for (const dir of SOURCES) {
    for (const file of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
      newest = Math.max(newest, statSync(join(dir, file)).mtimeMs);
    }
  }
  return newest;
}

function builtIsFresh(): boolean {
  try {
    return statSync(BUILT).mtimeMs > newestSource();
  } catch {
    return false;
  }
}

/**
 * How the tests start the command: the built `baton` (as installed) when the build is newer
 * than the sources (npm test builds first), else the TypeScript sources through tsx.
 */
export const BATON_ARGV = builtIsFresh()
  ? [process.execPath, BUILT]
  : [
      process.execPath,
      '--conditions=@baton/source',
      '--import',
      import.meta.resolve('tsx'),
      path('../../src/bin.ts'),
    ];

export interface BatonRun {
  code: number | string;
  stdout: string;
  stderr: string;
}

/**
 * Runs `baton ARGS` as a child process in `cwd` and waits for it. `env` is added to a clean
 * environment (PATH and HOME only), so the machine's own settings never leak in.
 */
export function baton(
  args: readonly string[],
  options: {
    cwd: string;
    env?: NodeJS.ProcessEnv;
    /** Called with the output so far each time the command prints. */
    onStdout?: (stdout: string, pid: number) => void;
  },
): Promise<BatonRun> {
  const [node, ...rest] = BATON_ARGV as [string, ...string[]];
  const child = spawn(node, [...rest, ...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: '1', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    options.onStdout?.(stdout, child.pid ?? 0);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve) => {
    child.once('close', (code, signal) =>
      resolve({ code: code ?? signal ?? 'unknown', stdout, stderr }),
    );
  });
}

const made: string[] = [];
afterAll(async () => {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A scratch directory for one test, removed when the file's tests end. */
export async function workdir(files: Record<string, string> = {}): Promise<string> {
  await mkdir(SCRATCH, { recursive: true });
  const dir = await mkdtemp(join(SCRATCH, 'cli-'));
  made.push(dir);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  return dir;
}

/** A `baton` executable for PATH, as a user's install provides, for the pre-commit hook. */
export async function batonOnPath(dir: string): Promise<string> {
  const bin = join(dir, '.bin');
  await mkdir(bin, { recursive: true });
  const quoted = BATON_ARGV.map((part) => `'${part}'`).join(' ');
  await writeFile(join(bin, 'baton'), `#!/bin/sh\nexec ${quoted} "$@"\n`);
  await chmod(join(bin, 'baton'), 0o755);
  return bin;
}

export { git } from '@baton-tools/test-kit';

/** The AWS SDK's own environment settings pointing at the emulator, as a user points it at LocalStack. */
export function awsSdkEnv(emulator: AwsSecretsManagerEmulator): NodeJS.ProcessEnv {
  return {
    AWS_ENDPOINT_URL: emulator.endpoint,
    AWS_REGION: emulator.region,
    AWS_ACCESS_KEY_ID: emulator.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: emulator.credentials.secretAccessKey,
  };
}
