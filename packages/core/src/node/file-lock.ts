import { randomUUID } from 'node:crypto';
import { link, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { StoreError } from '../errors.js';

/** A cross-process lock this process holds. */
export interface HeldLock {
  /** Whether the lock file is still this holder's: checked right before a write commits. */
  stillHeld(): Promise<boolean>;
  /** Removes the lock file, if it is still this holder's. */
  release(): Promise<void>;
}

export interface FileLockOptions {
  /** Shown in errors. */
  store: string;
  /** How long to wait for another holder before failing. */
  timeoutMs: number;
  /** A lock older than this is taken over whoever holds it. */
  staleMs: number;
}

/** What a lock file says about its holder. */
interface Holder {
  pid?: number;
  host?: string;
  token?: string;
  ageMs: number;
}

/** The longest pause between two attempts while another process holds the lock. */
const MAX_RETRY_DELAY_MS = 25;
/**
 * How old a lock file without a holder (empty, or not JSON) must be to be taken over. This
 * version never makes one: it links a complete file into place. Earlier versions created the
 * file, then wrote it, and one killed in between left it empty; one still running fills it
 * within microseconds.
 */
const HOLDERLESS_LOCK_MS = 1_000;

/**
 * Takes an exclusive lock shared by every process on the host: a file holding the holder's
 * pid, host and a token, written aside and then hard-linked into place (the link fails if
 * the lock exists), so a lock file is never seen empty. A lock whose process has exited (same
 * host) is taken over at once, a lock file without a holder after a second, any lock older
 * than `staleMs` too; the rest are waited for, up to `timeoutMs`.
 *
 * @example
 * const lock = await acquireFileLock('/var/lib/app/registry.json.lock', { store, timeoutMs: 5000, staleMs: 30_000 });
 * try { … } finally { await lock.release(); }
 */
export async function acquireFileLock(path: string, options: FileLockOptions): Promise<HeldLock> {
  const token = randomUUID();
  const content = JSON.stringify({
    pid: process.pid,
    host: hostname(),
    token,
    at: new Date().toISOString(),
  });
  const deadline = Date.now() + options.timeoutMs;
  const written = `${path}.${token}.tmp`;
  try {
    await writeFile(written, content, { flag: 'wx' });
  } catch (error) {
    throw new StoreError(options.store, `could not write a lock file beside ${path}`, {
      cause: error,
    });
  }
  try {
    let delay = 1;
    for (;;) {
      try {
        await link(written, path);
        return heldLock(path, token);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new StoreError(options.store, `could not create the lock file ${path}`, {
            cause: error,
          });
        }
      }
      const holder = await readHolder(path);
      if (holder === undefined) continue;
      if (isStale(holder, options.staleMs)) {
        await takeOver(path, holder);
        continue;
      }
      if (Date.now() >= deadline) {
        throw new StoreError(
          options.store,
          `could not take the lock ${path} within ${options.timeoutMs} ms: ${
            holder.pid === undefined ? 'a process' : `process ${holder.pid}`
          } has held it for ${Math.round(holder.ageMs)} ms`,
        );
      }
      await sleep(delay + Math.random() * delay);
      delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
    }
  } finally {
    await rm(written, { force: true });
  }
}

function heldLock(path: string, token: string): HeldLock {
  const stillHeld = async () => (await readHolder(path))?.token === token;
  return {
    stillHeld,
    async release() {
      if (await stillHeld()) await rm(path, { force: true });
    },
  };
}

/** The lock file's holder, or undefined when there is no lock file. */
async function readHolder(path: string): Promise<Holder | undefined> {
  let text: string;
  let mtimeMs: number;
  try {
    [text, { mtimeMs }] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const ageMs = Date.now() - mtimeMs;
  try {
    const data = JSON.parse(text) as { pid?: unknown; host?: unknown; token?: unknown };
    return {
      ...(Number.isSafeInteger(data.pid) ? { pid: data.pid as number } : {}),
      ...(typeof data.host === 'string' ? { host: data.host } : {}),
      ...(typeof data.token === 'string' ? { token: data.token } : {}),
      ageMs,
    };
  } catch {
    // Empty (an earlier version's writer died before writing it) or written by something
    // else: only its age tells.
    return { ageMs };
  }
}

function isStale(holder: Holder, staleMs: number): boolean {
  if (holder.ageMs > staleMs) return true;
  if (holder.token === undefined) return holder.ageMs > HOLDERLESS_LOCK_MS;
  return holder.pid !== undefined && holder.host === hostname() && !isAlive(holder.pid);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists, it belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes a stale lock. Renaming it aside first means only one process removes it; if what
 * was moved turns out to be a fresh lock taken meanwhile, it is put back.
 */
async function takeOver(path: string, stale: Holder): Promise<void> {
  const aside = `${path}.${randomUUID()}.stale`;
  try {
    await rename(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = await readHolder(aside);
  if (moved !== undefined && moved.token !== stale.token) {
    await link(aside, path).catch(() => undefined);
  }
  await rm(aside, { force: true });
}
