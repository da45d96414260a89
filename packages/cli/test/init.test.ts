import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FAKE_KEYS, seededRandom } from '@baton-tools/scan-corpus';
import { describe, expect, it } from 'vitest';
import { baton, batonOnPath, git, workdir } from './support/baton.js';

const key = FAKE_KEYS.openaiProject(seededRandom(5));

async function repo(files: Record<string, string>): Promise<string> {
  const cwd = await workdir(files);
  git(cwd, 'init', '-q', '-b', 'main');
  return cwd;
}

describe('baton init', () => {
  it('writes names only, adds the rules once, installs the hook; a rerun changes nothing', async () => {
    const cwd = await repo({
      '.env': `OPENAI_API_KEY=${key}\nPORT=8080\n`,
      '.gitignore': 'node_modules/\n.env\n',
    });
    const first = await baton(['init'], { cwd });
    expect(first.code).toBe(0);
    const example = await readFile(join(cwd, '.env.example'), 'utf8');
    expect(example).toMatch(/^OPENAI_API_KEY=$/m);
    expect(example).toMatch(/^PORT=$/m);
    expect(example).not.toContain(key);
    const gitignore = await readFile(join(cwd, '.gitignore'), 'utf8');
    expect(gitignore.split('\n').filter((line) => line === '.env')).toHaveLength(1);
    for (const rule of ['.env.local', '.env.*.local', '.env.production', '!.env.example']) {
      expect(gitignore.split('\n')).toContain(rule);
    }
    const hook = join(cwd, '.git/hooks/pre-commit');
    expect((await stat(hook)).mode & 0o111).not.toBe(0);
    expect(await readFile(hook, 'utf8')).toContain('baton scan --staged');

    const before = await Promise.all(
      ['.env.example', '.gitignore', '.git/hooks/pre-commit'].map((f) =>
        readFile(join(cwd, f), 'utf8'),
      ),
    );
    const again = JSON.parse((await baton(['init', '--json'], { cwd })).stdout);
    expect(again.steps.map((step: { result: string }) => step.result)).toEqual([
      'unchanged',
      'unchanged',
      'unchanged',
    ]);
    const after = await Promise.all(
      ['.env.example', '.gitignore', '.git/hooks/pre-commit'].map((f) =>
        readFile(join(cwd, f), 'utf8'),
      ),
    );
    expect(after).toEqual(before);
  });

  it('the hook stops a commit that adds a secret and lets a clean one through', async () => {
    const cwd = await repo({});
    await baton(['init'], { cwd });
    const env = {
      ...process.env,
      PATH: `${await batonOnPath(cwd)}:${process.env.PATH}`,
      NO_COLOR: '1',
    };
    await writeFile(join(cwd, 'app.ts'), `export const key = '${key}';\n`);
    git(cwd, 'add', 'app.ts');
    const { spawnSync } = await import('node:child_process');
    const commit = (message: string) =>
      spawnSync(
        'git',
        ['-c', 'user.name=T', '-c', 'user.email=t@example.net', 'commit', '-q', '-m', message],
        { cwd, env, encoding: 'utf8' },
      );
    const blocked = commit('add key');
    expect(blocked.status).toBe(1);
    // Git shows a hook's output on stderr.
    expect(blocked.stderr).toContain('app.ts:1:21  openai-api-key');
    expect(`${blocked.stdout}${blocked.stderr}`).not.toContain(key);
    await writeFile(join(cwd, 'app.ts'), 'export const key = process.env.OPENAI_API_KEY;\n');
    git(cwd, 'add', 'app.ts');
    expect(commit('read the key from the environment').status).toBe(0);
  });

  it('respects core.hooksPath and chains a user hook only when told to', async () => {
    const cwd = await repo({
      '.githooks/pre-commit': '#!/bin/sh\necho mine > "$(git rev-parse --show-toplevel)/ran"\n',
    });
    await chmod(join(cwd, '.githooks/pre-commit'), 0o755);
    git(cwd, 'config', 'core.hooksPath', '.githooks');
    const refused = await baton(['init'], { cwd });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/rerun with --yes/);
    expect(await readFile(join(cwd, '.githooks/pre-commit'), 'utf8')).toContain('echo mine');

    expect((await baton(['init', '--yes'], { cwd })).code).toBe(0);
    expect(await readFile(join(cwd, '.githooks/pre-commit'), 'utf8')).toContain(
      'baton scan --staged',
    );
    expect(await readFile(join(cwd, '.githooks/pre-commit.local'), 'utf8')).toContain('echo mine');
    const env = { ...process.env, PATH: `${await batonOnPath(cwd)}:${process.env.PATH}` };
    const { spawnSync } = await import('node:child_process');
    const commit = spawnSync(
      'git',
      [
        '-c',
        'user.name=T',
        '-c',
        'user.email=t@example.net',
        'commit',
        '-q',
        '--allow-empty',
        '-m',
        'x',
      ],
      { cwd, env, encoding: 'utf8' },
    );
    expect(commit.status).toBe(0);
    expect(await readFile(join(cwd, 'ran'), 'utf8')).toBe('mine\n');
  });
});
