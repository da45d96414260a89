/**
 * The Hono server measured by the `hono` suite: the same handlers bare and behind verifyRef,
 * on @hono/node-server. Secrets come from the environment the suite passes in.
 */
import { createBaton, envSource } from '@baton/core';
import { verifyRef } from '@baton/hono';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { reportListening } from '../http.js';

const baton = createBaton({ sources: [envSource()], audit: () => {} });
await baton.register('WEBHOOK_SECRET', 'WEBHOOK_SECRET:v1');
await baton.register('API_KEY', 'API_KEY:v1');

const app = new Hono();
const webhook = async (c: { req: { text(): Promise<string> }; json(body: unknown): Response }) =>
  c.json({ received: (await c.req.text()).length });
const report = (c: { json(body: unknown): Response }) => c.json({ reports: ['daily'] });

app.post('/bare/webhook', webhook);
app.post('/verified/webhook', verifyRef(baton, { logical: 'WEBHOOK_SECRET' }), webhook);
app.get('/bare/reports', report);
app.get('/verified/reports', verifyRef(baton, { logical: 'API_KEY', proof: 'value' }), report);

serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => reportListening(info.port));
