import { type BatonInput, secrets, verifyRef } from '@baton/hono';
import { Hono } from 'hono';
import type { Bindings } from './bindings.js';

/**
 * The example app, the same on Node and on workerd:
 * - `POST /webhooks/billing`: a webhook signed with the current (or, within grace, the
 *   previous) ref of `WEBHOOK_SECRET`;
 * - `GET /reports`: an API key (`proof: 'value'`) of `API_KEY`, and a secret the handler
 *   needs (`REPORTING_TOKEN:v1`) injected on `c.var.secrets`;
 * - `GET /health`.
 */
export function createApp(baton: BatonInput<Bindings>): Hono<{ Bindings: Bindings }> {
  const app = new Hono<{ Bindings: Bindings }>();

  app.get('/health', (c) => c.json({ ok: true }));

  app.post('/webhooks/billing', verifyRef(baton, { logical: 'WEBHOOK_SECRET' }), async (c) => {
    let event: { type?: unknown };
    try {
      event = await c.req.json();
    } catch {
      return c.json({ error: 'invalid_json' }, 400);
    }
    const { ref, match } = c.var.verifiedRef;
    return c.json({ received: typeof event?.type === 'string' ? event.type : null, ref, match });
  });

  app.get(
    '/reports',
    verifyRef(baton, { logical: 'API_KEY', proof: 'value' }),
    secrets(baton, ['REPORTING_TOKEN:v1']),
    (c) => {
      // A real handler would call the reporting service with the token; it never echoes it.
      const authorised = c.var.secrets['REPORTING_TOKEN:v1'].length > 0;
      return c.json({
        caller: c.var.verifiedRef.ref,
        reports: authorised ? ['daily', 'weekly'] : [],
      });
    },
  );

  return app;
}
