/**
 * fileStore across real OS processes sharing one registry file: change notification,
 * compare-and-set under the cross-process lock, recovery from a lock holder that died, and
 * from a file that went back in history.
 */
import { copyFile, mkdtemp, rename, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ChildWorker, startWorker } from '@baton-tools/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBaton } from '../src/index.js';
import { fileStore } from '../src/node/index.js';

const WORKER = new URL('./fixtures/file-store-worker.ts', import.meta.url);

let dir: string;
let path: string;
const workers: ChildWorker[] = [];

function worker(...args: string[]): ChildWorker {
  const started = startWorker(WORKER, args);
  workers.push(started);
  return started;
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baton-file-processes-'));
  path = join(dir, 'registry.json');
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((child) => child.stop('SIGKILL')));
  await rm(dir, { recursive: true, force: true });
});

describe('fileStore across processes', () => {
  for (const mode of ['watch', 'poll-only'] as const) {
    it(`a promotion in one process reaches verifyRef in another (${mode})`, async () => {
      const baton = createBaton({ audit: false, registry: { store: fileStore({ path }) } });
      await baton.register('HOOK', 'HOOK:v1');
      const replica = worker('replica', path, mode);
      await replica.waitFor('ready');

      await baton.promote('HOOK', 'HOOK:v2');
      replica.send('HOOK:v2');
      await replica.waitFor('accepted HOOK:v2');
      replica.send('HOOK:v1');
      await replica.waitFor('accepted HOOK:v1'); // the previous ref, inside grace
      await baton.close();
    });
  }

  it('concurrent promotions from 4 processes lose no update and never leave previous == current', async () => {
    const perWorker = 25;
    const promoters = [0, 1, 2, 3].map((id) =>
      worker('promoter', path, String(id), String(perWorker)),
    );
    await Promise.all(promoters.map((child) => child.waitFor('ready', { from: 0 })));
    for (const child of promoters) child.send('go');
    await Promise.all(
      promoters.map((child) => child.waitFor('done', { from: 0, timeoutMs: 60_000 })),
    );

    const store = fileStore({ path });
    const [entry] = await store.load();
    expect(entry?.revision).toBe(1 + 4 * perWorker);
    const history = [...((await store.history?.({ limit: 1000 })) ?? [])].reverse();
    expect(history.map((record) => record.revision)).toEqual(
      Array.from({ length: 1 + 4 * perWorker }, (_, index) => index + 1),
    );
    // Each promotion shifted exactly the ref the one before it made current.
    for (let i = 1; i < history.length; i++) {
      expect(history[i]?.fromRef).toBe(history[i - 1]?.toRef);
      expect(history[i]?.fromRef).not.toBe(history[i]?.toRef);
    }
    for (const id of [0, 1, 2, 3]) {
      expect(
        history.filter((r) => r.change === 'promote' && r.actor === `worker-${id}`),
      ).toHaveLength(perWorker);
    }
    expect(entry?.previousRef).not.toBe(entry?.currentRef);
    await store.close?.();
  });

  it('a change waits for a live lock holder, fails clearly after lockTimeoutMs, and takes the lock over once the holder died', async () => {
    const baton = createBaton({
      audit: false,
      registry: { store: fileStore({ path, lockTimeoutMs: 300 }) },
    });
    await baton.register('HOOK', 'HOOK:v1');
    const holder = worker('hold-lock', path);
    await holder.waitFor('locked');

    await expect(baton.promote('HOOK', 'HOOK:v2')).rejects.toMatchObject({
      code: 'BATON_STORE_FAILED',
      message: expect.stringMatching(
        new RegExp(
          `could not take the lock .*registry\\.json\\.lock within 300 ms: process ${holder.pid} has held it`,
        ),
      ),
    });
    expect(baton.status('HOOK')?.currentRef).toBe('HOOK:v1');

    await holder.stop('SIGKILL');
    const promoted = await baton.promote('HOOK', 'HOOK:v2');
    expect(promoted.revision).toBe(2);
    await baton.close();
  });

  it('takes over an empty lock file left by a writer killed before writing its pid, once it is a second old', async () => {
    const baton = createBaton({
      audit: false,
      registry: { store: fileStore({ path, lockTimeoutMs: 300 }) },
    });
    await baton.register('HOOK', 'HOOK:v1');
    const killed = worker('create-lock', path);
    await killed.waitFor('created');
    await killed.stop('SIGKILL');
    expect((await stat(`${path}.lock`)).size).toBe(0);

    // Just made, it may be an earlier version's writer about to write its pid: waited for.
    await expect(baton.promote('HOOK', 'HOOK:v2')).rejects.toMatchObject({
      code: 'BATON_STORE_FAILED',
      message: expect.stringContaining('could not take the lock'),
    });
    // Left there a while (30 s was the bound before): taken over.
    const aWhileAgo = new Date(Date.now() - 2_000);
    await utimes(`${path}.lock`, aWhileAgo, aWhileAgo);
    expect((await baton.promote('HOOK', 'HOOK:v2')).revision).toBe(2);
    await baton.close();
  });

  it('an older copy of the file put in place: another process resyncs, and takes the next promotion', async () => {
    const baton = createBaton({ audit: false, registry: { store: fileStore({ path }) } });
    await baton.register('HOOK', 'HOOK:v1');
    await baton.promote('HOOK', 'HOOK:v2');
    await copyFile(path, join(dir, 'backup.json'));
    await baton.promote('HOOK', 'HOOK:v3');
    await baton.promote('HOOK', 'HOOK:v4');
    const replica = worker('replica', path, 'watch');
    await replica.waitFor('ready');

    await copyFile(join(dir, 'backup.json'), join(dir, 'restoring.json'));
    await rename(join(dir, 'restoring.json'), path);
    await baton.promote('HOOK', 'HOOK:v5');
    expect(baton.verifyRef('HOOK', 'HOOK:v5')).toBe(true);
    replica.send('HOOK:v5');
    await replica.waitFor('accepted HOOK:v5');
    await baton.close();
  });
});
