import type { Baton } from '@baton/core';
import type { Context } from 'hono';

/**
 * The Baton a middleware uses: an instance (Node: one per process), or a function of the
 * request's context that answers one (the edge: bindings are only reachable through `c.env`).
 */
export type BatonInput<B extends object = object> = Baton | ((c: { env: B }) => Baton);

/**
 * The Baton for this request. Verification loads its registry itself (and answers 503, audited,
 * while the store cannot be read), so nothing is awaited here.
 */
export function batonFor<B extends object>(input: BatonInput<B>, c: Context): Baton {
  return typeof input === 'function' ? input(c) : input;
}

/**
 * One Baton per isolate, built at the first request from that request's bindings. A Baton
 * keeps the registry snapshot and the secret cache, so it must outlive a request; a Worker's
 * bindings are the same object for every request of an isolate, so the first one serves all.
 *
 * @example
 * const baton = batonPerIsolate((env: Bindings) =>
 *   createBaton({ sources: [envSource({ env })] }),
 * );
 * app.post('/hooks', verifyRef(baton, { logical: 'WEBHOOK_SECRET' }), handler);
 */
export function batonPerIsolate<B extends object>(
  create: (env: B) => Baton,
): (c: { env: B }) => Baton {
  let baton: Baton | undefined;
  return (c) => {
    baton ??= create(c.env);
    return baton;
  };
}
