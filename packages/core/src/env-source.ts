import { ConfigError } from './errors.js';
import { envKey } from './secret-ref.js';
import type { EnvRecord, SecretSource } from './source.js';

export interface EnvSourceOptions {
  /**
   * The record to read, or a function returning it, consulted at every lookup (never at
   * import time). Default: `process.env` where it exists, otherwise nothing.
   */
  env?: EnvRecord | (() => EnvRecord | undefined);
  /** Source name in errors, audit events and metrics. Default `'env'`. */
  name?: string;
}

/**
 * Reads `OPENAI_KEY:v2` from the variable `OPENAI_KEY_V2` (see `envKey`). Only non-empty
 * strings count as values, so a binding that is an object (a KV namespace) is absent. Under
 * Deno without `--allow-env`, a read fails with an error that names the flag.
 *
 * @example
 * createBaton({ sources: [envSource()] });          // process.env on Node
 * createBaton({ sources: [envSource({ env: c.env })] }); // Worker bindings
 */
export function envSource(options: EnvSourceOptions = {}): SecretSource {
  const { env } = options;
  const read: () => EnvRecord | undefined =
    typeof env === 'function' ? env : env !== undefined ? () => env : processEnv;
  return {
    name: options.name ?? 'env',
    async get(ref) {
      const key = envKey(ref);
      let value: unknown;
      try {
        value = read()?.[key];
      } catch (error) {
        throw denied(error, key) ?? error;
      }
      return typeof value === 'string' && value !== '' ? value : undefined;
    },
    hint: (ref) => `set ${envKey(ref)} in the environment`,
  };
}

function processEnv(): EnvRecord | undefined {
  return (globalThis as { process?: { env?: EnvRecord } }).process?.env;
}

/**
 * The error for a read the runtime refused: Deno throws `NotCapable` (Deno 2) or
 * `PermissionDenied` (Deno 1) for an environment variable it was not allowed to read, from
 * `Deno.env` and `process.env` alike. `undefined` for any other error.
 */
export function denied(error: unknown, key: string): ConfigError | undefined {
  const name = (error as { name?: unknown } | null | undefined)?.name;
  if (name !== 'NotCapable' && name !== 'PermissionDenied') return undefined;
  return new ConfigError(
    `the runtime refused to read the environment variable ${key}: under Deno, run with ` +
      `--allow-env (or --allow-env=${key} to allow only it)`,
    { cause: error },
  );
}
