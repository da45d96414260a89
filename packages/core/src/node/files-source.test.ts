import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBaton } from '../baton.js';
import { parseRef } from '../secret-ref.js';
import { filesSource } from './files-source.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baton-files-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('filesSource', () => {
  it('says which file to create when a ref is missing', async () => {
    const baton = createBaton({ sources: [filesSource({ dir })], audit: false });
    await expect(baton.getSecret('DB_PASSWORD:v3')).rejects.toThrow(
      `No value for DB_PASSWORD:v3: create the file ${join(dir, 'DB_PASSWORD_V3')} (tried: files)`,
    );
  });

  it('reads one file per key, dropping one trailing newline', async () => {
    await writeFile(join(dir, 'DB_PASSWORD_V3'), 'p@ss\n');
    await writeFile(join(dir, 'API_TOKEN'), 'tok\r\n');
    await writeFile(join(dir, 'KEEP'), 'line\n\n');
    const source = filesSource({ dir });
    expect(await source.get(parseRef('DB_PASSWORD:v3'))).toBe('p@ss');
    expect(await source.get(parseRef('API_TOKEN'))).toBe('tok');
    expect(await source.get(parseRef('KEEP'))).toBe('line\n');
    expect(await source.get(parseRef('ABSENT'))).toBeUndefined();
  });

  it('follows the symlinks of a Kubernetes secret volume', async () => {
    await mkdir(join(dir, '..2030_01_01'));
    await writeFile(join(dir, '..2030_01_01', 'API_TOKEN'), 'from-volume');
    await symlink('..2030_01_01', join(dir, '..data'));
    await symlink(join('..data', 'API_TOKEN'), join(dir, 'API_TOKEN'));
    expect(await filesSource({ dir }).get(parseRef('API_TOKEN'))).toBe('from-volume');
  });

  it('answers absent when the directory does not exist, and fails on unreadable entries', async () => {
    expect(await filesSource({ dir: join(dir, 'missing') }).get(parseRef('A'))).toBeUndefined();
    await mkdir(join(dir, 'A'));
    const baton = createBaton({ sources: [filesSource({ dir })], audit: false });
    await expect(baton.getSecret('A')).rejects.toThrow(
      `Source "files" failed to read A: filesSource: ${join(dir, 'A')} is not a regular file`,
    );
  });

  it('names the path and the system error of a file it cannot open', async () => {
    await symlink('LOOP', join(dir, 'LOOP'));
    const baton = createBaton({ sources: [filesSource({ dir })], audit: false });
    await expect(baton.getSecret('LOOP')).rejects.toThrow(
      `Source "files" failed to read LOOP: filesSource: cannot read ${join(dir, 'LOOP')} (ELOOP)`,
    );
  });

  it('refuses a FIFO at once instead of waiting for a writer, and keeps serving other files', async () => {
    execFileSync('mkfifo', [join(dir, 'PIPE')]);
    await writeFile(join(dir, 'PLAIN'), 'plain');
    const baton = createBaton({ sources: [filesSource({ dir })], audit: false });
    const reads = Array.from({ length: 8 }, () => baton.rotateSecret('PIPE').catch((e) => e));
    for (const error of await Promise.all(reads)) {
      expect(String(error)).toContain('PIPE is not a regular file');
    }
    expect(await baton.getSecret('PLAIN')).toBe('plain');
  });

  it('refuses files larger than 1 MiB', async () => {
    await writeFile(join(dir, 'BIG'), Buffer.alloc(1024 * 1024 + 1, 97));
    await expect(filesSource({ dir }).get(parseRef('BIG'))).rejects.toThrow(/more than 1048576/);
  });

  it('maps refs to file names with fileName', async () => {
    await writeFile(join(dir, 'openai-key-v2'), 'mapped');
    const source = filesSource({
      dir,
      fileName: (ref) => `${ref.name.toLowerCase().replace(/_/g, '-')}-v${ref.version}`,
    });
    expect(await source.get(parseRef('OPENAI_KEY:v2'))).toBe('mapped');
  });

  it('needs a directory', () => {
    expect(() => filesSource({ dir: '' })).toThrow(/dir must be the path of a directory/);
  });
});
