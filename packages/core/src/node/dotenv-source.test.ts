import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBaton } from '../baton.js';
import { parseRef } from '../secret-ref.js';
import { dotenvSource } from './dotenv-source.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baton-dotenv-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('dotenvSource', () => {
  it('answers absent for refs named like Object members, and reads them when the file has them', async () => {
    const path = join(dir, '.env');
    await writeFile(path, 'toString=defined-here\n');
    const source = dotenvSource({ path });
    expect(await source.get(parseRef('constructor'))).toBeUndefined();
    expect(await source.get(parseRef('__proto__'))).toBeUndefined();
    expect(await source.get(parseRef('hasOwnProperty'))).toBeUndefined();
    expect(await source.get(parseRef('toString'))).toBe('defined-here');
    const baton = createBaton({ sources: [source], audit: false });
    await expect(baton.getSecret('constructor')).rejects.toMatchObject({ code: 'BATON_NOT_FOUND' });
  });

  it('says which key to add to which file when a ref is missing', async () => {
    const baton = createBaton({
      sources: [dotenvSource({ path: join(dir, '.env') })],
      audit: false,
    });
    await expect(baton.getSecret('OPENAI_KEY:v2')).rejects.toThrow(
      `No value for OPENAI_KEY:v2: add OPENAI_KEY_V2 to ${join(dir, '.env')} (tried: dotenv)`,
    );
  });

  it('reads NAME_VN keys parsed by dotenv, without writing process.env', async () => {
    const path = join(dir, '.env');
    await writeFile(
      path,
      '# demo\nOPENAI_KEY_V2="sk-two"\nexport PLAIN=plain # comment\nEMPTY=\nMULTI="a\\nb"\n',
    );
    const source = dotenvSource({ path });
    expect(await source.get(parseRef('OPENAI_KEY:v2'))).toBe('sk-two');
    expect(await source.get(parseRef('PLAIN'))).toBe('plain');
    expect(await source.get(parseRef('EMPTY'))).toBeUndefined();
    expect(await source.get(parseRef('MULTI'))).toBe('a\nb');
    expect(await source.get(parseRef('OPENAI_KEY:v3'))).toBeUndefined();
    expect(process.env.OPENAI_KEY_V2).toBeUndefined();
  });

  it('answers absent for a missing file, or fails when the file is required', async () => {
    expect(await dotenvSource({ path: join(dir, 'nope.env') }).get(parseRef('A'))).toBeUndefined();
    const baton = createBaton({
      sources: [dotenvSource({ path: join(dir, 'nope.env'), required: true })],
      audit: false,
    });
    await expect(baton.getSecret('A')).rejects.toThrow(
      `Source "dotenv" failed to read A: dotenvSource: the file ${join(dir, 'nope.env')} does not exist and is required; create it, or point path at the right file`,
    );
  });

  it('names the path of a file it cannot read', async () => {
    await mkdir(join(dir, 'folder.env'));
    const baton = createBaton({
      sources: [dotenvSource({ path: join(dir, 'folder.env') })],
      audit: false,
    });
    await expect(baton.getSecret('A')).rejects.toThrow(
      `Source "dotenv" failed to read A: dotenvSource: cannot read ${join(dir, 'folder.env')} (EISDIR)`,
    );
  });

  it('expands references to keys of the same file only, unless an environment is given', async () => {
    const path = join(dir, '.env');
    await writeFile(
      path,
      [
        'DB_USER=app',
        'DB_PASSWORD=s3cret',
        `DATABASE_URL="postgres://\${DB_USER}:\${DB_PASSWORD}@\${DB_HOST:-localhost}/app"`,
        `HOME_DIR=\${HOME}`,
        'PRICE=\\$5',
        '',
      ].join('\n'),
    );
    const plain = dotenvSource({ path });
    expect(await plain.get(parseRef('DATABASE_URL'))).toBe(
      `postgres://\${DB_USER}:\${DB_PASSWORD}@\${DB_HOST:-localhost}/app`,
    );
    const expanded = dotenvSource({ path, expand: true });
    expect(await expanded.get(parseRef('DATABASE_URL'))).toBe(
      'postgres://app:s3cret@localhost/app',
    );
    // HOME is set in the process environment, and expansion did not read it.
    expect(process.env.HOME).toBeTruthy();
    expect(await expanded.get(parseRef('HOME_DIR'))).toBeUndefined();
    expect(await expanded.get(parseRef('PRICE'))).toBe('$5');

    const env = { DB_HOST: 'db.internal', HOME: '/home/app' };
    const withEnv = dotenvSource({ path, expand: { env } });
    expect(await withEnv.get(parseRef('DATABASE_URL'))).toBe(
      'postgres://app:s3cret@db.internal/app',
    );
    expect(await withEnv.get(parseRef('HOME_DIR'))).toBe('/home/app');
    expect(env).toEqual({ DB_HOST: 'db.internal', HOME: '/home/app' });
    expect(process.env.DATABASE_URL).toBeUndefined();
  });

  it('reads the file once for a batch, and picks up edits on the next miss', async () => {
    const path = join(dir, '.env');
    await writeFile(path, 'A=1\nB=2\n');
    const source = dotenvSource({ path });
    const batch = await source.getMany?.([parseRef('A'), parseRef('B'), parseRef('C')]);
    expect([...(batch ?? [])]).toEqual([
      ['A', '1'],
      ['B', '2'],
      ['C', undefined],
    ]);
    await writeFile(path, 'A=changed\n');
    expect(await source.get(parseRef('A'))).toBe('changed');
  });
});
