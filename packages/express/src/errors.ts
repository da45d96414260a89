import { BatonError } from '@baton/core';

/**
 * `verifyRef` needs the raw body for signature proof, but a middleware that ran before it
 * (typically `express.json()` or `express.urlencoded()`) has already read and parsed it, so
 * the exact bytes that were signed are gone. This is a mistake in the app's middleware
 * order, reported on the first request that meets it through Express's error handling.
 */
export class BodyConsumedError extends BatonError {
  readonly logical: string;

  constructor(logical: string, found: string, options?: { cause?: unknown }) {
    super(
      'BATON_CONFIG',
      `verifyRef('${logical}') needs the raw request body to check its signature, but an earlier ` +
        `middleware already read it (req.body is ${found}). Mount express.raw({ type: '*/*' }) ` +
        `on this route instead of a JSON or urlencoded parser, or mount verifyRef before ` +
        `express.json(); verifyRef leaves the raw bytes in req.body.`,
      options,
    );
    this.logical = logical;
  }
}
