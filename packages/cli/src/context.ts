import { join } from 'node:path';
import {
  type Baton,
  type BatonOptions,
  createBaton,
  envSource,
  type RegistryStore,
} from '@baton/core';
import { type BatonConfig, loadConfig } from './config.js';
import { UsageError } from './errors.js';
import type { Output } from './output.js';
import { storeFromUrl } from './store-url.js';

/** The options every command takes. */
export interface GlobalOptions {
  config?: string;
  store?: string;
  json?: boolean;
}

/** What a command runs with: where it is, what it prints to, and the Baton it works on. */
export interface CliContext {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  readonly out: Output;
  readonly json: boolean;
  /** The loaded `baton.config.*`, or an empty config when there is none. */
  config(): Promise<BatonConfig>;
  /**
   * A ready Baton from the config (or env plus `.env`). With `needsStore`, a registry store
   * is required: `--store`, `BATON_STORE`, or the config's.
   */
  baton(options?: { needsStore?: boolean }): Promise<Baton>;
  /** Releases what `baton()` opened. */
  close(): Promise<void>;
}

export function createContext(
  globals: GlobalOptions,
  io: { cwd: string; env: NodeJS.ProcessEnv; out: Output },
): CliContext {
  let config: Promise<BatonConfig> | undefined;
  let baton: Baton | undefined;
  const loadOnce = () => {
    config ??= loadConfig(io.cwd, globals.config).then((loaded) => loaded?.config ?? {});
    return config;
  };
  return {
    cwd: io.cwd,
    env: io.env,
    out: io.out,
    json: globals.json === true,
    config: loadOnce,
    async baton(options = {}) {
      if (baton !== undefined) return baton;
      const loaded = await loadOnce();
      // Only registry commands open a store: get, check and run must work while it is down.
      const store = options.needsStore ? await storeOf(globals, loaded, io) : undefined;
      if (options.needsStore && store === undefined) {
        throw new UsageError(
          'No registry store: pass --store file:PATH or --store postgres://…, set BATON_STORE, or give registry.store in baton.config.ts',
        );
      }
      const {
        store: _url,
        required: _required,
        targets: _targets,
        rotations: _rotations,
        ...batonOptions
      } = loaded;
      const sources = loaded.sources ?? (await defaultSources(io));
      const created = createBaton({
        ...batonOptions,
        sources,
        // Audit events go where the config sends them; by default the command prints none.
        audit: loaded.audit ?? (() => undefined),
        registry: { ...loaded.registry, ...(store === undefined ? {} : { store }) },
      } satisfies BatonOptions);
      baton = created;
      await created.ready();
      return created;
    },
    async close() {
      await baton?.close();
    },
  };
}

async function storeOf(
  globals: GlobalOptions,
  config: BatonConfig,
  io: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<RegistryStore | undefined> {
  const url = globals.store ?? io.env.BATON_STORE;
  if (url !== undefined && url !== '') return storeFromUrl(url, io.cwd);
  if (config.registry?.store !== undefined) return config.registry.store;
  if (config.store !== undefined) return storeFromUrl(config.store, io.cwd);
  return undefined;
}

/** Without a config: the environment, then `.env` in the working directory. */
async function defaultSources(io: { cwd: string; env: NodeJS.ProcessEnv }) {
  const { dotenvSource } = await import('@baton/core/node');
  return [envSource({ env: io.env }), dotenvSource({ path: join(io.cwd, '.env') })];
}
