import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkTarball } from './check-tarball.js';
import { pack } from './pack.js';
import { exportedSpecifiers, requireFailures } from './require-entries.js';

/** The repository this package belongs to. */
export const REPOSITORY_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** A package of the repository that is published. */
export interface Publishable {
  name: string;
  /** Relative to the repository root, e.g. `packages/core`. */
  directory: string;
}

export interface PackCheckResult extends Publishable {
  tarball: string;
  problems: string[];
}

/**
 * Every published package: each folder under `packages/` whose package.json is not private,
 * so a package added later is checked without a change here.
 *
 * @example
 * publishablePackages('/repo'); // [{ name: '@baton/core', directory: 'packages/core' }, …]
 */
export function publishablePackages(root: string): Publishable[] {
  return readdirSync(join(root, 'packages'))
    .sort()
    .filter((name) => existsSync(join(root, 'packages', name, 'package.json')))
    .map((name) => {
      const manifest = JSON.parse(
        readFileSync(join(root, 'packages', name, 'package.json'), 'utf8'),
      ) as { name: string; private?: boolean };
      return { name: manifest.name, directory: `packages/${name}`, private: manifest.private };
    })
    .filter((each) => each.private !== true)
    .map(({ name, directory }) => ({ name, directory }));
}

/**
 * Packs the given packages (their `dist/` must be built) into `destination`, checks each
 * tarball with {@link checkTarball}, and loads every entry the package exports with
 * `require()`, as a CommonJS app on a supported Node would.
 *
 * @example
 * const results = await packCheck(REPOSITORY_ROOT, publishablePackages(REPOSITORY_ROOT), tmp);
 */
export async function packCheck(
  root: string,
  packages: readonly Publishable[],
  destination: string,
): Promise<PackCheckResult[]> {
  const packed = await pack(
    packages.map((each) => join(root, each.directory)),
    destination,
  );
  return Promise.all(
    packages.map(async (each, index) => {
      const tarball = packed[index];
      if (tarball === undefined || tarball.name !== each.name) {
        return { ...each, tarball: '', problems: ['npm pack did not answer for this package'] };
      }
      const problems = await checkTarball(await readFile(tarball.tarball), tarball.files, {
        directory: each.directory,
      });
      const manifest = JSON.parse(
        await readFile(join(root, each.directory, 'package.json'), 'utf8'),
      ) as { exports?: unknown };
      const failures = await requireFailures(root, exportedSpecifiers(each.name, manifest.exports));
      for (const failure of failures)
        problems.push(`require() of ${failure}: CommonJS apps cannot load it`);
      return { ...each, tarball: tarball.tarball, problems };
    }),
  );
}
