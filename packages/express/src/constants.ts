import { REJECTION_BODIES } from '@baton/core';

/** Answers, named once (see `verifyRef` and `injectSecrets`). */

/** The only body a refused caller sees: it says nothing about why. */
export const UNAUTHORIZED_BODY = JSON.stringify(REJECTION_BODIES[401]);
/** A secret or the registry could not be read: the caller did nothing wrong and may retry. */
export const UNAVAILABLE_BODY = JSON.stringify(REJECTION_BODIES[503]);
/** The body was larger than `limit`. */
export const TOO_LARGE_BODY = JSON.stringify(REJECTION_BODIES[413]);

/** The body of each status a refusal answers. */
export const REJECTION_TEXT = Object.freeze({
  401: UNAUTHORIZED_BODY,
  413: TOO_LARGE_BODY,
  503: UNAVAILABLE_BODY,
});
