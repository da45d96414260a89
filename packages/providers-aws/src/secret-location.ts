import { envKey, type ParsedRef } from '@baton/core';
import { AWSCURRENT } from './constants.js';

/** How refs map to Secrets Manager: one secret per version, or one secret with labels. */
export type VersionMode = 'names' | 'labels';

/** Where a ref's value lives in Secrets Manager. */
export interface AwsSecretLocation {
  /** The secret's name, prefix included. */
  readonly secretId: string;
  /** The staging label to read (`AWSCURRENT` for an unversioned ref in `labels` mode). */
  readonly versionStage: string;
  /** With a bundle: the key of the JSON object that holds the value. */
  readonly key?: string;
}

/**
 * Maps a ref to its secret, label and bundle key:
 *
 * | mode     | bundle | `OPENAI_KEY:v2`                          | `OPENAI_KEY`               |
 * |:--       |:--     |:--                                       |:--                         |
 * | `names`  | no     | `${prefix}OPENAI_KEY_V2` at AWSCURRENT   | `${prefix}OPENAI_KEY`      |
 * | `labels` | no     | `${prefix}OPENAI_KEY` at label `v2`      | `${prefix}OPENAI_KEY`      |
 * | `names`  | yes    | key `OPENAI_KEY_V2` of the bundle        | key `OPENAI_KEY`           |
 * | `labels` | yes    | key `OPENAI_KEY` of the bundle at `v2`   | key `OPENAI_KEY`           |
 */
export function locate(
  ref: ParsedRef,
  mode: VersionMode,
  prefix: string,
  bundle: string | undefined,
): AwsSecretLocation {
  const label = mode === 'labels' && ref.version !== undefined ? `v${ref.version}` : AWSCURRENT;
  const name = mode === 'names' ? envKey(ref) : ref.name;
  if (bundle !== undefined)
    return { secretId: `${prefix}${bundle}`, versionStage: label, key: name };
  return { secretId: `${prefix}${name}`, versionStage: label };
}
