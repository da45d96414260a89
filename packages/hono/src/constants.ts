/** Answers of the middleware, named once: bare bodies that reveal nothing about the decision. */

/** The body of every rejected request (status 401). */
export const UNAUTHORIZED_BODY = { error: 'unauthorized' } as const;
/**
 * The body when the server cannot decide (status 503): the registry could not be loaded or
 * a secret could not be read. The caller did nothing wrong and should retry.
 */
export const UNAVAILABLE_BODY = { error: 'unavailable' } as const;
