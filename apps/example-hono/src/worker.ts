import { batonPerIsolate } from '@baton/hono';
import type { ExecutionContext } from 'hono';
import { createApp } from './app.js';
import { batonFromBindings } from './baton.js';
import type { Bindings } from './bindings.js';

// One Baton per isolate: its registry snapshot and secret cache outlive a request. It is
// built at the first request, because bindings are only reachable through a request.
const baton = batonPerIsolate(batonFromBindings);
const app = createApp(baton);

/** The Worker: the app, plus delivery of the request's audit events after the response. */
export default {
  async fetch(request: Request, env: Bindings, ctx: ExecutionContext): Promise<Response> {
    const response = await app.fetch(request, env, ctx);
    ctx.waitUntil(deliverAudit(env));
    return response;
  },
};

/** Delivers buffered audit events; a Baton that could not be built has none (the app said 503). */
function deliverAudit(env: Bindings): Promise<void> {
  try {
    return baton({ env }).flush();
  } catch {
    return Promise.resolve();
  }
}
