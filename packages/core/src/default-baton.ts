import { type Baton, type BatonOptions, createBaton } from './baton.js';
import { ConfigError } from './errors.js';
import type { PromoteOptions, PromoteResult, RegisterOptions } from './registry.js';
import type { RegistryEntry } from './registry-store.js';
import type { ParsedRef } from './secret-ref.js';
import type {
  GetSecretOptions,
  ReadOptions,
  SchemaOutput,
  StandardSchema,
} from './secret-transform.js';

let instance: Baton | undefined;
let configured = false;

/**
 * Sets up the default instance behind the module-level functions and returns it. Without a
 * call, the first module-level function creates one with every default. Call it once, at
 * start-up, before any module-level function: afterwards it throws a `ConfigError`, because
 * replacing the instance in use would silently drop its registrations and cache.
 *
 * @example
 * configure({ registry: { graceMs: 3_600_000 } });
 * await register('WEBHOOK_SECRET', 'WEBHOOK_SECRET:v1');
 */
export function configure(options: BatonOptions = {}): Baton {
  if (instance !== undefined) {
    throw new ConfigError(
      configured
        ? 'configure() was already called: the default instance is set up once, at start-up'
        : 'configure() came after the default instance was already in use, created with every default by a module-level call (getSecret, register, verifyRef, …): call configure() once at start-up, before any of them',
    );
  }
  instance = createBaton(options);
  configured = true;
  return instance;
}

/** The default instance (created with defaults on first use). */
export function defaultBaton(): Baton {
  instance ??= createBaton();
  return instance;
}

/** `getSecret` of the default instance, with the same options. */
export function getSecret(
  ref: string | ParsedRef,
  options?: ReadOptions & { transform?: undefined; schema?: undefined },
): Promise<string>;
export function getSecret(
  ref: string | ParsedRef,
  options: ReadOptions & { transform: 'binary'; schema?: undefined },
): Promise<Uint8Array>;
export function getSecret<S extends StandardSchema>(
  ref: string | ParsedRef,
  options: ReadOptions & { transform?: 'json'; schema: S },
): Promise<SchemaOutput<S>>;
export function getSecret(
  ref: string | ParsedRef,
  options: ReadOptions & { transform: 'json'; schema?: undefined },
): Promise<unknown>;
export function getSecret(ref: string | ParsedRef, options?: GetSecretOptions): Promise<unknown> {
  return defaultBaton().getSecret(ref, options as ReadOptions);
}

/** `rotateSecret` of the default instance. */
export function rotateSecret(ref: string | ParsedRef): Promise<string> {
  return defaultBaton().rotateSecret(ref);
}

/** `register` of the default instance. */
export function register(
  logical: string,
  currentRef: string,
  options?: RegisterOptions,
): Promise<RegistryEntry> {
  return defaultBaton().register(logical, currentRef, options);
}

/** `promote` of the default instance. */
export function promote(
  logical: string,
  newRef: string,
  options?: PromoteOptions,
): Promise<PromoteResult> {
  return defaultBaton().promote(logical, newRef, options);
}

/** `verifyRef` of the default instance: synchronous, never throws. */
export function verifyRef(logical: string, presentedRef: unknown): boolean {
  return defaultBaton().verifyRef(logical, presentedRef);
}

/** `validateGrace` of the default instance. */
export function validateGrace(logical: string, now?: number | Date): Promise<boolean> {
  return defaultBaton().validateGrace(logical, now);
}
