import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readIgnoreFile, ScanInputError, ScanOptionsError, scan } from '../src/index.js';
import { fakeKey, git, tempDir } from './support.js';

async function put(root: string, path: string, content: string | Buffer): Promise<void> {
  await mkdir(join(root, path, '..'), { recursive: true });
  await writeFile(join(root, path), content);
}

describe('scan on paths', () => {
  it('walks a tree and names files relative to cwd', async () => {
    const root = await tempDir();
    await put(root, 'src/config.ts', `export const key = '${fakeKey('anthropic')}';\n`);
    await put(root, 'README.md', '# nothing here\n');
    const report = await scan(['.'], { cwd: root });
    expect(report.findings.map((finding) => finding.file)).toEqual(['src/config.ts']);
    expect(report.stats.files).toBe(2);
  });

  it('skips vendored folders, lock files, binaries and large files by rule, and counts them', async () => {
    const root = await tempDir();
    const key = fakeKey('githubClassic');
    await put(root, 'node_modules/dep/index.js', `const t = '${key}';\n`);
    await put(root, 'package-lock.json', `{"token": "${key}"}\n`);
    await put(root, 'logo.png', `PNG ${key}`);
    await put(root, 'data.bin.txt', Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(key)]));
    await put(root, 'dump.sql', `-- ${key}\n${'x'.repeat(2048)}`);
    const report = await scan(['.'], { cwd: root, maxFileBytes: 1024 });
    expect(report.findings).toEqual([]);
    expect(report.stats.skipped).toEqual({ binary: 2, lockfile: 1, vendored: 1, 'too-large': 1 });
  });

  it('leaves out findings whose fingerprint .batonignore lists', async () => {
    const root = await tempDir();
    await put(root, 'a.env', `A=${fakeKey('stripeLive')}\nB=${fakeKey('stripeLive')}\n`);
    const first = await scan(['a.env'], { cwd: root });
    await put(root, '.batonignore', `# test fixture\n${first.findings[0]?.fingerprint}  # known\n`);
    const report = await scan(['a.env'], {
      cwd: root,
      ignore: await readIgnoreFile(join(root, '.batonignore')),
    });
    expect(report.findings.map((finding) => finding.line)).toEqual([2]);
    expect(report.suppressed).toBe(1);
  });

  it('refuses an ignore file line that is not a fingerprint, naming the line only', async () => {
    const root = await tempDir();
    await put(root, '.batonignore', 'a1b2c3d4e5f60718\nnot-a-fingerprint\n');
    const read = readIgnoreFile(join(root, '.batonignore'));
    await expect(read).rejects.toThrow(ScanOptionsError);
    await expect(read).rejects.toThrow(/\.batonignore:2 is not a finding fingerprint/);
  });

  it('reads a missing ignore file as empty', async () => {
    expect(await readIgnoreFile(join(await tempDir(), '.batonignore'))).toEqual(new Set());
  });

  it('fails with a BATON_IO error for a path that does not exist', async () => {
    const error = await scan(['missing'], { cwd: await tempDir() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScanInputError);
    expect(error).toMatchObject({ code: 'BATON_IO' });
  });

  it('scans texts given directly', async () => {
    const report = await scan([{ text: `token: ${fakeKey('slackBot')}`, file: 'paste.txt' }]);
    expect(report.findings[0]).toMatchObject({ file: 'paste.txt', rule: 'slack-token' });
  });
});

describe('scan on git', () => {
  async function repo(): Promise<string> {
    const root = await tempDir();
    git(root, 'init', '-q', '-b', 'main');
    return root;
  }

  it('staged: finds only what the index adds, at its line in the new file', async () => {
    const root = await repo();
    const old = fakeKey('googleApiKey');
    await put(root, 'app.env', `OLD=${old}\n`);
    git(root, 'add', '.');
    git(root, 'commit', '-q', '-m', 'first');
    const added = fakeKey('googleApiKey');
    await put(root, 'app.env', `OLD=${old}\nPORT=1\nNEW=${added}\n`);
    await put(root, 'unstaged.env', `X=${fakeKey('googleApiKey')}\n`);
    git(root, 'add', 'app.env');
    const report = await scan([{ git: 'staged' }], { cwd: root });
    expect(report.findings.map(({ file, line }) => ({ file, line }))).toEqual([
      { file: 'app.env', line: 3 },
    ]);
  });

  it('staged: a line that starts with ++ is still an added line', async () => {
    const root = await repo();
    await put(root, 'notes.md', `++ ${fakeKey('githubClassic')}\n`);
    git(root, 'add', '.');
    const report = await scan([{ git: 'staged' }], { cwd: root });
    expect(report.findings).toHaveLength(1);
  });

  it('history: finds a secret that a later commit removed, with the commit that added it', async () => {
    const root = await repo();
    await put(root, 'config.ts', `export const key = '${fakeKey('openaiProject')}';\n`);
    git(root, 'add', '.');
    git(root, 'commit', '-q', '-m', 'add key');
    const added = git(root, 'rev-parse', 'HEAD').trim();
    await put(root, 'config.ts', 'export const key = process.env.OPENAI_API_KEY;\n');
    git(root, 'commit', '-q', '-am', 'read it from the environment');
    const progress: number[] = [];
    const report = await scan([{ git: 'history' }], {
      cwd: root,
      onProgress: (p) => progress.push(p.done),
    });
    expect(report.findings).toHaveLength(1);
    expect(report.findings[0]).toMatchObject({ file: 'config.ts', line: 1, commit: added });
    expect(report.stats.commits).toBe(2);
    expect(progress).toEqual([1, 2]);
  });

  it('fails with a BATON_IO error outside a repository', async () => {
    const error = await scan([{ git: 'staged' }], { cwd: await tempDir() }).catch((e) => e);
    expect(error).toBeInstanceOf(ScanInputError);
  });
});
