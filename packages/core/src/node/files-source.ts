import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError, describe } from '../errors.js';
import { envKey, type ParsedRef } from '../secret-ref.js';
import type { SecretSource } from '../source.js';

export interface FilesSourceOptions {
  /** The directory holding one file per key (a mounted Kubernetes or Docker secret). */
  dir: string;
  /** The file name of a ref. Default: its environment key (`OPENAI_KEY:v2` → `OPENAI_KEY_V2`). */
  fileName?: (ref: ParsedRef) => string;
  /** Source name in errors, audit events and metrics. Default `'files'`. */
  name?: string;
}

/** Files larger than this are refused: a secret is small, a mistaken mount may not be. */
const MAX_FILE_BYTES = 1024 * 1024;

/**
 * Reads each ref from its own file, as Kubernetes and Docker mount secrets (and as the
 * External Secrets Operator syncs cloud secrets). One trailing newline is dropped; a missing
 * file or directory answers absent.
 *
 * @example
 * createBaton({ sources: [filesSource({ dir: '/var/run/secrets/app' }), envSource()] });
 */
export function filesSource(options: FilesSourceOptions): SecretSource {
  if (typeof options?.dir !== 'string' || options.dir === '') {
    throw new ConfigError('filesSource: dir must be the path of a directory');
  }
  const dir = resolve(options.dir);
  const fileName = options.fileName ?? envKey;
  return {
    name: options.name ?? 'files',
    async get(ref) {
      const path = join(dir, fileName(ref));
      let handle: FileHandle;
      try {
        // Non-blocking, so a FIFO with no writer cannot hold a thread-pool thread.
        handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
        throw unreadable(path, error);
      }
      try {
        return await readSecretFile(handle, path);
      } catch (error) {
        throw error instanceof ConfigError ? error : unreadable(path, error);
      } finally {
        await handle.close();
      }
    },
    hint: (ref) => `create the file ${join(dir, fileName(ref))}`,
  };
}

/** Reads an opened secret file: a regular file of at most 1 MiB, one trailing newline dropped. */
async function readSecretFile(handle: FileHandle, path: string): Promise<string | undefined> {
  const stats = await handle.stat();
  if (!stats.isFile()) {
    throw new ConfigError(
      `filesSource: ${path} is not a regular file; only regular files (and symlinks to them) are read`,
    );
  }
  // Read at most one byte past the bound: a file can grow after stat().
  const buffer = Buffer.alloc(Math.min(stats.size, MAX_FILE_BYTES) + 1);
  const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
  if (bytesRead > MAX_FILE_BYTES) {
    throw new ConfigError(
      `filesSource: ${path} holds more than ${MAX_FILE_BYTES} bytes; a secret file must be smaller`,
    );
  }
  const text = buffer.toString('utf8', 0, bytesRead);
  const value = text.endsWith('\r\n')
    ? text.slice(0, -2)
    : text.endsWith('\n')
      ? text.slice(0, -1)
      : text;
  return value === '' ? undefined : value;
}

/**
 * A file that exists but cannot be read, named with the operating system's code
 * (`EACCES`, `ELOOP`, `EISDIR`): the code says what to fix, and neither carries content.
 */
function unreadable(path: string, error: unknown): ConfigError {
  const code = (error as NodeJS.ErrnoException).code;
  return new ConfigError(`filesSource: cannot read ${path} (${code ?? describe(error)})`, {
    cause: error,
  });
}
