import { createBaton, envSource, memoryStore, type RegistryStore } from '@baton/core';
import { Hono } from 'hono';
import { HTTPException } from 'hono/http-exception';
import { describe, expect, it } from 'vitest';
import { batonPerIsolate, registryFromBindings, verifyRef } from '../src/index.js';
import { BINDINGS, HOUR, rotatedBaton } from './fixtures.js';

const BODY = JSON.stringify({ event: 'invoice.paid', id: 42 });

async function webhookApp(
  options: Parameters<typeof verifyRef>[1] = { logical: 'WEBHOOK_SECRET' },
) {
  const rig = await rotatedBaton();
  const app = new Hono();
  app.post('/hooks', verifyRef(rig.baton, options), async (c) =>
    c.json({ received: await c.req.json(), ...c.var.verifiedRef }),
  );
  return { ...rig, app };
}

function post(headers: Record<string, string>, body: string = BODY): RequestInit {
  return { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body };
}

describe('verifyRef with signature proof', () => {
  it('accepts a body signed with the current ref and leaves the body readable', async () => {
    const { app, baton } = await webhookApp();
    const res = await app.request('/hooks', post(await baton.sign('WEBHOOK_SECRET', BODY)));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      received: { event: 'invoice.paid', id: 42 },
      logical: 'WEBHOOK_SECRET',
      ref: 'WEBHOOK_SECRET:v2',
      match: 'current',
    });
  });

  it('accepts the previous ref within grace and refuses it once grace is over', async () => {
    const { app, baton, clock } = await webhookApp();
    const signOld = () => baton.sign('WEBHOOK_SECRET', BODY, { ref: 'WEBHOOK_SECRET:v1' });
    const during = await app.request('/hooks', post(await signOld()));
    expect(during.status).toBe(200);
    expect(await during.json()).toMatchObject({ match: 'previous', ref: 'WEBHOOK_SECRET:v1' });

    clock.advance(24 * HOUR);
    const after = await app.request('/hooks', post(await signOld()));
    expect(after.status).toBe(401);
    const current = await app.request('/hooks', post(await baton.sign('WEBHOOK_SECRET', BODY)));
    expect(current.status).toBe(200);
  });

  it('answers a tampered body with 401 and exactly {"error":"unauthorized"}', async () => {
    const { app, baton, events } = await webhookApp();
    const headers = await baton.sign('WEBHOOK_SECRET', BODY);
    const res = await app.request('/hooks', post(headers, BODY.replace('42', '43')));
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.text()).toBe('{"error":"unauthorized"}');
    await baton.flush();
    const decisions = events.filter((event) => event.type.startsWith('verify_'));
    expect(decisions).toMatchObject([{ type: 'verify_reject', reason: 'bad_signature' }]);
  });

  it.each<[string, (signed: Record<string, string>) => Record<string, string>]>([
    ['no headers at all', () => ({})],
    ['a ref but nothing else', () => ({ 'x-baton-ref': 'WEBHOOK_SECRET:v2' })],
    ['a ref of another secret', (signed) => ({ ...signed, 'x-baton-ref': 'API_KEY:v1' })],
    ['a ref that does not parse', (signed) => ({ ...signed, 'x-baton-ref': '../../etc/passwd' })],
    [
      'a ref far too long',
      (signed) => ({ ...signed, 'x-baton-ref': `WEBHOOK_SECRET${'A'.repeat(5000)}:v2` }),
    ],
    ['a timestamp that is not a number', (signed) => ({ ...signed, 'x-baton-timestamp': 'now' })],
    [
      'a timestamp beyond any date',
      (signed) => ({ ...signed, 'x-baton-timestamp': '9'.repeat(300) }),
    ],
    [
      'a signature without its scheme',
      (signed) => ({ ...signed, 'x-baton-signature': 'deadbeef' }),
    ],
    ['a signature of the wrong length', (signed) => ({ ...signed, 'x-baton-signature': 'v1=abc' })],
    [
      'a signature that is not hex',
      (signed) => ({ ...signed, 'x-baton-signature': `v1=${'z'.repeat(64)}` }),
    ],
    [
      'a signature with a different scheme',
      (signed) => ({ ...signed, 'x-baton-signature': `v2=${'0'.repeat(64)}` }),
    ],
  ])('answers 401, never 500, for %s', async (_case, headersFrom) => {
    const { app, baton } = await webhookApp();
    const signed = await baton.sign('WEBHOOK_SECRET', BODY);
    const res = await app.request('/hooks', post(headersFrom(signed)));
    expect(res.status).toBe(401);
    expect(await res.text()).toBe('{"error":"unauthorized"}');
  });

  it('refuses a request presenting nothing verifiable before reading any of its body', async () => {
    const { app, baton } = await webhookApp();
    const good = await baton.sign('WEBHOOK_SECRET', BODY);
    for (const headers of [
      {},
      { ...good, 'x-baton-ref': 'OTHER:v1' },
      { ...good, 'x-baton-timestamp': 'later' },
      { ...good, 'x-baton-signature': 'v1=' },
    ]) {
      const body = endless();
      const res = await app.request('/hooks', {
        method: 'POST',
        headers,
        body: body.stream,
        duplex: 'half',
      } as RequestInit);
      expect(res.status).toBe(401);
      expect(body.pulled()).toBeLessThanOrEqual(1);
    }
  });

  it('answers 413 for a signed body over the limit without buffering it, and 1 MiB by default', async () => {
    const { app, baton } = await webhookApp();
    const small = new Hono();
    small.post('/hooks', verifyRef(baton, { logical: 'WEBHOOK_SECRET', limit: 16 }), (c) =>
      c.text('ok'),
    );
    const over = 'x'.repeat(17);
    const refused = await small.request(
      '/hooks',
      post(await baton.sign('WEBHOOK_SECRET', over), over),
    );
    expect(refused.status).toBe(413);
    expect(await refused.text()).toBe('{"error":"payload_too_large"}');
    const exact = 'y'.repeat(16);
    expect(
      (await small.request('/hooks', post(await baton.sign('WEBHOOK_SECRET', exact), exact)))
        .status,
    ).toBe(200);

    const body = endless();
    const streamed = await app.request('/hooks', {
      method: 'POST',
      headers: await baton.sign('WEBHOOK_SECRET', BODY),
      body: body.stream,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    // 1 MiB in 64 KiB chunks, and not much more.
    expect(body.pulled()).toBeLessThan(20);
  });

  it('refuses a signature made longer ago than the tolerance', async () => {
    const { app, baton, clock } = await webhookApp({ logical: 'WEBHOOK_SECRET', toleranceSec: 60 });
    const headers = await baton.sign('WEBHOOK_SECRET', BODY);
    clock.advance(61_000);
    expect((await app.request('/hooks', post(headers))).status).toBe(401);
  });

  it('leaves every form of the body readable: text, JSON, bytes, blob, form fields', async () => {
    const { app, baton } = await webhookApp();
    app.post('/forms', verifyRef(baton, { logical: 'WEBHOOK_SECRET' }), async (c) =>
      c.json({
        text: await c.req.text(),
        bytes: (await c.req.arrayBuffer()).byteLength,
        blob: (await c.req.blob()).size,
        form: await c.req.parseBody(),
      }),
    );
    const form = 'name=caf%C3%A9&n=1';
    const res = await app.request('/forms', {
      method: 'POST',
      headers: {
        ...(await baton.sign('WEBHOOK_SECRET', form)),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: form,
    });
    expect(await res.json()).toEqual({
      text: form,
      bytes: 18,
      blob: 18,
      form: { name: 'café', n: '1' },
    });
    const json = await app.request(
      '/hooks',
      post(await baton.sign('WEBHOOK_SECRET', '\uFEFF{"id":7}'), '\uFEFF{"id":7}'),
    );
    expect(await json.json()).toMatchObject({ received: { id: 7 } });
  });

  it('verifies an empty body and a binary body byte for byte', async () => {
    const { app, baton } = await webhookApp();
    app.post('/raw', verifyRef(baton, { logical: 'WEBHOOK_SECRET' }), async (c) =>
      c.json({ bytes: (await c.req.arrayBuffer()).byteLength }),
    );
    const empty = await app.request('/raw', {
      method: 'POST',
      headers: await baton.sign('WEBHOOK_SECRET', ''),
    });
    expect(await empty.json()).toEqual({ bytes: 0 });
    const bytes = new Uint8Array([0, 255, 128, 10, 13, 0xc3]);
    const binary = await app.request('/raw', {
      method: 'POST',
      headers: await baton.sign('WEBHOOK_SECRET', bytes),
      body: bytes,
    });
    expect(await binary.json()).toEqual({ bytes: 6 });
  });

  it('answers 503 {"error":"unavailable"} when the accepted ref has no readable secret', async () => {
    const { app, baton } = await webhookApp();
    const headers = await baton.sign('WEBHOOK_SECRET', BODY);
    baton.invalidate();
    // The same registry, but the source that held the secrets is gone.
    const bare = createBaton({ sources: [], audit: false, clock: baton.clock });
    await bare.register('WEBHOOK_SECRET', 'WEBHOOK_SECRET:v2');
    app.post('/gone', verifyRef(bare, { logical: 'WEBHOOK_SECRET' }), (c) => c.text('no'));
    const res = await app.request('/gone', post(headers));
    expect(res.status).toBe(503);
    expect(await res.text()).toBe('{"error":"unavailable"}');
  });
});

describe('verifyRef with value and no proof', () => {
  it('accepts the secret itself as x-baton-key and refuses any other key', async () => {
    const { app, baton } = await webhookApp();
    app.get('/api', verifyRef(baton, { logical: 'API_KEY', proof: 'value' }), (c) =>
      c.text(c.var.verifiedRef.ref),
    );
    const ok = await app.request('/api', {
      headers: { 'x-baton-ref': 'API_KEY:v1', 'x-baton-key': BINDINGS.API_KEY_V1 },
    });
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('API_KEY:v1');
    for (const key of ['wrong', '', `${BINDINGS.API_KEY_V1}x`, 'x'.repeat(10_000)]) {
      const res = await app.request('/api', {
        headers: { 'x-baton-ref': 'API_KEY:v1', 'x-baton-key': key },
      });
      expect(res.status).toBe(401);
    }
    const missing = await app.request('/api', { headers: { 'x-baton-ref': 'API_KEY:v1' } });
    expect(missing.status).toBe(401);
  });

  it("checks the ref alone with proof 'none'", async () => {
    const { app, baton } = await webhookApp();
    app.get('/ref', verifyRef(baton, { logical: 'API_KEY', proof: 'none' }), (c) => c.text('ok'));
    expect((await app.request('/ref', { headers: { 'x-baton-ref': 'API_KEY:v1' } })).status).toBe(
      200,
    );
    expect((await app.request('/ref', { headers: { 'x-baton-ref': 'API_KEY:v2' } })).status).toBe(
      401,
    );
  });
});

describe('verifyRef around the app', () => {
  it('lets app.onError see the rejection as an HTTPException and keep its bare body', async () => {
    const { app, baton } = await webhookApp();
    const seen: number[] = [];
    app.onError((error, c) => {
      if (error instanceof HTTPException) {
        seen.push(error.status);
        return error.getResponse();
      }
      return c.text('unexpected', 500);
    });
    const res = await app.request('/hooks', post({ 'x-baton-ref': 'nope' }));
    expect(seen).toEqual([401]);
    expect(await res.text()).toBe('{"error":"unauthorized"}');
    expect(
      (await app.request('/hooks', post(await baton.sign('WEBHOOK_SECRET', BODY)))).status,
    ).toBe(200);
  });

  it('answers 503 when the registry store cannot be loaded, and recovers when it can', async () => {
    const backing = memoryStore();
    let down = true;
    const flaky: RegistryStore = {
      ...backing,
      // Like a file or database store: nothing is known before load() answers.
      loadSync: undefined,
      name: 'flaky',
      load: () => (down ? Promise.reject(new Error('connection refused')) : backing.load()),
    };
    const seed = createBaton({ registry: { store: backing }, audit: false });
    await seed.register('API_KEY', 'API_KEY:v1');
    const baton = createBaton({
      sources: [envSource({ env: BINDINGS })],
      registry: { store: flaky },
      audit: false,
    });
    const app = new Hono();
    app.get('/ref', verifyRef(baton, { logical: 'API_KEY', proof: 'none' }), (c) => c.text('ok'));
    const request = () => app.request('/ref', { headers: { 'x-baton-ref': 'API_KEY:v1' } });
    const during = await request();
    expect(during.status).toBe(503);
    expect(await during.text()).toBe('{"error":"unavailable"}');
    down = false;
    expect((await request()).status).toBe(200);
  });

  it('builds one Baton per isolate from the first request’s bindings', async () => {
    type Bindings = typeof BINDINGS;
    let built = 0;
    const baton = batonPerIsolate((env: Bindings) => {
      built++;
      return createBaton({
        sources: [envSource({ env })],
        registry: { store: registryFromBindings('{"API_KEY":{"currentRef":"API_KEY:v1"}}') },
        audit: false,
      });
    });
    const app = new Hono<{ Bindings: Bindings }>();
    app.get('/api', verifyRef(baton, { logical: 'API_KEY', proof: 'value' }), (c) =>
      c.text(c.var.baton === baton(c) ? 'same' : 'other'),
    );
    const headers = { 'x-baton-ref': 'API_KEY:v1', 'x-baton-key': BINDINGS.API_KEY_V1 };
    for (let i = 0; i < 3; i++) {
      const res = await app.request('/api', { headers }, BINDINGS);
      expect(await res.text()).toBe('same');
    }
    expect(built).toBe(1);
  });

  it('refuses bad options when the middleware is made, naming every problem', () => {
    const baton = createBaton({ audit: false });
    expect(() => verifyRef(baton, { logical: 'WEBHOOK_SECRET:v2' })).toThrow(
      /logical must be a name without a version, e.g. WEBHOOK_SECRET/,
    );
    expect(() => verifyRef(baton, { logical: 'not a name' })).toThrow(
      /logical must be a secret name/,
    );
    let error: unknown;
    try {
      verifyRef({} as never, {
        logical: 'K',
        proof: 'hmac' as never,
        toleranceSec: -1,
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'BATON_CONFIG' });
    expect((error as { issues: string[] }).issues).toHaveLength(3);
  });
});

/** A body that never ends, in 64 KiB chunks, counting how many were read. */
function endless() {
  let pulled = 0;
  const chunk = new Uint8Array(65_536).fill(120);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      pulled++;
      controller.enqueue(chunk);
    },
  });
  return { stream, pulled: () => pulled };
}
