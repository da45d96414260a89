import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Loads each specifier with `require()` in a fresh CommonJS process of this Node (one inside
 * the packages' engines) from `cwd`, and answers those that fail with the error's code. An
 * ESM-only package serves CommonJS apps through `require(esm)`, which refuses a module graph
 * with top-level `await`.
 *
 * @example
 * await requireFailures('/repo', ['@baton/core', '@baton/core/node']); // []
 */
export async function requireFailures(
  cwd: string,
  specifiers: readonly string[],
): Promise<string[]> {
  const script = `
    const failed = [];
    for (const specifier of ${JSON.stringify(specifiers)}) {
      try { require(specifier); }
      catch (error) { failed.push(specifier + ': ' + (error.code ?? error.name)); }
    }
    process.stdout.write(JSON.stringify(failed));
  `;
  const { stdout } = await run(process.execPath, ['--input-type=commonjs', '-e', script], {
    cwd,
  });
  return JSON.parse(stdout) as string[];
}

/** The specifiers a package's `exports` offers: `@baton/core`, `@baton/core/node`, … */
export function exportedSpecifiers(name: string, exports: unknown): string[] {
  if (typeof exports !== 'object' || exports === null) return [name];
  return Object.keys(exports)
    .filter((key) => key.startsWith('.') && !key.includes('*') && !key.endsWith('.json'))
    .map((key) => (key === '.' ? name : `${name}${key.slice(1)}`));
}
