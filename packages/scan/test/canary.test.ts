import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeCorpus } from '@baton-tools/scan-corpus';
import { captureOutput, expectNoSecrets } from '@baton-tools/test-kit';
import { expect, it } from 'vitest';
import { formatReport, REPORT_FORMATS, readIgnoreFile, scan } from '../src/index.js';
import { git, tempDir } from './support.js';

const cases = makeCorpus({ seed: 4242, perKind: 3 }).filter((item) => item.secret);
const secrets = cases.flatMap((item) => item.values);

it('never prints a secret it found, in any format, from files, the index or history', async () => {
  const root = await tempDir();
  git(root, 'init', '-q', '-b', 'main');
  for (const item of cases) {
    await writeFile(join(root, item.id), item.content);
  }
  git(root, 'add', '.');
  const output = captureOutput();
  try {
    const reports = [
      await scan(['.'], { cwd: root }),
      await scan([{ git: 'staged' }], { cwd: root }),
    ];
    git(root, 'commit', '-q', '-m', 'leak');
    reports.push(await scan([{ git: 'history' }], { cwd: root }));
    for (const report of reports) {
      expect(new Set(report.findings.map((finding) => finding.file)).size).toBe(cases.length);
      for (const format of REPORT_FORMATS)
        output.add(formatReport(report, format, { color: true }));
      output.add(report);
    }
    // An ignore file with a secret pasted in by mistake: the error names the line only.
    await writeFile(join(root, '.batonignore'), `${secrets[0]}\n`);
    output.add(await readIgnoreFile(join(root, '.batonignore')).catch((error: unknown) => error));
  } finally {
    output.restore();
  }
  // Multi-line values (key blocks): no line of their body may appear either.
  const pieces = secrets.flatMap((value) =>
    value.split('\n').filter((line) => line.length >= 16 && !line.startsWith('-----')),
  );
  expectNoSecrets(output.text(), [...secrets, ...pieces]);
});
