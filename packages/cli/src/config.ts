import { access, readFile } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BatonOptions, WritableSecretSource } from '@baton/core';
import type { Rotator } from '@baton/rotation';
import { UsageError } from './errors.js';

/** Where `baton migrate --to` can copy a `.env`. */
export type MigrateTarget = 'aws' | 'azure' | 'gcp' | 'vault';

/** A target source, or a function that makes one (so a config can defer loading an SDK). */
export type TargetFactory =
  | WritableSecretSource
  | (() => WritableSecretSource | Promise<WritableSecretSource>);

/**
 * How `baton rotate` rotates one secret: its rotator, and the writable source the new version
 * goes to (also one of `sources`, so the run can check that the new ref resolves).
 */
export interface RotationConfig {
  rotator: Rotator;
  source: TargetFactory;
}

/**
 * What `baton.config.*` exports: Baton's own options, plus what only the command needs.
 */
export interface BatonConfig extends BatonOptions {
  /** The registry store as a URL (`file:PATH`, `postgres://…`), when `registry.store` is not given. */
  store?: string;
  /** Refs `baton check` and `baton run` use when none are named. Default: `.env.example`'s names. */
  required?: readonly string[];
  /** Sources `baton migrate --to NAME` writes to, instead of one made from flags and environment. */
  targets?: Partial<Record<MigrateTarget, TargetFactory>>;
  /** How `baton rotate` rotates each secret, by logical name. */
  rotations?: Readonly<Record<string, RotationConfig>>;
}

/**
 * Types a `baton.config.ts`: the options of `createBaton`, plus `store`, `required`,
 * `targets` and `rotations` for the command.
 *
 * @example
 * export default defineConfig({
 *   sources: [envSource(), dotenvSource({ path: '.env' })],
 *   store: 'postgres://baton@db:5432/app',
 *   required: ['OPENAI_API_KEY', 'WEBHOOK_SECRET'],
 * });
 */
export function defineConfig(config: BatonConfig): BatonConfig {
  return config;
}

/** The file names looked for in the working directory, in this order. */
export const CONFIG_FILES = [
  'baton.config.ts',
  'baton.config.mts',
  'baton.config.js',
  'baton.config.mjs',
  'baton.config.json',
];

/**
 * Loads `path`, or the first of `CONFIG_FILES` in `cwd`; `undefined` when there is none.
 * TypeScript is loaded through jiti, imported only for `.ts` and `.mts` files.
 */
export async function loadConfig(
  cwd: string,
  path?: string,
): Promise<{ config: BatonConfig; path: string } | undefined> {
  const file = path === undefined ? await firstExisting(cwd) : resolve(cwd, path);
  if (file === undefined) return undefined;
  let loaded: unknown;
  try {
    const extension = extname(file);
    if (extension === '.json') {
      loaded = JSON.parse(await readFile(file, 'utf8'));
    } else if (extension === '.ts' || extension === '.mts') {
      const { createJiti } = await import('jiti');
      loaded = await createJiti(import.meta.url).import(file, { default: true });
    } else {
      loaded = ((await import(pathToFileURL(file).href)) as { default?: unknown }).default;
    }
    if (typeof loaded === 'function') loaded = await (loaded as () => unknown)();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(
      code === 'ENOENT'
        ? `The config file ${file} does not exist`
        : `The config file ${file} could not be loaded: ${(error as Error).name}. Run it with node to see where it fails.`,
      { cause: error },
    );
  }
  if (typeof loaded !== 'object' || loaded === null) {
    throw new UsageError(
      `The config file ${file} must export an object (export default defineConfig({ … }))`,
    );
  }
  return { config: loaded as BatonConfig, path: file };
}

async function firstExisting(cwd: string): Promise<string | undefined> {
  for (const name of CONFIG_FILES) {
    const file = join(cwd, name);
    if (
      await access(file).then(
        () => true,
        () => false,
      )
    ) {
      return file;
    }
  }
  return undefined;
}
