import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type PackCheckResult,
  packCheck,
  publishablePackages,
  REPOSITORY_ROOT,
} from '../src/pack-check.js';

const packages = publishablePackages(REPOSITORY_ROOT);
let destination: string;
let results: Map<string, PackCheckResult>;

beforeAll(async () => {
  destination = await mkdtemp(join(tmpdir(), 'baton-pack-check-'));
  const checked = await packCheck(REPOSITORY_ROOT, packages, destination);
  results = new Map(checked.map((result) => [result.name, result]));
}, 120_000);

afterAll(async () => {
  await rm(destination, { recursive: true, force: true });
});

describe('every package under packages/', () => {
  it('is found, whatever its name', () => {
    expect(packages.map((each) => each.name)).toEqual(
      expect.arrayContaining(['@baton/core', '@baton/express', '@baton/nestjs', '@baton/hono']),
    );
    for (const each of packages) expect(each.directory).toMatch(/^packages\/[a-z0-9-]+$/);
  });

  it.each(packages.map((each) => each.name))(
    '%s packs, and its tarball passes publint, attw (esm-only) and the repository rules',
    (name) => {
      expect(results.get(name)?.problems).toEqual([]);
    },
  );
});
