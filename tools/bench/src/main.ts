/**
 * Runs every benchmark suite (or those named: `npm run bench -- core express`) and prints a
 * table per suite. Run on an otherwise idle machine; numbers are medians of timed batches.
 */
import { readdir } from 'node:fs/promises';
import { cpus } from 'node:os';

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
