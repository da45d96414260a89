import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secrets, verifyRef } from '../src/index.js';
import { BINDINGS, type Rig, rotatedBaton } from './fixtures.js';

/** The middleware behind a real HTTP server on an ephemeral port, as on Node in production. */
describe('on a Node HTTP server (@hono/node-server)', () => {
  let rig: Rig;
  let url: string;
  let close: () => Promise<void>;

  beforeAll(async () => {
    rig = await rotatedBaton();
    const app = new Hono();
    app.post('/hooks', verifyRef(rig.baton, { logical: 'WEBHOOK_SECRET' }), async (c) =>
      c.json({ length: (await c.req.text()).length, match: c.var.verifiedRef.match }),
    );
    app.get(
      '/api',
      verifyRef(rig.baton, { logical: 'API_KEY', proof: 'value' }),
      secrets(rig.baton, ['OPENAI_KEY:v2']),
      (c) => c.json({ openaiKeyLength: c.var.secrets['OPENAI_KEY:v2'].length }),
    );
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      const started = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () =>
        resolve(started),
      );
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = () => new Promise((resolve) => server.close(() => resolve()));
  });

  afterAll(async () => {
    await close();
    await rig.baton.close();
  });

  it('accepts a signed webhook and hands the whole body to the handler', async () => {
    const body = JSON.stringify({ items: 'x'.repeat(100_000) });
    const res = await fetch(`${url}/hooks`, {
      method: 'POST',
      headers: { ...(await rig.baton.sign('WEBHOOK_SECRET', body)), 'content-type': 'text/plain' },
      body,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ length: body.length, match: 'current' });
  });

  it('verifies a body that arrives in chunks (no content-length)', async () => {
    const body = `${'{"part":1}'.repeat(2000)}`;
    const headers = await rig.baton.sign('WEBHOOK_SECRET', body);
    const bytes = new TextEncoder().encode(body);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < bytes.length; at += 1000)
          controller.enqueue(bytes.slice(at, at + 1000));
        controller.close();
      },
    });
    const res = await fetch(`${url}/hooks`, {
      method: 'POST',
      headers,
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(200);
  });

  it('accepts the previous ref during grace', async () => {
    const body = '{}';
    const headers = await rig.baton.sign('WEBHOOK_SECRET', body, { ref: 'WEBHOOK_SECRET:v1' });
    const res = await fetch(`${url}/hooks`, { method: 'POST', headers, body });
    expect(await res.json()).toEqual({ length: 2, match: 'previous' });
  });

  it('answers 401 with a bare JSON body to tampered, forged and malformed requests', async () => {
    const body = '{"amount":100}';
    const signed = await rig.baton.sign('WEBHOOK_SECRET', body);
    const attempts: [Record<string, string>, string][] = [
      [signed, '{"amount":1000}'],
      [{ ...signed, 'x-baton-ref': 'WEBHOOK_SECRET:v3' }, body],
      [{ ...signed, 'x-baton-ref': 'webhook secret' }, body],
      [{ ...signed, 'x-baton-signature': `v1=${'0'.repeat(64)}` }, body],
      [{ ...signed, 'x-baton-timestamp': '-1' }, body],
      [{ 'x-baton-ref': 'WEBHOOK_SECRET:v2' }, body],
      [{}, body],
    ];
    for (const [headers, sent] of attempts) {
      const res = await fetch(`${url}/hooks`, { method: 'POST', headers, body: sent });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await res.text()).toBe('{"error":"unauthorized"}');
    }
  });

  it('checks an API key and injects a secret on the same route', async () => {
    const good = await fetch(`${url}/api`, {
      headers: { 'x-baton-ref': 'API_KEY:v1', 'x-baton-key': BINDINGS.API_KEY_V1 },
    });
    expect(await good.json()).toEqual({ openaiKeyLength: BINDINGS.OPENAI_KEY_V2.length });
    const bad = await fetch(`${url}/api`, {
      headers: { 'x-baton-ref': 'API_KEY:v1', 'x-baton-key': BINDINGS.OPENAI_KEY_V2 },
    });
    expect(bad.status).toBe(401);
    expect(await bad.text()).toBe('{"error":"unauthorized"}');
  });
});
