/**
 * Runs every benchmark suite (or those named: `npm run bench -- core express`) and prints a
 * table per suite. Run on an otherwise idle machine; numbers are medians of timed batches.
 * Baton's packages are measured as built (`dist/`), the JavaScript users install: run through
 * tsx, their TypeScript would carry its name-keeping helpers into every closure made per call.
 * The root `npm run bench` builds them first.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { cpus } from 'node:os';

if (!existsSync(new URL('../../../packages/core/dist/index.js', import.meta.url))) {
  process.stderr.write(
    "Baton's packages are not built: run the benchmarks with npm run bench from the repository root, which builds them first.\n",
  );
  process.exit(1);
}

const wanted = new Set(process.argv.slice(2));
const directory = new URL('./suites/', import.meta.url);
const suites = (await readdir(directory))
  .filter((file) => file.endsWith('.ts'))
  .map((file) => file.slice(0, -3))
  .filter((name) => wanted.size === 0 || wanted.has(name))
  .sort();

process.stdout.write(
  `Baton benchmarks: node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}\n`,
);
for (const name of suites) {
  process.stdout.write(`\n## ${name}\n`);
  const suite = (await import(new URL(`${name}.ts`, directory).href)) as {
    default: () => Promise<void>;
  };
  await suite.default();
}
