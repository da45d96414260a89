import { copyFile, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { storeContract } from '@baton-tools/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBaton } from '../baton.js';
import type { StoreError } from '../errors.js';
import type { RegistryEntry, RegistryStore } from '../registry-store.js';
import { manualClock } from '../testing/manual-clock.js';
import { fileStore } from './file-store.js';

let dir: string;
let path: string;
const opened: RegistryStore[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'baton-file-store-'));
  path = join(dir, 'registry.json');
});

afterEach(async () => {
  for (const store of opened.splice(0)) await store.close?.();
  await rm(dir, { recursive: true, force: true });
});

function open(options: Partial<Parameters<typeof fileStore>[0]> = {}): RegistryStore {
  const store = fileStore({ path, onError: () => undefined, ...options });
  opened.push(store);
  return store;
}

/** Waits until `condition` holds: for changes that arrive through a watch or a timer. */
async function eventually(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('the condition did not hold in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('fileStore follows the store contract', () => {
  for (const rule of storeContract) it(rule.name, () => rule.run(open()));
});

describe('fileStore', () => {
  it('keeps the registry across restarts, in a file people can read', async () => {
    const clock = manualClock(new Date('2030-03-01T00:00:00Z'));
    const first = createBaton({ audit: false, clock, registry: { store: open() } });
    await first.register('HOOK', 'HOOK:v1', { actor: 'deploy' });
    clock.advance(3_600_000);
    await first.promote('HOOK', 'HOOK:v2', { actor: 'alice' });
    await first.close();

    const restarted = createBaton({ audit: false, clock, registry: { store: open() } });
    await restarted.ready();
    expect(restarted.verifyRef('HOOK', 'HOOK:v1')).toBe(true);
    expect(restarted.status('HOOK')).toMatchObject({
      currentRef: 'HOOK:v2',
      previousRef: 'HOOK:v1',
      activatedAt: new Date('2030-03-01T01:00:00Z'),
      previousActivatedAt: new Date('2030-03-01T00:00:00Z'),
      revision: 2,
    });
    expect((await restarted.history()).map((r) => `${r.actor} ${r.change} ${r.toRef}`)).toEqual([
      'alice promote HOOK:v2',
      'deploy register HOOK:v1',
    ]);
    const text = await readFile(path, 'utf8');
    expect(JSON.parse(text)).toMatchObject({
      format: 'baton-registry',
      entries: [
        { logical: 'HOOK', currentRef: 'HOOK:v2', activatedAt: '2030-03-01T01:00:00.000Z' },
      ],
    });
    await restarted.close();
  });

  it('pushes changes written by another store instance to its subscribers (watch)', async () => {
    const watcher = open({ pollIntervalMs: 3_600_000 });
    const seen: RegistryEntry[] = [];
    await watcher.load();
    watcher.subscribe?.((entries) => seen.push(...entries));
    const writer = open();
    await writer.apply({ kind: 'register', logical: 'HOOK', currentRef: 'HOOK:v1' }, new Date());
    await writer.apply({ kind: 'promote', logical: 'HOOK', ref: 'HOOK:v2' }, new Date());
    await eventually(() => seen.some((entry) => entry.revision === 2));
    expect(seen.at(-1)).toMatchObject({ currentRef: 'HOOK:v2', previousRef: 'HOOK:v1' });
  });

  it('picks changes up through the periodic check where no watch is possible', async () => {
    const poller = open({ watch: false, pollIntervalMs: 20 });
    const seen: RegistryEntry[] = [];
    await poller.load();
    poller.subscribe?.((entries) => seen.push(...entries));
    await open().apply({ kind: 'register', logical: 'HOOK', currentRef: 'HOOK:v1' }, new Date());
    await eventually(() => seen.some((entry) => entry.currentRef === 'HOOK:v1'));
  });

  it('replaces the file atomically: a reader never sees a partial registry', async () => {
    const store = open();
    await store.apply({ kind: 'register', logical: 'HOOK', currentRef: 'HOOK:v1' }, new Date());
    let writing = true;
    let reads = 0;
    const reader = (async () => {
      while (writing) {
        const text = await readFile(path, 'utf8');
        expect(() => JSON.parse(text)).not.toThrow();
        reads++;
      }
    })();
    for (let version = 2; version <= 150; version++) {
      await store.apply({ kind: 'promote', logical: 'HOOK', ref: `HOOK:v${version}` }, new Date());
    }
    writing = false;
    await reader;
    expect(reads).toBeGreaterThan(0);
    expect((await store.load())[0]?.revision).toBe(150);
  });

  it('trims the history to historyLimit, newest kept', async () => {
    const store = open({ historyLimit: 3 });
    await store.apply({ kind: 'register', logical: 'HOOK', currentRef: 'HOOK:v1' }, new Date());
    for (let version = 2; version <= 6; version++) {
      await store.apply({ kind: 'promote', logical: 'HOOK', ref: `HOOK:v${version}` }, new Date());
    }
    const history = (await store.history?.()) ?? [];
    expect(history.map((r) => r.toRef)).toEqual(['HOOK:v6', 'HOOK:v5', 'HOOK:v4']);
  });

  describe('a corrupt or half-written file', () => {
    it('never costs the last good registry: snapshots keep it, writes refuse, the .bak holds it', async () => {
      const problems: StoreError[] = [];
      const replica = createBaton({
        audit: false,
        registry: {
          store: open({ pollIntervalMs: 3_600_000, onError: (error) => problems.push(error) }),
        },
      });
      const writer = createBaton({ audit: false, registry: { store: open() } });
      await writer.register('HOOK', 'HOOK:v1');
      await writer.promote('HOOK', 'HOOK:v2');
      await replica.ready();
      const good = await readFile(path, 'utf8');

      // A non-atomic writer stopped halfway.
      await writeFile(path, good.slice(0, good.length / 2));
      await eventually(() => problems.length > 0);
      expect(problems[0]?.code).toBe('BATON_STORE_FAILED');
      expect(problems[0]?.message).toContain(`${path} is unusable: it is not valid JSON`);
      expect(problems[0]?.message).toContain(`${path}.bak`);
      expect(replica.verifyRef('HOOK', 'HOOK:v2')).toBe(true);
      expect(replica.verifyRef('HOOK', 'HOOK:v1')).toBe(true);

      await expect(writer.promote('HOOK', 'HOOK:v3')).rejects.toMatchObject({
        code: 'BATON_STORE_FAILED',
        message: expect.stringContaining('Nothing was written'),
      });
      expect(await readFile(path, 'utf8')).toBe(good.slice(0, good.length / 2));
      expect(await readFile(`${path}.bak`, 'utf8')).toBe(good);

      // Recovery as the message says: copy the backup back.
      await copyFile(`${path}.bak`, path);
      await writer.promote('HOOK', 'HOOK:v3');
      await eventually(() => replica.verifyRef('HOOK', 'HOOK:v3'));
      expect(replica.status('HOOK')?.revision).toBe(3);
      await replica.close();
      await writer.close();
    });

    it('is refused at start-up with an error that names the file and the problem', async () => {
      await writeFile(
        path,
        JSON.stringify({
          format: 'baton-registry',
          version: 1,
          entries: [{ logical: 'HOOK', currentRef: 'OTHER:v1', activatedAt: 'x', revision: 1 }],
          history: [],
        }),
      );
      const baton = createBaton({ audit: false, registry: { store: open() } });
      await expect(baton.ready()).rejects.toMatchObject({
        code: 'BATON_STORE_FAILED',
        message: expect.stringContaining('entries[0].currentRef is not a ref of HOOK'),
      });
    });

    it('is not overwritten when it is some other JSON file', async () => {
      await writeFile(path, '{"name":"my-app","version":"1.0.0"}\n');
      const store = open();
      await expect(
        store.apply({ kind: 'register', logical: 'HOOK', currentRef: 'HOOK:v1' }, new Date()),
      ).rejects.toMatchObject({ message: expect.stringContaining('not a Baton registry file') });
      expect(await readFile(path, 'utf8')).toBe('{"name":"my-app","version":"1.0.0"}\n');
    });
  });

  it('keeps rotation policies in the file, and refuses a policy no registry would write', async () => {
    const baton = createBaton({ audit: false, registry: { store: open() } });
    await baton.register('DB_URL', 'DB_URL:v1');
    await baton.setRotationPolicy('DB_URL', { type: 'database', periodDays: 30 }, { actor: 'ops' });
    await baton.close();
    const file = JSON.parse(await readFile(path, 'utf8'));
    expect(file.entries[0].rotation).toEqual({ type: 'database', periodDays: 30 });
    expect(file.history[0]).toMatchObject({ change: 'policy', actor: 'ops', revision: 2 });

    const restarted = createBaton({ audit: false, registry: { store: open() } });
    await restarted.ready();
    expect(restarted.status('DB_URL')?.rotation).toEqual({ type: 'database', periodDays: 30 });
    await restarted.close();

    file.entries[0].rotation = { type: 'password' };
    await writeFile(path, JSON.stringify(file));
    const refused = createBaton({ audit: false, registry: { store: open() } });
    await expect(refused.ready()).rejects.toMatchObject({
      message: expect.stringContaining('entries[0].rotation: type must be one of'),
    });
  });

  describe('a file that goes back in history', () => {
    /** A writer that does not follow the file, so only its write can notice, and a replica that does. */
    function pair() {
      const writerProblems: StoreError[] = [];
      const replicaProblems: StoreError[] = [];
      const writer = createBaton({
        audit: false,
        registry: {
          store: open({
            watch: false,
            pollIntervalMs: 3_600_000,
            onError: (error) => writerProblems.push(error),
          }),
        },
      });
      const replica = createBaton({
        audit: false,
        registry: {
          store: open({
            pollIntervalMs: 3_600_000,
            onError: (error) => replicaProblems.push(error),
          }),
        },
      });
      return { writer, replica, writerProblems, replicaProblems };
    }

    it('an older copy put in place: replicas resync and say so, and the next promotion reaches every snapshot, the writer’s too', async () => {
      const { writer, replica, writerProblems, replicaProblems } = pair();
      await writer.register('HOOK', 'HOOK:v1');
      await writer.promote('HOOK', 'HOOK:v2');
      await copyFile(path, join(dir, 'backup.json'));
      await writer.promote('HOOK', 'HOOK:v3');
      await writer.promote('HOOK', 'HOOK:v4');
      await replica.ready();
      expect(replica.status('HOOK')?.revision).toBe(4);

      // Restored the way backup tools do it: a copy renamed over the file.
      await copyFile(join(dir, 'backup.json'), join(dir, 'restoring.json'));
      await rename(join(dir, 'restoring.json'), path);
      await eventually(() => replicaProblems.length > 0);
      expect(replicaProblems[0]?.message).toBe(
        `Registry store "file:${path}": ${path} went back in history (HOOK is at revision 2, below revision 4 seen before): it was deleted, or an older copy put in its place. Every process now follows the file as it is; ${path}.bak holds the last file a change wrote, should that be the one to keep`,
      );
      expect(replica.status('HOOK')).toMatchObject({ currentRef: 'HOOK:v2', revision: 2 });

      const promoted = await writer.promote('HOOK', 'HOOK:v5');
      expect(promoted.revision).toBe(5); // past every revision the writer has seen
      expect(writer.verifyRef('HOOK', 'HOOK:v5')).toBe(true);
      expect(writer.checkRef('HOOK', 'HOOK:v2')).toMatchObject({
        accepted: true,
        match: 'previous',
      });
      expect(writerProblems.map((problem) => problem.message)).toEqual([
        expect.stringContaining('went back in history (HOOK is at revision 2, below revision 4'),
      ]);
      await eventually(() => replica.verifyRef('HOOK', 'HOOK:v5'));
      expect(replicaProblems).toHaveLength(1);
      await writer.close();
      await replica.close();
    });

    it('the file deleted: replicas take the empty registry as the truth and say so, and registering again reaches them', async () => {
      const { writer, replica, replicaProblems } = pair();
      await writer.register('HOOK', 'HOOK:v1');
      await writer.promote('HOOK', 'HOOK:v2');
      await replica.ready();
      await rm(path);
      await eventually(() => replicaProblems.length > 0);
      expect(replicaProblems[0]?.message).toContain('went back in history (HOOK is missing)');
      expect(replica.checkRef('HOOK', 'HOOK:v2')).toEqual({ accepted: false, reason: 'no_entry' });

      await expect(writer.promote('HOOK', 'HOOK:v3')).rejects.toMatchObject({
        code: 'BATON_NO_ENTRY',
      });
      const registered = await writer.register('HOOK', 'HOOK:v3');
      expect(registered.revision).toBe(3); // past every revision the writer has seen
      expect(writer.verifyRef('HOOK', 'HOOK:v3')).toBe(true);
      await eventually(() => replica.verifyRef('HOOK', 'HOOK:v3'));
      await writer.close();
      await replica.close();
    });

    it('a rotation policy changed by hand at the same revision is taken as a resync too', async () => {
      const { writer, replica, replicaProblems } = pair();
      await writer.register('DB_URL', 'DB_URL:v1');
      await writer.setRotationPolicy('DB_URL', { type: 'database' });
      await replica.ready();
      const file = JSON.parse(await readFile(path, 'utf8'));
      file.entries[0].rotation = { type: 'database', periodDays: 7 };
      await writeFile(join(dir, 'edited.json'), JSON.stringify(file));
      await rename(join(dir, 'edited.json'), path);
      await eventually(() => replica.status('DB_URL')?.rotation?.periodDays === 7);
      expect(replicaProblems[0]?.message).toContain(
        '(DB_URL changed at revision 2 without a new revision)',
      );
      await writer.close();
      await replica.close();
    });

    it('an entry changed by hand at the same revision is taken as a resync too', async () => {
      const { writer, replica, replicaProblems } = pair();
      await writer.register('HOOK', 'HOOK:v1');
      await replica.ready();
      const file = JSON.parse(await readFile(path, 'utf8'));
      file.entries[0].currentRef = 'HOOK:v9';
      await writeFile(join(dir, 'edited.json'), JSON.stringify(file));
      await rename(join(dir, 'edited.json'), path);
      await eventually(() => replica.verifyRef('HOOK', 'HOOK:v9'));
      expect(replicaProblems[0]?.message).toContain(
        '(HOOK changed at revision 1 without a new revision)',
      );
      await writer.close();
      await replica.close();
    });
  });

  it('refuses bad options with one error listing each', () => {
    expect(() =>
      fileStore({ path: '', pollIntervalMs: -1, historyLimit: 2.5, watch: 'yes' as never }),
    ).toThrow(
      expect.objectContaining({
        code: 'BATON_CONFIG',
        issues: [
          'fileStore: path must be the path of the registry file',
          'fileStore: pollIntervalMs must be a positive number',
          'fileStore: historyLimit must be a positive integer',
          'fileStore: watch must be a boolean',
        ],
      }),
    );
  });
});
