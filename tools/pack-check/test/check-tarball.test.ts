import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTarball } from '../src/check-tarball.js';
import { type Packed, pack } from '../src/pack.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

let destination: string;
/** A package with a mistake of every kind. */
let problems: string[];
/** ES module code with CommonJS types. */
let falseCjs: string[];

beforeAll(async () => {
  destination = await mkdtemp(join(tmpdir(), 'baton-pack-check-'));
  const packed = await pack([fixture('broken'), fixture('false-cjs')], destination);
  const check = async ({ tarball, files }: Packed) =>
    checkTarball(await readFile(tarball), files, { directory: 'packages/broken' });
  [problems, falseCjs] = (await Promise.all(packed.map(check))) as [string[], string[]];
});

afterAll(async () => {
  await rm(destination, { recursive: true, force: true });
});

describe('checkTarball', () => {
  it('reports what publint finds: types listed after default, and a types file that is not there', () => {
    expect(problems).toContainEqual(
      expect.stringMatching(/^publint error: .*types.*should be the first/),
    );
    expect(problems).toContainEqual(
      expect.stringMatching(/^publint error: .*lib\/index\.d\.ts.*does not exist/),
    );
  });

  it('reports what Are the Types Wrong finds for ESM importers, and not what only CommonJS meets', () => {
    expect(problems).toContain('attw: the package ships no types');
    const attw = falseCjs.filter((problem) => problem.startsWith('attw:'));
    expect(attw).toContainEqual(
      expect.stringMatching(
        /^attw: FalseCJS \("\." under node16-esm.*; types lib\/index\.d\.cts, implementation lib\/index\.js\)$/,
      ),
    );
    // node10 finds no entry point at all (there is no "main"): an ESM-only package does not serve it.
    for (const problem of attw) expect(problem).not.toMatch(/node10|node16-cjs/);
  });

  it('reports what the repository asks of every package', () => {
    expect(problems).toEqual(
      expect.arrayContaining([
        'the tarball has no dist/: build the package first (npx nx run-many -t build)',
        'the tarball has no README.md',
        'the tarball has no LICENSE',
        'the tarball ships tests: test/index.test.js',
        '"license" must be "MIT"',
        '"engines.node" must be "^20.19 || >=22.12", the versions where require() of an ES module works (found ">=20")',
        '"repository" must be { "type": "git", "url": "git+https://github.com/baton-secrets/baton.git", "directory": "packages/broken" }',
        '"keywords" is missing',
        '"publishConfig" must be { "access": "public" }: scoped packages are private by default',
      ]),
    );
  });
});
