import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAKE_KEYS, seededRandom } from '@baton-tools/scan-corpus';
import { afterEach } from 'vitest';

const random = seededRandom(1234);

/** A fresh fake key of a kind (made at run time: no key-shaped text is committed). */
export const fakeKey = (kind: keyof typeof FAKE_KEYS): string => FAKE_KEYS[kind](random);

const made: string[] = [];
afterEach(async () => {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A temporary directory removed after the test. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'baton-scan-'));
  made.push(dir);
  return dir;
}

export { git } from '@baton-tools/test-kit';
