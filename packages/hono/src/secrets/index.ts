import { type Baton, ConfigError, parseRef } from '@baton/core';
import type { MiddlewareHandler } from 'hono';
import { createMiddleware } from 'hono/factory';
import { HTTPException } from 'hono/http-exception';
import { type BatonInput, batonFor } from '../baton-input.js';
import { UNAVAILABLE_BODY } from '../constants.js';

/** Variables set by {@link secrets}: the values keyed by the refs as given. */
export interface SecretsVariables<R extends string> {
  baton: Baton;
  secrets: Record<R, string>;
}

/**
 * Resolves refs through the Baton's cache and sources and puts the values on
 * `c.var.secrets`, keyed by the refs as given (several `secrets` middlewares add up). Values
 * come from the cache after the first request; with `batonPerIsolate` and
 * `envSource({ env })` they are read from Worker bindings. When a ref cannot be resolved the
 * request gets 503 `{"error":"unavailable"}`, thrown as an `HTTPException` whose `cause` is
 * the Baton error (it names the ref, never a value); the refusal is audited (`inject_reject`)
 * and logged at most once a minute.
 *
 * @example
 * app.get('/chat', secrets(baton, ['OPENAI_KEY:v2']), async (c) => {
 *   const key = c.var.secrets['OPENAI_KEY:v2'];
 *   ...
 * });
 */
export function secrets<const R extends string, B extends object = object>(
  baton: BatonInput<B>,
  refs: readonly R[],
): MiddlewareHandler<{ Bindings: B; Variables: SecretsVariables<R> }> {
  checkRefs(baton, refs);
  return createMiddleware<{ Bindings: B; Variables: SecretsVariables<R> }>(async (c, next) => {
    let instance: Baton;
    try {
      instance = batonFor(baton, c);
    } catch (cause) {
      throw new HTTPException(503, { res: c.json(UNAVAILABLE_BODY, 503), cause });
    }
    const result = await instance.secretsForRequest(refs);
    if (!result.ok) {
      throw new HTTPException(503, { res: c.json(UNAVAILABLE_BODY, 503), cause: result.error });
    }
    const { values } = result;
    const earlier = c.get('secrets') as Record<string, string> | undefined;
    c.set('baton', instance);
    c.set('secrets', earlier === undefined ? values : { ...earlier, ...values });
    await next();
  });
}

function checkRefs(baton: unknown, refs: readonly string[]): void {
  const issues: string[] = [];
  if (
    typeof baton !== 'function' &&
    typeof (baton as Baton | undefined)?.getSecrets !== 'function'
  ) {
    issues.push('secrets(baton, refs): baton must be a Baton or a function (c) => Baton');
  }
  if (!Array.isArray(refs)) issues.push('secrets(baton, refs): refs must be an array of refs');
  else {
    refs.forEach((ref, index) => {
      try {
        parseRef(ref);
      } catch (error) {
        issues.push(`secrets: refs[${index}]: ${(error as Error).message}`);
      }
    });
  }
  if (issues.length > 0) throw new ConfigError(issues);
}
