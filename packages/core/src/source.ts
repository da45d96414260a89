import type { ParsedRef } from './secret-ref.js';

/**
 * Where secret values come from. `get` answers a value, `undefined` for absent (the chain
 * tries the next source), or throws when the source failed. Errors a source throws must not
 * carry secret values: Baton reports them by name and keeps the original as `cause`.
 *
 * @example
 * const vaultSource: SecretSource = {
 *   name: 'vault',
 *   async get(ref) { return (await vault.read(ref.name, ref.version))?.value; },
 * };
 */
export interface SecretSource {
  /** Shown in errors, audit events and metrics (`baton.source`). */
  readonly name: string;
  get(ref: ParsedRef): Promise<string | undefined>;
  /**
   * Optional batch read. Answers a map from canonical ref (`ParsedRef.ref`) to value or
   * `undefined` (absent); refs left out of the map are read one at a time with `get`.
   * A thrown error fails every ref of the batch.
   */
  getMany?(refs: readonly ParsedRef[]): Promise<ReadonlyMap<string, string | undefined>>;
  /**
   * Optional: what a person should do so this source has the ref, as an instruction naming
   * the variable, file or secret to create (`set OPENAI_KEY_V2 in the environment`), never a
   * value. Baton joins the hints of every source into the message of `SecretNotFoundError`.
   */
  hint?(ref: ParsedRef): string;
  /**
   * Optional: follows changes made elsewhere (a secrets service's event stream). Baton calls
   * it once when it is created, with a listener that drops every cached value of the changed
   * name, and calls the answered function on `close()`.
   */
  watch?(onChange: (name: string) => void): () => void;
}

/** An environment-like record: `process.env`, Worker bindings, a plain object. */
export type EnvRecord = Readonly<Record<string, unknown>>;

/** What a write stored: the id the source gave the new version. */
export interface SecretWriteResult {
  /** The new version's id in the source (an AWS `VersionId`, a Key Vault version). */
  readonly versionId: string;
}

/**
 * A source that can also store a new version of a secret, as cloud secret managers can.
 * The cache does not see writes: call `baton.rotateSecret(ref)` afterwards so the next read
 * fetches the new value.
 *
 * @example
 * const { versionId } = await source.put('OPENAI_KEY:v3', newKey);
 * await baton.rotateSecret('OPENAI_KEY:v3');
 */
export interface WritableSecretSource extends SecretSource {
  put(ref: string | ParsedRef, value: string): Promise<SecretWriteResult>;
}
