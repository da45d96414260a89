import { REJECTION_BODIES } from '@baton/core';

/** Defaults, named once and merged in one place (see `verifyRef` and `injectSecrets`). */

/** Most bytes of a request body `verifyRef` reads itself for signature proof: 1 MiB. */
export const DEFAULT_BODY_LIMIT = 1_048_576;

/** The only body a refused caller sees: it says nothing about why. */
export const UNAUTHORIZED_BODY = JSON.stringify(REJECTION_BODIES[401]);
/** A secret or the registry could not be read: the caller did nothing wrong and may retry. */
export const UNAVAILABLE_BODY = JSON.stringify(REJECTION_BODIES[503]);
/** The body was larger than `limit`. */
export const TOO_LARGE_BODY = JSON.stringify(REJECTION_BODIES[413]);
