import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener, serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secrets, verifyRef } from '../src/index.js';
import type { VerifyRefVariables } from '../src/verify-ref/index.js';
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

/** An app that answers every form of the verified body, so a test sees the handler's view. */
function formsApp(rig: Rig, limit?: number) {
  const app = new Hono<{ Variables: VerifyRefVariables }>();
  app.post(
    '/hooks',
    verifyRef(rig.baton, { logical: 'WEBHOOK_SECRET', ...(limit === undefined ? {} : { limit }) }),
    async (c) => c.json({ hex: Buffer.from(await c.req.arrayBuffer()).toString('hex') }),
  );
  app.post('/forms', verifyRef(rig.baton, { logical: 'WEBHOOK_SECRET' }), async (c) =>
    c.json({
      text: await c.req.text(),
      json: await c.req.json(),
      form: await c.req.parseBody(),
    }),
  );
  // The middleware leaves c.req.raw unread: a handler may read the Request itself.
  app.post('/raw', verifyRef(rig.baton, { logical: 'WEBHOOK_SECRET' }), async (c) =>
    c.json({ raw: await c.req.raw.text() }),
  );
  return app;
}

async function listen(server: ReturnType<typeof createServer>): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('the body on a Node HTTP server, read from the Node request', () => {
  let rig: Rig;
  const servers: ReturnType<typeof createServer>[] = [];

  beforeAll(async () => {
    rig = await rotatedBaton();
  });

  afterAll(async () => {
    await Promise.all(
      servers.map((server) => new Promise((resolve) => server.close(() => resolve(undefined)))),
    );
    await rig.baton.close();
  });

  async function start(app: Hono<{ Variables: VerifyRefVariables }>, preRead = false) {
    const listener = getRequestListener(app.fetch);
    const server = createServer((req, res) => {
      if (!preRead) return listener(req, res);
      // As Google Cloud Functions does: the platform reads the body into req.rawBody first.
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        (req as typeof req & { rawBody: Buffer }).rawBody = Buffer.concat(chunks);
        listener(req, res);
      });
    });
    servers.push(server);
    return listen(server);
  }

  it('hands the handler the exact bytes signed, also when they are not UTF-8', async () => {
    const url = await start(formsApp(rig));
    const bytes = Buffer.from([0xef, 0xbb, 0xbf, 0xff, 0xfe, 0x00, 0x7b, 0x7d]);
    const res = await fetch(`${url}/hooks`, {
      method: 'POST',
      headers: await rig.baton.sign('WEBHOOK_SECRET', bytes),
      body: bytes,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ hex: bytes.toString('hex') });
    const tampered = Buffer.from(bytes);
    tampered[3] = 0xfd;
    const refused = await fetch(`${url}/hooks`, {
      method: 'POST',
      headers: await rig.baton.sign('WEBHOOK_SECRET', bytes),
      body: tampered,
    });
    expect(refused.status).toBe(401);
  });

  it('leaves the body readable as text, JSON and form fields, and c.req.raw unread', async () => {
    const url = await start(formsApp(rig));
    const body = '{"name":"café"}';
    const res = await fetch(`${url}/forms`, {
      method: 'POST',
      headers: {
        ...(await rig.baton.sign('WEBHOOK_SECRET', body)),
        'content-type': 'application/json',
      },
      body,
    });
    expect(await res.json()).toEqual({ text: body, json: { name: 'café' }, form: {} });
    const raw = await fetch(`${url}/raw`, {
      method: 'POST',
      headers: await rig.baton.sign('WEBHOOK_SECRET', body),
      body,
    });
    expect(await raw.json()).toEqual({ raw: body });
  });

  it('answers 413 to a body over the limit, declared or streamed, and nothing else is read', async () => {
    const url = await start(formsApp(rig, 64));
    const big = 'x'.repeat(65);
    const headers = await rig.baton.sign('WEBHOOK_SECRET', big);
    const declared = await fetch(`${url}/hooks`, { method: 'POST', headers, body: big });
    expect(declared.status).toBe(413);
    expect(await declared.text()).toBe('{"error":"payload_too_large"}');
    const chunks = new TextEncoder().encode(big.repeat(100));
    const streamed = await fetch(`${url}/hooks`, {
      method: 'POST',
      headers,
      body: new ReadableStream({
        start(controller) {
          for (let at = 0; at < chunks.length; at += 500)
            controller.enqueue(chunks.slice(at, at + 500));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
  });

  it('verifies a body a platform already read into req.rawBody', async () => {
    const url = await start(formsApp(rig), true);
    const body = '{"id":1}';
    const res = await fetch(`${url}/raw`, {
      method: 'POST',
      headers: await rig.baton.sign('WEBHOOK_SECRET', body),
      body,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ raw: body });
    const forged = await fetch(`${url}/raw`, {
      method: 'POST',
      headers: await rig.baton.sign('WEBHOOK_SECRET', body),
      body: '{"id":2}',
    });
    expect(forged.status).toBe(401);
  });
});
