import { cp, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  batonScanner,
  CORPUS_KINDS,
  gitSecretsScanner,
  makeCorpus,
  type Scanner,
  type ScannerRun,
  score,
  secretlintScanner,
  writeCorpus,
  writeLargeTree,
} from '@baton-tools/scan-corpus';
import { formatRate, printTable } from '../harness.js';

const TREE_BYTES = 100 * 1024 * 1024;
const BATON_BIN = new URL('../../../../packages/cli/dist/bin.js', import.meta.url);

/**
 * Secret scanners side by side on one seeded, labelled corpus (precision, recall and F1 per
 * file, and speed), then `baton scan` on a 100 MB tree shaped like a service's repository.
 */
export default async function scanSuite(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'baton-bench-scan-'));
  try {
    const cases = makeCorpus();
    const corpus = join(dir, 'corpus');
    await writeCorpus(corpus, cases);
    const size = await treeSize(corpus);
    const scanners = [await baton(), gitSecretsScanner(), secretlintScanner()];
    const runs: ScannerRun[] = [];
    for (const [i, scanner] of scanners.entries()) {
      // Each tool gets its own copy: git-secrets makes its folder a git repository.
      const copy = join(dir, `corpus-${i}`);
      await cp(corpus, copy, { recursive: true });
      runs.push(await scanner.run(copy));
    }
    const positives = cases.filter((item) => item.secret).length;
    process.stdout.write(
      `\nCorpus: ${cases.length} files (${positives} with a secret, ${cases.length - positives} tempting look-alikes) in ${CORPUS_KINDS.length} kinds, ${(size.bytes / 1024).toFixed(0)} kB, seed 20240601.\n`,
    );
    printTable(
      'Precision and recall on the labelled corpus (a file counts as flagged when the tool reports anything in it)',
      ['tool', 'setup', 'TP', 'FP', 'FN', 'precision', 'recall', 'F1', 'time', 'files/s', 'MB/s'],
      runs.map((run) => {
        if (run.skipped !== undefined) {
          return [run.tool, `skipped: ${run.skipped}`, '', '', '', '', '', '', '', '', ''];
        }
        const s = score(cases, run);
        const seconds = run.durationMs / 1000;
        return [
          run.tool,
          run.setup,
          String(s.truePositives),
          String(s.falsePositives),
          String(s.falseNegatives),
          s.precision.toFixed(3),
          s.recall.toFixed(3),
          s.f1.toFixed(3),
          `${seconds.toFixed(2)} s`,
          formatRate(size.files / seconds),
          (size.bytes / 1024 / 1024 / seconds).toFixed(2),
        ];
      }),
    );
    const ran = runs.filter((run) => run.skipped === undefined);
    const scores = ran.map((run) => score(cases, run));
    printTable(
      'Files flagged per kind (secret kinds should be flagged, look-alikes not)',
      ['kind', 'secret', 'files', ...ran.map((run) => run.tool)],
      CORPUS_KINDS.map(({ kind, secret }) => [
        kind,
        secret ? 'yes' : 'no',
        String(cases.filter((item) => item.kind === kind).length),
        ...scores.map((s) => String(s.flaggedByKind.get(kind) ?? 0)),
      ]),
    );
    await largeTree(dir, scanners[0] as Scanner);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The built `baton` command when there is one (`npm run build`), else the library. */
async function baton(): Promise<Scanner> {
  const built = await stat(BATON_BIN).then(
    () => true,
    () => false,
  );
  if (!built) {
    process.stdout.write(
      '\nThe baton command is not built (npm run build -w @baton/cli): timing the library call instead.\n',
    );
    return batonScanner();
  }
  return batonScanner([process.execPath, BATON_BIN.pathname]);
}

async function largeTree(dir: string, scanner: Scanner): Promise<void> {
  const root = join(dir, 'tree');
  const tree = await writeLargeTree(root, TREE_BYTES);
  const rows: string[][] = [];
  const runs: ScannerRun[] = [];
  for (let round = 0; round < 3; round++) runs.push(await scanner.run(root));
  runs.sort((a, b) => a.durationMs - b.durationMs);
  const median = runs[1] as ScannerRun;
  const found = tree.planted.filter(({ path }) => median.flagged.has(path)).length;
  const seconds = median.durationMs / 1000;
  rows.push([
    median.tool,
    String(tree.files),
    (tree.bytes / 1024 / 1024).toFixed(1),
    `${seconds.toFixed(2)} s`,
    formatRate(tree.files / seconds),
    (tree.bytes / 1024 / 1024 / seconds).toFixed(1),
    `${found}/${tree.planted.length}`,
  ]);
  printTable(
    'A 100 MB tree (80 % sources, 10 % node_modules, a lock file, binary images): median of 3',
    ['tool', 'files', 'MB', 'time', 'files/s', 'MB/s', 'planted found'],
    rows,
  );
}

async function treeSize(root: string): Promise<{ files: number; bytes: number }> {
  let files = 0;
  let bytes = 0;
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    files++;
    bytes += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return { files, bytes };
}
