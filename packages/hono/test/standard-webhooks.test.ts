import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { type Baton, createBaton, envSource } from '@baton/core';
import { manualClock } from '@baton/core/testing';
import { auditCollector, packageSignedHeaders } from '@baton-tools/test-kit';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyRef } from '../src/index.js';
import { HOUR } from './fixtures.js';

const BINDINGS = {
  HOOK_V1: `whsec_${randomBytes(32).toString('base64')}`,
  HOOK_V2: `whsec_${randomBytes(32).toString('base64')}`,
};
const BODY = JSON.stringify({ type: 'subscription.renewed', id: 'sub_7' });

let baton: Baton;
let clock: ReturnType<typeof manualClock>;
let audit: ReturnType<typeof auditCollector>;
const closers: (() => Promise<void>)[] = [];

/** Serves a Hono app on an ephemeral port of a real Node HTTP server. */
async function listen(app: Hono): Promise<string> {
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () =>
      resolve(started),
    );
  });
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A receiver on the standardwebhooks package, as a third party runs one. */
function packageReceiver(secret: string): Promise<string> {
  const app = new Hono();
  app.post('/hooks', async (c) => {
    try {
      const event = new Webhook(secret).verify(await c.req.text(), c.req.header());
      return c.json({ verified: true, event });
    } catch (error) {
      return c.json({ verified: false, error: (error as Error).message }, 400);
    }
  });
  return listen(app);
}

const packageHeaders = (secret: string, id: string) => packageSignedHeaders(secret, id, BODY);

const post = (url: string, headers: Record<string, string>) =>
  fetch(`${url}/hooks`, { method: 'POST', headers, body: BODY });

let receiver: string;

beforeAll(async () => {
  // standardwebhooks checks timestamps on Date.now(): the Baton's clock starts there.
  clock = manualClock(Date.now());
  audit = auditCollector();
  baton = createBaton({
    sources: [envSource({ env: BINDINGS })],
    clock,
    audit: audit.sink,
    registry: { graceMs: HOUR },
  });
  await baton.register('HOOK', 'HOOK:v1');
  const app = new Hono();
  app.post(
    '/hooks',
    verifyRef(baton, { logical: 'HOOK', protocol: 'standard-webhooks' }),
    async (c) => c.json({ caller: c.var.verifiedRef, event: await c.req.json() }),
  );
  receiver = await listen(app);
});

afterAll(async () => {
  for (const close of closers.splice(0)) await close();
  await baton.close();
});

describe('verifyRef with the Standard Webhooks protocol, on a Node HTTP server', () => {
  it('accepts a message the standardwebhooks package signed, leaving the body readable', async () => {
    const response = await post(receiver, packageHeaders(BINDINGS.HOOK_V1, 'msg_hono_1'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      caller: { logical: 'HOOK', ref: 'HOOK:v1', match: 'current', id: 'msg_hono_1' },
      event: JSON.parse(BODY),
    });
  });

  it('sends messages the standardwebhooks package verifies', async () => {
    const theirs = await packageReceiver(BINDINGS.HOOK_V1);
    const headers = await baton.sign('HOOK', BODY, { protocol: 'standard-webhooks' });
    expect(await (await post(theirs, headers)).json()).toEqual({
      verified: true,
      event: JSON.parse(BODY),
    });
  });

  it('refuses a replay with 401, audited as replayed', async () => {
    const headers = packageHeaders(BINDINGS.HOOK_V1, 'msg_hono_replay');
    expect((await post(receiver, headers)).status).toBe(200);
    const replay = await post(receiver, headers);
    expect(replay.status).toBe(401);
    expect(await replay.json()).toEqual({ error: 'unauthorized' });
    await baton.flush();
    expect(audit.events.at(-1)).toMatchObject({ type: 'verify_reject', reason: 'replayed' });
  });

  it('keeps both sides working through a rotation', async () => {
    await baton.promote('HOOK', 'HOOK:v2');
    const headers = await baton.sign('HOOK', BODY, { protocol: 'standard-webhooks' });
    for (const secret of [BINDINGS.HOOK_V1, BINDINGS.HOOK_V2]) {
      const theirs = await packageReceiver(secret);
      expect((await (await post(theirs, headers)).json()).verified).toBe(true);
    }
    const old = await post(receiver, packageHeaders(BINDINGS.HOOK_V1, 'msg_hono_old'));
    expect((await old.json()).caller).toMatchObject({ ref: 'HOOK:v1', match: 'previous' });
    clock.advance(HOUR);
    expect((await post(receiver, packageHeaders(BINDINGS.HOOK_V1, 'msg_hono_late'))).status).toBe(
      401,
    );
  });

  it('refuses options that do not fit the protocol when the middleware is made', () => {
    expect(() =>
      verifyRef(baton, { logical: 'HOOK', protocol: 'standard-webhooks', proof: 'none' }),
    ).toThrow("verifyRef: protocol 'standard-webhooks' takes proof 'signature' only");
  });
});
