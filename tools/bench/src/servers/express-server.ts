/**
 * The Express server the `express` suite loads, in its own process: the same small POST
 * route bare and behind verifyRef. Audit events are JSON lines on stdout, Baton's default and
 * the recommended production set-up (the platform's log collector ships them); the bench
 * discards this process's stdout, so each event is still serialised and written.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
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

/** What an app would write by hand: the same HMAC check, without Baton (the target's yardstick). */
const secret = process.env.WEBHOOK_SECRET_V1 ?? '';
const handwritten = (req: Request, res: Response, next: () => void) => {
  const timestamp = req.headers['x-baton-timestamp'];
  const signature = req.headers['x-baton-signature'];
  if (typeof timestamp !== 'string' || typeof signature !== 'string') return res.sendStatus(401);
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return res.sendStatus(401);
  const expected = Buffer.from(
    `v1=${createHmac('sha256', secret)
      .update(`${timestamp}.`)
      .update(req.body as Buffer)
      .digest('hex')}`,
  );
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return res.sendStatus(401);
  }
  next();
};

const app = express();
app.post('/bare', raw, handler);
app.post('/handwritten', raw, handwritten, handler);
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
