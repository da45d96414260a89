import type { ParsedRef } from '@baton/core';
import { LATEST } from './constants.js';

/** How refs map to Secret Manager versions: version numbers, or aliases `vN`. */
export type VersionMode = 'numbers' | 'aliases';

/** Where a ref's value lives in Secret Manager. */
export interface GcpSecretLocation {
  /** `projects/P[/locations/L]/secrets/{prefix}NAME`. */
  readonly secret: string;
  /** The secret's id (`{prefix}NAME`). */
  readonly secretId: string;
  /** The version segment: a number, an alias `vN`, or `latest`. */
  readonly version: string;
}

/**
 * Maps a ref to its secret and version (prefix `prod_`, project `my-proj`):
 *
 * | mode      | `OPENAI_KEY:v2`                                        | `OPENAI_KEY`                   |
 * |:--        |:--                                                     |:--                             |
 * | `numbers` | `projects/my-proj/secrets/prod_OPENAI_KEY/versions/2`  | `…/prod_OPENAI_KEY/versions/latest` |
 * | `aliases` | `projects/my-proj/secrets/prod_OPENAI_KEY/versions/v2` | `…/prod_OPENAI_KEY/versions/latest` |
 *
 * With a `location` the parent is `projects/my-proj/locations/L`.
 */
export function locate(
  ref: ParsedRef,
  mode: VersionMode,
  parent: string,
  prefix: string,
): GcpSecretLocation {
  const secretId = `${prefix}${ref.name}`;
  const version =
    ref.version === undefined
      ? LATEST
      : mode === 'numbers'
        ? String(ref.version)
        : `v${ref.version}`;
  return { secret: `${parent}/secrets/${secretId}`, secretId, version };
}
