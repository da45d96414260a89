import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type AuditOption,
  type Baton,
  createBaton,
  type EnvRecord,
  envSource,
  type TelemetryOptions,
} from '@baton/core';
import { dotenvSource } from '@baton/core/node';

/** The example's folder: its `.env` and `.env.example` live here, wherever it is started from. */
export const APP_DIR = fileURLToPath(new URL('..', import.meta.url));

/** What the example registers at start-up: the ref each logical secret starts on. */
export const INITIAL_REFS = {
  WEBHOOK_SECRET: 'WEBHOOK_SECRET:v1',
  API_KEY: 'API_KEY:v1',
  ADMIN_KEY: 'ADMIN_KEY:v1',
} as const;

export interface ExampleBatonOptions {
  /** Environment variables, read first. Default `process.env`. */
  env?: EnvRecord;
  /** `.env`-style files read after the environment, in order. Default `.env`, `.env.example`. */
  envFiles?: readonly string[];
  /** Default `Date.now`. */
  clock?: () => number;
  /** Default: JSON lines on stdout. */
  audit?: AuditOption;
  telemetry?: TelemetryOptions;
}

/**
 * The example's Baton: secrets from the environment, then `.env`, then the committed
 * `.env.example` of demo values; a memory registry with the initial refs registered.
 *
 * @example
 * const baton = await createExampleBaton();
 * baton.status('WEBHOOK_SECRET')?.currentRef; // 'WEBHOOK_SECRET:v1'
 */
export async function createExampleBaton(options: ExampleBatonOptions = {}): Promise<Baton> {
  const files = options.envFiles ?? [`${APP_DIR}.env`, `${APP_DIR}.env.example`];
  const baton = createBaton({
    sources: [
      envSource({ env: options.env }),
      ...files.map((path) => dotenvSource({ path, name: basename(path) })),
    ],
    clock: options.clock,
    audit: options.audit,
    telemetry: options.telemetry,
  });
  for (const [logical, ref] of Object.entries(INITIAL_REFS)) {
    await baton.register(logical, ref, { actor: 'startup' });
  }
  return baton;
}
