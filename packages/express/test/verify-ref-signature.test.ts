import {
  type AuditEvent,
  type Baton,
  computeSignature,
  createBaton,
  defaultsSource,
} from '@baton/core';
import { manualClock } from '@baton/core/testing';
import { auditCollector } from '@baton-tools/test-kit';
import express, { type Express } from 'express';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyRef } from '../src/index.js';
import { type Served, serve } from './http.js';

const HOUR = 3_600_000;
const SECRETS = {
  'HOOK:v1': 'hook-secret-one',
  'HOOK:v2': 'hook-secret-two',
};
const BODY = JSON.stringify({ type: 'invoice.paid', id: 42, amount: 1999 });

let clock: ReturnType<typeof manualClock>;
let baton: Baton;
let audit: ReturnType<typeof auditCollector>;
let server: Served | undefined;

beforeEach(async () => {
  clock = manualClock();
  audit = auditCollector();
  baton = createBaton({
    sources: [defaultsSource(SECRETS)],
    clock,
    audit: audit.sink,
    registry: { graceMs: 24 * HOUR },
  });
  await baton.register('HOOK', 'HOOK:v1');
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  await baton.close();
});

/** A webhook route answering what it saw: the caller, and the raw body as it received it. */
function webhookApp(...before: express.RequestHandler[]): Express {
  const app = express();
  app.post('/hook', ...before, verifyRef(baton, { logical: 'HOOK' }), (req, res) => {
    res.json({
      caller: req.baton,
      bodyIsBuffer: Buffer.isBuffer(req.body),
      body: Buffer.isBuffer(req.body) ? req.body.toString('utf8') : null,
    });
  });
  return app;
}

async function post(
  headers: Record<string, string>,
  body: string = BODY,
  extra: Record<string, string> = { 'content-type': 'application/json' },
): Promise<Response> {
  return fetch(`${server?.url}/hook`, { method: 'POST', headers: { ...extra, ...headers }, body });
}

async function verifyEvents(): Promise<AuditEvent[]> {
  await baton.flush();
  return audit.events.filter((event) => event.type.startsWith('verify_'));
}

describe('verifyRef with signature proof', () => {
  it('accepts a request signed with the current ref and hands the raw body on', async () => {
    server = await serve(webhookApp());
    const response = await post(await baton.sign('HOOK', BODY));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      caller: { logical: 'HOOK', ref: 'HOOK:v1', match: 'current' },
      bodyIsBuffer: true,
      body: BODY,
    });
    expect(await verifyEvents()).toMatchObject([
      { type: 'verify_accept', logical: 'HOOK', ref: 'HOOK:v1', match: 'current' },
    ]);
  });

  it('rejects a tampered body with a 401 that says nothing more', async () => {
    server = await serve(webhookApp());
    const headers = await baton.sign('HOOK', BODY);
    const response = await post(headers, BODY.replace('1999', '1'));
    expect(response.status).toBe(401);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.text()).toBe('{"error":"unauthorized"}');
    expect(await verifyEvents()).toMatchObject([
      { type: 'verify_reject', reason: 'bad_signature', presentedRef: 'HOOK:v1' },
    ]);
  });

  it('accepts the previous ref inside grace, and refuses it once grace is over', async () => {
    server = await serve(webhookApp());
    clock.advance(2 * HOUR);
    await baton.promote('HOOK', 'HOOK:v2');

    const v2 = await post(await baton.sign('HOOK', BODY));
    expect((await v2.json()).caller).toEqual({ logical: 'HOOK', ref: 'HOOK:v2', match: 'current' });
    const v1 = await post(await baton.sign('HOOK', BODY, { ref: 'HOOK:v1' }));
    expect((await v1.json()).caller).toEqual({
      logical: 'HOOK',
      ref: 'HOOK:v1',
      match: 'previous',
    });

    // Grace counts from v1's activation (24 h before now + 2 h): 22 h remain.
    clock.advance(22 * HOUR - 1000);
    const lastSecond = await post(await baton.sign('HOOK', BODY, { ref: 'HOOK:v1' }));
    expect(lastSecond.status).toBe(200);
    clock.advance(1000);
    const expired = await post(await baton.sign('HOOK', BODY, { ref: 'HOOK:v1' }));
    expect(expired.status).toBe(401);
    expect(await expired.text()).toBe('{"error":"unauthorized"}');
    const stillCurrent = await post(await baton.sign('HOOK', BODY));
    expect(stillCurrent.status).toBe(200);

    expect(
      (await verifyEvents()).map((event) => [event.type, event.match ?? event.reason]),
    ).toEqual([
      ['verify_accept', 'current'],
      ['verify_accept', 'previous'],
      ['verify_accept', 'previous'],
      ['verify_reject', 'previous_expired'],
      ['verify_accept', 'current'],
    ]);
  });

  it('refuses timestamps outside the tolerance, measured on the Baton clock', async () => {
    const app = express();
    app.post('/hook', verifyRef(baton, { logical: 'HOOK' }), (_req, res) => res.json({}));
    app.post('/strict', verifyRef(baton, { logical: 'HOOK', toleranceSec: 10 }), (_req, res) =>
      res.json({}),
    );
    server = await serve(app);
    const now = Math.floor(clock() / 1000);
    const at = async (path: string, timestamp: number) => {
      const headers = await baton.sign('HOOK', BODY, { timestamp });
      const response = await fetch(`${server?.url}${path}`, {
        method: 'POST',
        headers,
        body: BODY,
      });
      return response.status;
    };
    expect(await at('/hook', now - 300)).toBe(200);
    expect(await at('/hook', now + 300)).toBe(200);
    expect(await at('/hook', now - 301)).toBe(401);
    expect(await at('/hook', now + 301)).toBe(401);
    expect(await at('/strict', now - 10)).toBe(200);
    expect(await at('/strict', now - 11)).toBe(401);
    // The wall clock is decades away from the manual one: a signature made "now" is stale.
    const wall = Math.floor(Date.now() / 1000);
    expect(await at('/hook', wall)).toBe(401);
    const reasons = (await verifyEvents()).map((event) => event.reason ?? event.type);
    expect(reasons).toEqual([
      'verify_accept',
      'verify_accept',
      'stale_timestamp',
      'stale_timestamp',
      'verify_accept',
      'stale_timestamp',
      'stale_timestamp',
    ]);
  });

  it('accepts a signed empty body', async () => {
    server = await serve(webhookApp());
    const response = await post(await baton.sign('HOOK', ''), '', {});
    expect(response.status).toBe(200);
    expect((await response.json()).body).toBe('');
  });

  it('verifies the bytes as sent, not a re-encoding of them', async () => {
    server = await serve(webhookApp());
    const body = '{"name":"Zoë ☃ 🚀"}';
    const bytes = new TextEncoder().encode(body);
    const timestamp = Math.floor(clock() / 1000);
    const signature = await computeSignature(SECRETS['HOOK:v1'], timestamp, bytes);
    const response = await fetch(`${server.url}/hook`, {
      method: 'POST',
      headers: {
        'x-baton-ref': 'HOOK:v1',
        'x-baton-timestamp': String(timestamp),
        'x-baton-signature': signature,
      },
      body: bytes,
    });
    expect(response.status).toBe(200);
    expect((await response.json()).body).toBe(body);
  });
});
