import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exportedSpecifiers, requireFailures } from '../src/require-entries.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

describe('requireFailures', () => {
  it('names a module that require() refuses because of top-level await, with the code', async () => {
    expect(
      await requireFailures(fixture('top-level-await'), ['./index.js', './missing.js']),
    ).toEqual(['./index.js: ERR_REQUIRE_ASYNC_MODULE', './missing.js: MODULE_NOT_FOUND']);
  });

  it('loads an ES module without top-level await', async () => {
    expect(await requireFailures(fixture('false-cjs'), ['./lib/index.js'])).toEqual([]);
  });
});

describe('exportedSpecifiers', () => {
  it('lists the entries of exports, without package.json and patterns', () => {
    expect(
      exportedSpecifiers('@baton/core', {
        '.': './dist/index.js',
        './node': './dist/node/index.js',
        './features/*': './dist/features/*.js',
        './package.json': './package.json',
      }),
    ).toEqual(['@baton/core', '@baton/core/node']);
  });
});
