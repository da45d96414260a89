import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A tarball `npm pack` made. */
export interface Packed {
  /** The package's folder, as given. */
  dir: string;
  name: string;
  /** The tarball's path. */
  tarball: string;
  /** Every path in the tarball, relative to its `package/` folder. */
  files: string[];
}

/**
 * Packs each package folder with `npm pack` into `destination`, in one npm call, without
 * running lifecycle scripts: exactly what `npm publish` would upload.
 *
 * @example
 * const packed = await pack(['/repo/packages/core'], '/tmp/packs');
 */
export async function pack(dirs: readonly string[], destination: string): Promise<Packed[]> {
  if (dirs.length === 0) return [];
  const { stdout } = await run(
    'npm',
    ['pack', '--json', '--ignore-scripts', '--pack-destination', destination, ...dirs],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const results = JSON.parse(stdout) as {
    name: string;
    filename: string;
    files: { path: string }[];
  }[];
  return results.map((result, index) => ({
    dir: dirs[index] ?? '',
    name: result.name,
    tarball: join(destination, result.filename),
    files: result.files.map((file) => file.path),
  }));
}
