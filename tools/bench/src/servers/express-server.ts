/**
 * The Express server the `express` suite loads, in its own process: the same small POST
 * route bare and behind verifyRef. Audit events are JSON lines on stdout, Baton's default and
 * the recommended production set-up (the platform's log collector ships them); the bench
 * discards this process's stdout, so each event is still serialised and written.
 */
import type { AddressInfo } from 'node:net';
import { createBaton, envSource, jsonLinesSink } from '@baton/core';
import { verifyRef } from '@baton/express';
import express, { type Request, type Response } from 'express';
import { reportListening } from '../http.js';

// Secrets from the environment the suite starts this process with.
const baton = createBaton({ sources: [envSource()], audit: jsonLinesSink() });
await baton.register('WEBHOOK_SECRET', 'WEBHOOK_SECRET:v1');
await baton.register('API_KEY', 'API_KEY:v1');

const handler = (req: Request, res: Response) => {
  res.json({ ok: true, bytes: (req.body as Buffer).length });
};
const raw = express.raw({ type: '*/*' });
const webhook = verifyRef(baton, { logical: 'WEBHOOK_SECRET' });
const apiKey = verifyRef(baton, { logical: 'API_KEY', proof: 'value' });

const app = express();
app.post('/bare', raw, handler);
app.post('/verified', webhook, handler);
app.post('/raw-then-verified', raw, webhook, handler);
app.post('/api-key', apiKey, raw, handler);

const server = app.listen(0, '127.0.0.1', () => {
  reportListening((server.address() as AddressInfo).port);
});
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  void baton.close().finally(() => process.exit(0));
});
