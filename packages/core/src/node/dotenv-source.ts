import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parse } from 'dotenv';
import { envKey } from '../secret-ref.js';
import type { SecretSource } from '../source.js';

export interface DotenvSourceOptions {
  /** The file to read. Default `.env` in the working directory. */
  path?: string;
  /** Fail when the file does not exist (instead of answering absent). Default `false`. */
  required?: boolean;
  /** Source name in errors, audit events and metrics. Default `'dotenv'`. */
  name?: string;
}

/**
 * Reads refs from a `.env` file, parsed with `dotenv`, without touching `process.env`.
 * The file is read on every cache miss, so edits during development are picked up once the
 * cached value expires; a missing file answers absent unless `required`.
 *
 * @example
 * createBaton({ sources: [envSource(), dotenvSource({ path: '.env' })] });
 */
export function dotenvSource(options: DotenvSourceOptions = {}): SecretSource {
  const given = options.path ?? '.env';
  const path = resolve(given);
  const name = options.name ?? 'dotenv';

  async function load(): Promise<Record<string, string>> {
    try {
      return parse(await readFile(path));
    } catch (error) {
      if (!options.required && (error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
  }

  return {
    name,
    async get(ref) {
      return ownValue(await load(), envKey(ref));
    },
    async getMany(refs) {
      const values = await load();
      return new Map(refs.map((ref) => [ref.ref, ownValue(values, envKey(ref))]));
    },
    hint: (ref) => `add ${envKey(ref)} to ${given}`,
  };
}

/** The file's own value of a key: `constructor` or `__proto__` are keys like any other. */
function ownValue(values: Record<string, string>, key: string): string | undefined {
  const value = Object.hasOwn(values, key) ? values[key] : undefined;
  return value === undefined || value === '' ? undefined : value;
}
