import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CorpusCase } from './corpus.js';

/**
 * Writes each case's file under `root` (`root/<id>/<path>`).
 *
 * @example
 * await writeCorpus(await mkdtemp(join(tmpdir(), 'corpus-')), makeCorpus());
 */
export async function writeCorpus(root: string, cases: readonly CorpusCase[]): Promise<void> {
  for (const item of cases) {
    const file = join(root, item.path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, item.content);
  }
}
