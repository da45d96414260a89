import { randomUUID } from 'node:crypto';
import { type FSWatcher, watch } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { displayRef } from '../display-ref.js';
import { BatonError, ConfigError, describe, StoreError } from '../errors.js';
import {
  applyChange,
  type ChangeResult,
  type RegistryChange,
  type RegistryEntry,
  type RegistryHistoryRecord,
  type RegistryStore,
  type StoreUpdate,
} from '../registry-store.js';
import { sameRotationPolicy } from '../rotation-policy.js';
import { acquireFileLock } from './file-lock.js';
import {
  parseRegistryFile,
  type RegistryFileContent,
  serializeRegistryFile,
} from './registry-file.js';

export interface FileStoreOptions {
  /** The registry file (JSON). Its directory is created when missing. */
  path: string;
  /** How often each process checks the file, besides watching it. Default 1000 (1 s). */
  pollIntervalMs?: number;
  /**
   * Watch the directory for changes (`fs.watch`). Default `true`. Turn it off where change
   * events do not arrive (some network and container file systems): the periodic check stays.
   */
  watch?: boolean;
  /** How long a change waits for the cross-process lock before failing. Default 5000 (5 s). */
  lockTimeoutMs?: number;
  /**
   * A lock held longer than this is taken over (its holder hangs). A lock whose process has
   * exited is taken over at once, a lock file without a holder after a second. Default
   * 30 000 (30 s).
   */
  staleLockMs?: number;
  /** History records kept in the file, newest first. Default 1000. */
  historyLimit?: number;
  /**
   * Told when a background check fails (say, the file was corrupted by a hand edit; the
   * snapshot is kept meanwhile), and when the file went back in history (the snapshot is
   * replaced with it). Default: a warning on stderr, once per problem.
   */
  onError?: (error: StoreError) => void;
}

const DEFAULT_POLL_INTERVAL_MS = 1000;
const DEFAULT_LOCK_TIMEOUT_MS = 5000;
const DEFAULT_STALE_LOCK_MS = 30_000;
const DEFAULT_HISTORY_LIMIT = 1000;
const DEFAULT_HISTORY_QUERY_LIMIT = 100;

interface FileStoreSettings {
  path: string;
  pollIntervalMs: number;
  watch: boolean;
  lockTimeoutMs: number;
  staleLockMs: number;
  historyLimit: number;
  onError: (error: StoreError) => void;
}

type Listener = (entries: readonly RegistryEntry[], update?: StoreUpdate) => void;

const EMPTY: RegistryFileContent = { entries: new Map(), history: [] };

/**
 * A registry store in one JSON file, for several processes on one host. Changes are
 * compare-and-set under a cross-process lock and replace the file atomically (a temporary
 * file in the same directory, fsync, rename); every process follows the file through
 * `fs.watch` and a periodic check. A corrupt file is never overwritten: changes fail with a
 * clear `StoreError`, snapshots keep their last good content, and `<path>.bak` holds the last
 * good file. A file that went back in history (deleted, or an older copy put in place) is
 * taken as the truth by every process, which replaces its snapshot and says so through
 * `onError`; later changes continue from the highest revision seen.
 *
 * @example
 * import { fileStore } from '@baton/core/node';
 * const baton = createBaton({ registry: { store: fileStore({ path: '/var/lib/app/registry.json' }) } });
 * await baton.ready();
 */
export function fileStore(options: FileStoreOptions): RegistryStore {
  return new FileRegistryStore(resolveOptions(options));
}

class FileRegistryStore implements RegistryStore {
  readonly name: string;
  private readonly path: string;
  private readonly directory: string;
  private readonly lockPath: string;
  private readonly backupPath: string;
  private readonly listeners = new Set<Listener>();
  private watcher: FSWatcher | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  /** The file version last read: inode, size and modification time. */
  private version: string | undefined;
  /**
   * The entries last read or written by this process: a file holding less (an entry missing,
   * a lower revision, the same revision changed) went back in history.
   */
  private seen: ReadonlyMap<string, RegistryEntry> = new Map();
  /** The highest revision of each entry this process has ever seen, kept across resyncs. */
  private readonly highest = new Map<string, number>();
  /**
   * Bumped whenever a change of this process reads or writes the file: a background check
   * that read the file meanwhile may have read an older one, and reads again.
   */
  private generation = 0;
  private checking: Promise<void> | undefined;
  private checkAgain = false;
  private reported: string | undefined;
  private closed = false;

  constructor(private readonly settings: FileStoreSettings) {
    this.path = settings.path;
    this.name = `file:${this.path}`;
    this.directory = dirname(this.path);
    this.lockPath = `${this.path}.lock`;
    this.backupPath = `${this.path}.bak`;
  }

  async load(): Promise<readonly RegistryEntry[]> {
    await this.ensureDirectory();
    const version = await this.fileVersion();
    const content = await this.read();
    this.version = version;
    this.see(content.entries);
    return [...content.entries.values()];
  }

  async apply(change: RegistryChange, now: Date): Promise<ChangeResult> {
    const operation = `${change.kind} ${change.logical}`;
    let result: ChangeResult;
    try {
      result = await this.applyLocked(change, now, operation);
    } catch (error) {
      throw error instanceof BatonError
        ? error
        : new StoreError(this.name, `could not ${operation}: ${describe(error)}`, {
            cause: error,
          });
    }
    if (result.changed) this.publish([result.entry]);
    return result;
  }

  /**
   * Reads, changes and replaces the file, all under the cross-process lock. A file that went
   * back in history is taken as the truth first (resync), and every change continues from the
   * highest revision this process has ever seen, so no snapshot takes it for an old echo.
   */
  private async applyLocked(
    change: RegistryChange,
    now: Date,
    operation: string,
  ): Promise<ChangeResult> {
    await this.ensureDirectory();
    const lock = await acquireFileLock(this.lockPath, {
      store: this.name,
      timeoutMs: this.settings.lockTimeoutMs,
      staleMs: this.settings.staleLockMs,
    });
    try {
      const content = await this.read();
      this.generation++;
      const back = this.wentBack(content.entries);
      if (back !== undefined) this.resync(content.entries, back);
      const { result, record } = applyChange(content.entries.get(change.logical), change, now);
      if (!result.changed || record === undefined) return result;
      const revision = Math.max(result.entry.revision, (this.highest.get(change.logical) ?? 0) + 1);
      const entry = { ...result.entry, revision };
      const entries = new Map(content.entries).set(change.logical, entry);
      const history = [{ ...record, revision }, ...content.history].slice(
        0,
        this.settings.historyLimit,
      );
      const text = serializeRegistryFile({ entries, history });
      const temporary = await this.writeTemporary(text);
      if (!(await lock.stillHeld())) {
        await rm(temporary, { force: true });
        throw new StoreError(
          this.name,
          `could not ${operation}: another process took over the lock ${this.lockPath} (held too long?); nothing was written`,
        );
      }
      this.generation++;
      await rename(temporary, this.path);
      this.see(entries);
      await this.syncDirectory();
      await this.writeBackup(text);
      return { entry, changed: true };
    } finally {
      await lock.release();
    }
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    this.follow();
    return () => this.listeners.delete(listener);
  }

  async history(
    query: { logical?: string; limit?: number } = {},
  ): Promise<readonly RegistryHistoryRecord[]> {
    const limit = query.limit ?? DEFAULT_HISTORY_QUERY_LIMIT;
    if (!Number.isInteger(limit) || limit < 1) {
      throw new ConfigError('history: limit must be a positive integer');
    }
    const { history } = await this.read();
    const matching =
      query.logical === undefined ? history : history.filter((r) => r.logical === query.logical);
    return matching.slice(0, limit);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watcher?.close();
    this.watcher = undefined;
    clearInterval(this.timer);
    this.timer = undefined;
    this.listeners.clear();
    await this.checking;
  }

  /** Starts following the file: a watch on its directory and a periodic check. */
  private follow(): void {
    if (this.timer !== undefined || this.closed) return;
    this.timer = setInterval(() => this.check(), this.settings.pollIntervalMs);
    this.timer.unref();
    if (!this.settings.watch) return;
    const file = basename(this.path);
    try {
      // The directory, not the file: every write replaces the file with a new one.
      this.watcher = watch(this.directory, { persistent: false }, (_event, changed) => {
        if (changed === null || changed === file) this.check();
      });
      this.watcher.on('error', (error) => this.stopWatching(error));
    } catch (error) {
      this.stopWatching(error);
    }
  }

  private stopWatching(error: unknown): void {
    this.watcher?.close();
    this.watcher = undefined;
    this.report(
      new StoreError(
        this.name,
        `cannot watch ${this.directory}; changes from other processes now arrive through the periodic check (every ${this.settings.pollIntervalMs} ms)`,
        { cause: error },
      ),
    );
  }

  /** Reads the file if it changed since last read and passes its entries on. One at a time. */
  private check(): void {
    if (this.closed) return;
    if (this.checking !== undefined) {
      this.checkAgain = true;
      return;
    }
    this.checking = this.readIfChanged().finally(() => {
      this.checking = undefined;
      if (this.checkAgain) {
        this.checkAgain = false;
        this.check();
      }
    });
  }

  private async readIfChanged(): Promise<void> {
    const generation = this.generation;
    let content: RegistryFileContent;
    let version: string;
    try {
      version = await this.fileVersion();
      if (version === this.version) return;
      content = await this.read();
    } catch (error) {
      this.report(
        error instanceof StoreError
          ? error
          : new StoreError(this.name, `could not read ${this.path}`, { cause: error }),
      );
      return;
    }
    if (this.closed) return;
    // A change of this process read or wrote the file meanwhile: what this check read may be
    // older. Read again.
    if (this.generation !== generation) {
      this.checkAgain = true;
      return;
    }
    this.version = version;
    this.reported = undefined;
    const back = this.wentBack(content.entries);
    if (back !== undefined) {
      this.resync(content.entries, back);
      return;
    }
    this.see(content.entries);
    this.publish([...content.entries.values()]);
  }

  private see(entries: ReadonlyMap<string, RegistryEntry>): void {
    this.seen = entries;
    for (const [logical, { revision }] of entries) {
      if (revision > (this.highest.get(logical) ?? 0)) this.highest.set(logical, revision);
    }
  }

  /**
   * Why `entries` are older than what this process has seen, if they are: an entry it saw is
   * missing, or at a lower revision, or at the same revision with other content. Revisions
   * only grow, so this happens only when the file was deleted or an older copy put in place.
   */
  private wentBack(entries: ReadonlyMap<string, RegistryEntry>): string | undefined {
    for (const [logical, known] of this.seen) {
      const entry = entries.get(logical);
      const name = displayRef(logical);
      if (entry === undefined) return `${name} is missing`;
      if (entry.revision < known.revision) {
        return `${name} is at revision ${entry.revision}, below revision ${known.revision} seen before`;
      }
      if (entry.revision === known.revision && !sameEntry(entry, known)) {
        return `${name} changed at revision ${entry.revision} without a new revision`;
      }
    }
    return undefined;
  }

  /** The file is the truth: every snapshot is replaced with it, and the store says so. */
  private resync(entries: ReadonlyMap<string, RegistryEntry>, back: string): void {
    this.see(entries);
    this.publish([...entries.values()], { resync: true });
    this.settings.onError(
      new StoreError(
        this.name,
        `${this.path} went back in history (${back}): it was deleted, or an older copy put in ` +
          `its place. Every process now follows the file as it is; ${this.backupPath} holds the ` +
          'last file a change wrote, should that be the one to keep',
      ),
    );
  }

  private publish(entries: readonly RegistryEntry[], update?: StoreUpdate): void {
    if (this.closed) return;
    for (const listener of this.listeners) listener(entries, update);
  }

  /** Reports a background problem once, until the store is healthy again. */
  private report(error: StoreError): void {
    if (this.reported === error.message) return;
    this.reported = error.message;
    this.settings.onError(error);
  }

  private async read(): Promise<RegistryFileContent> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY;
      throw new StoreError(this.name, `could not read ${this.path}`, { cause: error });
    }
    return parseRegistryFile(text, this.name, { path: this.path, backupPath: this.backupPath });
  }

  /** Identifies the file's current version; every write makes a new file (a new inode). */
  private async fileVersion(): Promise<string> {
    try {
      const { ino, size, mtimeNs } = await stat(this.path, { bigint: true });
      return `${ino}:${size}:${mtimeNs}`;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'absent';
      throw error;
    }
  }

  private async writeTemporary(text: string): Promise<string> {
    const temporary = `${this.path}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
    const handle = await open(temporary, 'wx');
    try {
      await handle.writeFile(text);
      await handle.sync();
    } catch (error) {
      await handle.close();
      await rm(temporary, { force: true });
      throw error;
    }
    await handle.close();
    return temporary;
  }

  /** Keeps a copy of the file just written, to recover from if the file is ever damaged. */
  private async writeBackup(text: string): Promise<void> {
    await rename(await this.writeTemporary(text), this.backupPath);
  }

  /** Makes the rename itself durable. */
  private async syncDirectory(): Promise<void> {
    const handle = await open(this.directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  private async ensureDirectory(): Promise<void> {
    try {
      await mkdir(this.directory, { recursive: true });
    } catch (error) {
      throw new StoreError(this.name, `could not create the directory ${this.directory}`, {
        cause: error,
      });
    }
  }
}

/** Merges defaults and checks every option, reporting all problems in one `ConfigError`. */
function resolveOptions(options: FileStoreOptions): FileStoreSettings {
  const issues: string[] = [];
  if (typeof options?.path !== 'string' || options.path === '') {
    issues.push('fileStore: path must be the path of the registry file');
  }
  const positive = (value: unknown, fallback: number, name: string): number => {
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      issues.push(`fileStore: ${name} must be a positive number`);
      return fallback;
    }
    return value;
  };
  const settings: FileStoreSettings = {
    path: resolve(String(options?.path)),
    pollIntervalMs: positive(options?.pollIntervalMs, DEFAULT_POLL_INTERVAL_MS, 'pollIntervalMs'),
    watch: options?.watch ?? true,
    lockTimeoutMs: positive(options?.lockTimeoutMs, DEFAULT_LOCK_TIMEOUT_MS, 'lockTimeoutMs'),
    staleLockMs: positive(options?.staleLockMs, DEFAULT_STALE_LOCK_MS, 'staleLockMs'),
    historyLimit: positive(options?.historyLimit, DEFAULT_HISTORY_LIMIT, 'historyLimit'),
    onError: options?.onError ?? warn,
  };
  if (!Number.isInteger(settings.historyLimit)) {
    issues.push('fileStore: historyLimit must be a positive integer');
  }
  if (typeof settings.watch !== 'boolean') issues.push('fileStore: watch must be a boolean');
  if (typeof settings.onError !== 'function') {
    issues.push('fileStore: onError must be a function');
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return settings;
}

function sameEntry(a: RegistryEntry, b: RegistryEntry): boolean {
  return (
    a.currentRef === b.currentRef &&
    a.previousRef === b.previousRef &&
    a.activatedAt.getTime() === b.activatedAt.getTime() &&
    a.previousActivatedAt?.getTime() === b.previousActivatedAt?.getTime() &&
    sameRotationPolicy(a.rotation, b.rotation)
  );
}

function warn(error: StoreError): void {
  console.warn(`[baton] ${error.message}`);
}
