import { REJECTION_BODIES } from '@baton/core';

/** Defaults and answers of the middleware, named once. */

/** How callers prove they hold a ref's secret, unless `verifyRef`'s options say otherwise. */
export const DEFAULT_PROOF = 'signature';

/** The body of every rejected request (status 401). */
export const UNAUTHORIZED_BODY = REJECTION_BODIES[401];
/**
 * The body when the server cannot decide (status 503): the registry could not be loaded or
 * a secret could not be read. The caller did nothing wrong and should retry.
 */
export const UNAVAILABLE_BODY = REJECTION_BODIES[503];
