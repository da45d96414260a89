import { type Baton, ConfigError, tryParseRef } from '@baton/core';
import type { Request, RequestHandler, Response } from 'express';
import { answer } from './answer.js';
import { UNAVAILABLE_BODY } from './constants.js';

export interface InjectSecretsOptions {
  /**
   * Answers when a secret cannot be resolved (after the refusal is audited and logged), instead of the default 503
   * `{"error":"unavailable"}`. The error is a `BatonError` whose message names refs and
   * sources, never values, so it is safe to log. It must send a response; a thrown error goes
   * to Express's error handling.
   */
  onError?: (req: Request, res: Response, error: unknown) => void | Promise<void>;
}

/**
 * Express middleware that resolves refs with `baton.secretsForRequest` (cached, one batch read
 * where a source offers it) and puts the values on `req.secrets`, keyed by the refs as given.
 * When a value cannot be resolved the request is answered 503 `{"error":"unavailable"}`: the
 * error text never reaches the caller; it goes to the audit event (`inject_reject`) and to a
 * log line at most once a minute. `req.secrets` is not enumerable, so logging `req` does not
 * print it; a second `injectSecrets` on the same route adds to it.
 *
 * @example
 * app.post('/summaries', injectSecrets(baton, ['OPENAI_KEY:v2']), async (req, res) => {
 *   const key = req.secrets?.['OPENAI_KEY:v2'];
 *   res.json(await summarise(key, req.body));
 * });
 */
export function injectSecrets(
  baton: Baton,
  refs: readonly string[],
  options: InjectSecretsOptions = {},
): RequestHandler {
  const wanted = resolveRefs(baton, refs, options);
  const { onError } = options;
  return async function batonInjectSecrets(req, res, next) {
    const result = await baton.secretsForRequest(wanted);
    if (!result.ok) {
      if (onError !== undefined) return onError(req, res, result.error);
      return answer(res, 503, UNAVAILABLE_BODY);
    }
    const { values } = result;
    Object.defineProperty(req, 'secrets', {
      value: req.secrets === undefined ? values : { ...req.secrets, ...values },
      enumerable: false,
      configurable: true,
      writable: true,
    });
    next();
  };
}

/** Checks the refs once, when the middleware is made, so a typo fails at start-up. */
function resolveRefs(
  baton: Baton,
  refs: readonly string[],
  options: InjectSecretsOptions,
): readonly string[] {
  const issues: string[] = [];
  if (typeof baton?.getSecrets !== 'function') {
    issues.push('injectSecrets(baton, refs): baton must be a Baton (createBaton())');
  }
  if (!Array.isArray(refs)) {
    issues.push('refs must be an array of refs, such as ["OPENAI_KEY:v2"]');
  } else {
    refs.forEach((ref: unknown, index) => {
      if (tryParseRef(ref) === undefined) {
        issues.push(`refs[${index}] is not a ref (NAME or NAME:vN)`);
      }
    });
  }
  if (options?.onError !== undefined && typeof options.onError !== 'function') {
    issues.push('onError must be a function (req, res, error)');
  }
  if (issues.length > 0) throw new ConfigError(issues);
  return [...refs];
}
