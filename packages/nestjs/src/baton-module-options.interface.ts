import type { Baton, BatonOptions } from '@baton/core';

/**
 * Options of `BatonModule.forRoot` (and what `forRootAsync`'s factory answers): every
 * `createBaton` option, or an existing `baton`.
 */
export interface BatonModuleOptions extends BatonOptions {
  /** Use this Baton instead of creating one from the other options. */
  baton?: Baton;
  /**
   * Close the Baton (flush audit events, release the registry store) when the application
   * shuts down. Default `true`.
   */
  closeOnShutdown?: boolean;
}

/** Options that shape the module itself, given to `forRoot` and `forRootAsync` alike. */
export interface BatonModuleExtras {
  /** Register the module globally, so every module can inject `SecretsService`. Default `false`. */
  isGlobal?: boolean;
  /**
   * Refs resolved before the application listens (start-up fails, naming each missing ref,
   * when one cannot be resolved), each injectable with `@InjectSecret(ref)`. Default `[]`.
   */
  secrets?: readonly string[];
}
