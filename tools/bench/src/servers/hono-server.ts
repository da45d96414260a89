/**
 * The Hono server measured by the `hono` suite: the same handlers bare and behind verifyRef,
 * on @hono/node-server. Secrets come from the environment the suite passes in.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createBaton, envSource } from '@baton/core';
import { verifyRef } from '@baton/hono';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { reportListening } from '../http.js';

// Audit as JSON lines on stdout, the default: the suite drains this process's stdout.
const baton = createBaton({ sources: [envSource()] });
await baton.register('WEBHOOK_SECRET', 'WEBHOOK_SECRET:v1');
await baton.register('API_KEY', 'API_KEY:v1');

const app = new Hono();
const webhook = async (c: { req: { text(): Promise<string> }; json(body: unknown): Response }) =>
  c.json({ received: (await c.req.text()).length });
const report = (c: { json(body: unknown): Response }) => c.json({ reports: ['daily'] });

/** What an app would write by hand: the same HMAC check, without Baton (the target's yardstick). */
const secret = process.env.WEBHOOK_SECRET_V1 ?? '';
app.post('/handwritten/webhook', async (c) => {
  const timestamp = c.req.header('x-baton-timestamp');
  const signature = c.req.header('x-baton-signature');
  if (timestamp === undefined || signature === undefined) return c.text('', 401);
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return c.text('', 401);
  // As text, which the handler's own `c.req.text()` then finds in Hono's body cache.
  const body = await c.req.text();
  const expected = Buffer.from(
    `v1=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`,
  );
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return c.text('', 401);
  }
  return webhook(c);
});
app.post('/bare/webhook', webhook);
app.post('/verified/webhook', verifyRef(baton, { logical: 'WEBHOOK_SECRET' }), webhook);
app.get('/bare/reports', report);
app.get('/verified/reports', verifyRef(baton, { logical: 'API_KEY', proof: 'value' }), report);

serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => reportListening(info.port));
