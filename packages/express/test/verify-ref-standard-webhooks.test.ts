import { randomBytes } from 'node:crypto';
import { type AuditEvent, type Baton, createBaton, defaultsSource } from '@baton/core';
import { manualClock } from '@baton/core/testing';
import { auditCollector, packageSignedHeaders } from '@baton-tools/test-kit';
import express from 'express';
import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyRef } from '../src/index.js';
import { type Served, serve } from './http.js';

const HOUR = 3_600_000;
const V1 = `whsec_${randomBytes(32).toString('base64')}`;
const V2 = `whsec_${randomBytes(32).toString('base64')}`;
const BODY = JSON.stringify({ type: 'invoice.paid', id: 'in_42', amount: 1999 });

let clock: ReturnType<typeof manualClock>;
let baton: Baton;
let audit: ReturnType<typeof auditCollector>;
const servers: Served[] = [];

beforeEach(async () => {
  // standardwebhooks checks timestamps on Date.now(): the Baton's clock starts there.
  clock = manualClock(Date.now());
  audit = auditCollector();
  baton = createBaton({
    sources: [defaultsSource({ 'HOOK:v1': V1, 'HOOK:v2': V2 })],
    clock,
    audit: audit.sink,
    registry: { graceMs: HOUR },
  });
  await baton.register('HOOK', 'HOOK:v1');
});

afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  await baton.close();
});

/** A receiving app verifying with Baton, answering what it saw. */
async function batonReceiver(): Promise<Served> {
  const app = express();
  app.post(
    '/hook',
    verifyRef(baton, { logical: 'HOOK', protocol: 'standard-webhooks' }),
    (req, res) => res.json({ caller: req.baton, body: req.body.toString('utf8') }),
  );
  const served = await serve(app);
  servers.push(served);
  return served;
}

/** A receiving app verifying with the standardwebhooks package, as a third party would. */
async function packageReceiver(secret: string): Promise<Served> {
  const app = express();
  app.post('/hook', express.raw({ type: '*/*' }), (req, res) => {
    try {
      const event = new Webhook(secret).verify(req.body, req.headers as Record<string, string>);
      res.json({ verified: true, event });
    } catch (error) {
      res.status(400).json({ verified: false, error: (error as Error).message });
    }
  });
  const served = await serve(app);
  servers.push(served);
  return served;
}

function post(server: Served, headers: Record<string, string>, body = BODY) {
  return fetch(`${server.url}/hook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

const packageHeaders = (secret: string, id: string) => packageSignedHeaders(secret, id, BODY);

describe('verifyRef with the Standard Webhooks protocol, over HTTP', () => {
  it('accepts a message the standardwebhooks package signed, with its id on req.baton', async () => {
    const server = await batonReceiver();
    const response = await post(server, packageHeaders(V1, 'msg_express_1'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      caller: { logical: 'HOOK', ref: 'HOOK:v1', match: 'current', id: 'msg_express_1' },
      body: BODY,
    });
  });

  it('sends messages the standardwebhooks package verifies', async () => {
    const receiver = await packageReceiver(V1);
    const response = await post(
      receiver,
      await baton.sign('HOOK', BODY, { protocol: 'standard-webhooks' }),
    );
    expect(await response.json()).toEqual({ verified: true, event: JSON.parse(BODY) });
  });

  it('keeps both receivers working through a rotation: two signatures out, either secret in', async () => {
    await baton.promote('HOOK', 'HOOK:v2');
    const headers = await baton.sign('HOOK', BODY, { protocol: 'standard-webhooks' });
    for (const secret of [V1, V2]) {
      const receiver = await packageReceiver(secret);
      expect((await (await post(receiver, headers)).json()).verified).toBe(true);
    }
    const server = await batonReceiver();
    const late = await post(server, packageHeaders(V1, 'msg_not_rotated_yet'));
    expect((await late.json()).caller).toMatchObject({ ref: 'HOOK:v1', match: 'previous' });
    clock.advance(HOUR);
    const expired = await post(server, packageHeaders(V1, 'msg_after_grace'));
    expect(expired.status).toBe(401);
  });

  it('answers a replay 401 with nothing more, and audits it', async () => {
    const server = await batonReceiver();
    const headers = packageHeaders(V1, 'msg_replayed');
    expect((await post(server, headers)).status).toBe(200);
    const replay = await post(server, headers);
    expect(replay.status).toBe(401);
    expect(await replay.text()).toBe('{"error":"unauthorized"}');
    await baton.flush();
    expect(audit.events.at(-1)).toMatchObject<Partial<AuditEvent>>({
      type: 'verify_reject',
      logical: 'HOOK',
      reason: 'replayed',
    });
  });

  it('refuses a request without the signature header before reading its body', async () => {
    const server = await batonReceiver();
    const { 'webhook-signature': _, ...unsigned } = packageHeaders(V1, 'msg_unsigned');
    const response = await post(server, unsigned, 'x'.repeat(2 * 1024 * 1024));
    expect(response.status).toBe(401);
    await baton.flush();
    expect(audit.events.at(-1)).toMatchObject({ reason: 'missing_signature' });
  });

  it('takes signature proof only, said when the middleware is made', () => {
    expect(() =>
      verifyRef(baton, { logical: 'HOOK', protocol: 'standard-webhooks', proof: 'value' }),
    ).toThrow("protocol 'standard-webhooks' takes proof 'signature' only");
    expect(() => verifyRef(baton, { logical: 'HOOK', protocol: 'svix' as 'baton' })).toThrow(
      "protocol must be 'baton' or 'standard-webhooks'",
    );
  });
});
