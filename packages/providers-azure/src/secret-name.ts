import { displayRef, envKey, type ParsedRef } from '@baton/core';
import { MAX_SECRET_NAME_LENGTH } from './constants.js';
import { KeyVaultNameError } from './errors.js';

/** How refs map to Key Vault: one secret per version, or tagged versions of one secret. */
export type VersionMode = 'names' | 'tags';

/**
 * The Key Vault secret name of a ref: `_` becomes `-` (Key Vault names allow letters, digits
 * and `-` only); in `names` mode the version is part of the name (`OPENAI_KEY:v2` →
 * `OPENAI-KEY-V2`), in `tags` mode it is not (`OPENAI-KEY`). Throws {@link KeyVaultNameError}
 * for a name Key Vault cannot hold: longer than 127 characters, or not starting with a letter.
 */
export function secretNameOf(
  ref: ParsedRef,
  mode: VersionMode,
  source: string,
  access: 'read' | 'write' = 'read',
): string {
  const name = (mode === 'names' ? envKey(ref) : ref.name).replaceAll('_', '-');
  const shown = displayRef(ref.ref);
  const quoted = shown === ref.ref ? `"${name}"` : 'its name';
  if (name.length > MAX_SECRET_NAME_LENGTH) {
    throw new KeyVaultNameError(
      source,
      shown,
      name,
      `its Key Vault name has ${name.length} characters; Key Vault allows at most ${MAX_SECRET_NAME_LENGTH}`,
      access,
    );
  }
  if (!/^[A-Za-z]/.test(name)) {
    throw new KeyVaultNameError(
      source,
      shown,
      name,
      `Key Vault names must start with a letter, and ${quoted} starts with "-" (from "_")`,
      access,
    );
  }
  return name;
}
