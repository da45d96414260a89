import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parse } from 'dotenv';
import { expand as expandValues } from 'dotenv-expand';
import { denied } from '../env-source.js';
import { ConfigError, describe } from '../errors.js';
import { envKey } from '../secret-ref.js';
import type { EnvRecord, SecretSource } from '../source.js';
import { decryptDotenvx, isEncrypted, privateKeyName } from './dotenvx.js';

export interface DotenvSourceOptions {
  /** The file to read. Default `.env` in the working directory. */
  path?: string;
  /** Fail when the file does not exist (instead of answering absent). Default `false`. */
  required?: boolean;
  /** Source name in errors, audit events and metrics. Default `'dotenv'`. */
  name?: string;
  /**
   * Expand `${VAR}` and `$VAR` references with `dotenv-expand` (defaults `${VAR:-default}`
   * and alternates `${VAR:+alt}` included). `true`: references are to keys of the same file
   * only. `{ env }`: also to that record, which then wins over the file as in dotenv-expand
   * (`{ env: process.env }` to opt into the process environment). Default `false`.
   */
  expand?: boolean | { env: EnvRecord | (() => EnvRecord | undefined) };
  /**
   * Where the private keys of dotenvx-encrypted values (`encrypted:…`) are looked up:
   * `DOTENV_PRIVATE_KEY` for `.env`, `DOTENV_PRIVATE_KEY_PRODUCTION` for `.env.production`.
   * Default `process.env`, then the `.env.keys` file beside the file.
   */
  env?: EnvRecord | (() => EnvRecord | undefined);
  /** The dotenvx keys file, read when `env` holds no key. Default `.env.keys` beside the file; `false` reads none. */
  keysPath?: string | false;
}

/**
 * Reads refs from a `.env` file, parsed with `dotenv`, without touching `process.env`.
 * The file is read on every cache miss, so edits during development are picked up once the
 * cached value expires; a missing file answers absent unless `required`. Values encrypted by
 * dotenvx are decrypted with `@dotenvx/dotenvx` (install it) and the file's private key;
 * `expand` turns on variable expansion.
 *
 * @example
 * createBaton({ sources: [envSource(), dotenvSource({ path: '.env', expand: true })] });
 */
export function dotenvSource(options: DotenvSourceOptions = {}): SecretSource {
  const given = options.path ?? '.env';
  const path = resolve(given);
  const name = options.name ?? 'dotenv';
  const keysPath =
    options.keysPath === false
      ? undefined
      : resolve(options.keysPath ?? join(dirname(path), '.env.keys'));
  const keyEnv = recordOf(options.env) ?? processEnv;
  const expandEnv =
    typeof options.expand === 'object' && options.expand !== null
      ? recordOf(options.expand.env)
      : undefined;
  const expanding = options.expand === true || expandEnv !== undefined;

  async function load(): Promise<Record<string, string>> {
    let text: Buffer;
    try {
      text = await readFile(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && !options.required) return {};
      throw new ConfigError(
        code === 'ENOENT'
          ? `dotenvSource: the file ${path} does not exist and is required; create it, or point path at the right file`
          : `dotenvSource: cannot read ${path} (${code ?? describe(error)})`,
        { cause: error },
      );
    }
    const values = parse(text);
    if (!expanding) return values;
    await decryptAll(values);
    const scope: Record<string, string> = {};
    for (const [key, value] of Object.entries(expandEnv?.() ?? {})) {
      if (typeof value === 'string') scope[key] = value;
    }
    // dotenv-expand writes every expanded key into processEnv: a copy, never a real record.
    return expandValues({ parsed: values, processEnv: scope }).parsed ?? values;
  }

  /** Decrypts every encrypted value in place: expansion may refer to any of them. */
  async function decryptAll(values: Record<string, string>): Promise<void> {
    for (const key of Object.keys(values)) {
      const value = values[key] as string;
      if (isEncrypted(value)) values[key] = await decrypt(values, key, value);
    }
  }

  async function decrypt(values: Record<string, string>, key: string, value: string) {
    const keyName = privateKeyName(values, path);
    const privateKey = (await lookUpKey(keyName, key)) ?? '';
    return decryptDotenvx({ key, value, path, keyName, keysPath, privateKey });
  }

  async function lookUpKey(keyName: string, key: string): Promise<string | undefined> {
    let fromEnv: unknown;
    try {
      fromEnv = keyEnv()?.[keyName];
    } catch (error) {
      throw denied(error, keyName) ?? error;
    }
    if (typeof fromEnv === 'string' && fromEnv !== '') return fromEnv;
    if (keysPath === undefined) return undefined;
    let keys: Record<string, string>;
    try {
      keys = parse(await readFile(keysPath));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new ConfigError(
        `dotenvSource: ${key} in ${path} is encrypted, and the keys file ${keysPath} cannot be read (${(error as NodeJS.ErrnoException).code ?? describe(error)})`,
        { cause: error },
      );
    }
    const fromFile = Object.hasOwn(keys, keyName) ? keys[keyName] : undefined;
    return fromFile === '' ? undefined : fromFile;
  }

  async function value(values: Record<string, string>, key: string) {
    const found = ownValue(values, key);
    return found !== undefined && isEncrypted(found) ? decrypt(values, key, found) : found;
  }

  return {
    name,
    async get(ref) {
      return nonEmpty(await value(await load(), envKey(ref)));
    },
    async getMany(refs) {
      const values = await load();
      const answers = new Map<string, string | undefined>();
      for (const ref of refs) answers.set(ref.ref, nonEmpty(await value(values, envKey(ref))));
      return answers;
    },
    hint: (ref) => `add ${envKey(ref)} to ${given}`,
  };
}

/** The file's own value of a key: `constructor` or `__proto__` are keys like any other. */
function ownValue(values: Record<string, string>, key: string): string | undefined {
  return Object.hasOwn(values, key) ? values[key] : undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function recordOf(
  env: EnvRecord | (() => EnvRecord | undefined) | undefined,
): (() => EnvRecord | undefined) | undefined {
  if (env === undefined) return undefined;
  return typeof env === 'function' ? env : () => env;
}

function processEnv(): EnvRecord | undefined {
  return process.env;
}
