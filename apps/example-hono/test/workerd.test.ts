/**
 * The edge claim, proven: the example app is bundled with @baton/core and @baton/hono (from
 * their sources, as a Worker bundle) and run in workerd through Miniflare, with its secrets
 * and registry in Worker bindings. Nothing here runs the app on Node.
 *
 * Time inside workerd only advances with I/O, and the Worker keeps the real clock, so the
 * grace rollover is not waited for: the registry binding is written as it would be 25 hours
 * after the promotion (every activation time moved 25 hours back), and the Worker restarts
 * with it, as a new deployment would.
 */
import { connect } from 'node:net';
import type { Readable } from 'node:stream';
import { computeSignature } from '@baton/core';
import { deferred } from '@baton-tools/test-kit';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleWorker } from '../src/bundle-worker.js';

const HOUR = 3_600_000;
const SECRETS = {
  WEBHOOK_SECRET_V1: 'edge-webhook-old-7c41e9',
  WEBHOOK_SECRET_V2: 'edge-webhook-new-2d93fa',
  API_KEY_V1: 'edge-api-key-55b1',
  REPORTING_TOKEN_V1: 'edge-reporting-token-0e8c',
};

/** The registry as the deployment `hoursLater` hours after v2 was promoted (an hour ago) ships it. */
function registryBinding(hoursLater: number): string {
  const at = (hoursAgo: number) =>
    new Date(Date.now() - (hoursAgo + hoursLater) * HOUR).toISOString();
  return JSON.stringify({
    WEBHOOK_SECRET: {
      currentRef: 'WEBHOOK_SECRET:v2',
      activatedAt: at(1),
      previousRef: 'WEBHOOK_SECRET:v1',
      previousActivatedAt: at(30 * 24),
    },
    API_KEY: { currentRef: 'API_KEY:v1', activatedAt: at(90 * 24) },
  });
}

let script: string;
let mf: Miniflare;
let runtimeOutput = '';
const bodies: string[] = [];

function options(hoursLater: number) {
  return {
    modules: true,
    script,
    compatibilityDate: '2026-04-01',
    bindings: {
      ...SECRETS,
      BATON_REGISTRY: registryBinding(hoursLater),
      BATON_GRACE_MS: String(24 * HOUR),
    },
    handleRuntimeStdio(stdout: Readable, stderr: Readable) {
      for (const stream of [stdout, stderr])
        stream.on('data', (chunk) => (runtimeOutput += String(chunk)));
    },
  };
}

/** A webhook as the sender makes it: signed with a ref's secret over the raw body, now. */
/**
 * Sends a POST's head declaring `declared` bytes of body, sends none of them, and reads the
 * answer until the Worker closes the connection.
 */
async function partialRequest(
  path: string,
  request: { headers: Record<string, string>; declared: number },
): Promise<string> {
  const url = await mf.ready;
  const socket = connect(Number(url.port), url.hostname);
  const head = [
    `POST ${path} HTTP/1.1`,
    'host: example.test',
    'connection: close',
    `content-length: ${request.declared}`,
    ...Object.entries(request.headers).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.write(`${head.join('\r\n')}\r\n\r\n`);
  try {
    return await new Promise<string>((resolve, reject) => {
      let text = '';
      socket.on('data', (chunk) => {
        text += String(chunk);
      });
      // A reset after the answer (the body it declared never came) ends it like a close.
      socket.on('error', (error) => (text === '' ? reject(error) : resolve(text)));
      socket.on('close', () => resolve(text));
    });
  } finally {
    socket.destroy();
  }
}

async function webhook(ref: string, secret: string, body: string, sent = body) {
  const timestamp = Math.floor(Date.now() / 1000);
  const res = await mf.dispatchFetch('http://example.test/webhooks/billing', {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-baton-ref': ref,
      'x-baton-timestamp': String(timestamp),
      'x-baton-signature': await computeSignature(secret, timestamp, body),
    },
    body: sent,
  });
  const text = await res.text();
  bodies.push(text);
  return { status: res.status, text };
}

beforeAll(async () => {
  ({ code: script } = await bundleWorker());
  mf = new Miniflare(options(0));
  await mf.ready;
});

afterAll(async () => {
  await mf?.dispose();
});

describe('example-hono in workerd', () => {
  const event = JSON.stringify({ type: 'invoice.paid', id: 'in_123' });

  it('is a bundle for workerd: no Node built-in is imported', () => {
    expect(script).not.toMatch(/from\s*["']node:/);
    expect(script).not.toMatch(/require\(["']node:/);
  });

  it('accepts a webhook signed with the current ref, its secret read from a binding', async () => {
    const res = await webhook('WEBHOOK_SECRET:v2', SECRETS.WEBHOOK_SECRET_V2, event);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({
      received: 'invoice.paid',
      ref: 'WEBHOOK_SECRET:v2',
      match: 'current',
    });
  });

  it('rejects a tampered body with 401 {"error":"unauthorized"}', async () => {
    const tampered = event.replace('in_123', 'in_999');
    const res = await webhook('WEBHOOK_SECRET:v2', SECRETS.WEBHOOK_SECRET_V2, event, tampered);
    expect(res).toEqual({ status: 401, text: '{"error":"unauthorized"}' });
  });

  it('rejects a signature made with another ref’s secret, and malformed headers, with 401', async () => {
    expect((await webhook('WEBHOOK_SECRET:v2', SECRETS.WEBHOOK_SECRET_V1, event)).status).toBe(401);
    expect((await webhook('WEBHOOK_SECRET:v3', SECRETS.WEBHOOK_SECRET_V2, event)).status).toBe(401);
    expect((await webhook('not a ref', SECRETS.WEBHOOK_SECRET_V2, event)).status).toBe(401);
    const bare = await mf.dispatchFetch('http://example.test/webhooks/billing', {
      method: 'POST',
      headers: { 'x-baton-ref': 'WEBHOOK_SECRET:v2', 'x-baton-signature': 'v1=nothex' },
      body: event,
    });
    expect(bare.status).toBe(401);
    expect(await bare.text()).toBe('{"error":"unauthorized"}');
  });

  it('refuses an unsigned body with 401 before reading it, and a signed 2 MiB body with 413', async () => {
    // A body that sends one chunk and then stalls: a Worker that waited for the whole body
    // would never answer.
    const stalled = deferred();
    const upload = new AbortController();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(65_536));
      },
      pull: () => stalled.promise,
    });
    const init = { method: 'POST', body, duplex: 'half', signal: upload.signal };
    const unsigned = await mf.dispatchFetch(
      'http://example.test/webhooks/billing',
      // Miniflare types its own Request body; a Web stream is what undici sends as it is.
      init as unknown as Parameters<Miniflare['dispatchFetch']>[1],
    );
    expect(unsigned.status).toBe(401);
    expect(await unsigned.text()).toBe('{"error":"unauthorized"}');
    upload.abort();
    stalled.resolve();

    // A signed body that declares 2 MiB: answered from its headers alone, none of it sent (a
    // client still writing when the answer comes may see its write reset).
    const timestamp = Math.floor(Date.now() / 1000);
    const big = 'z'.repeat(2 * 1024 * 1024);
    const answer = await partialRequest('/webhooks/billing', {
      headers: {
        'content-type': 'application/json',
        'x-baton-ref': 'WEBHOOK_SECRET:v2',
        'x-baton-timestamp': String(timestamp),
        'x-baton-signature': await computeSignature(SECRETS.WEBHOOK_SECRET_V2, timestamp, big),
      },
      declared: big.length,
    });
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toContain('{"error":"payload_too_large"}');
  });

  it('checks an API key and injects a secret from the bindings', async () => {
    const ok = await mf.dispatchFetch('http://example.test/reports', {
      headers: { 'x-baton-ref': 'API_KEY:v1', 'x-baton-key': SECRETS.API_KEY_V1 },
    });
    expect(await ok.json()).toEqual({ caller: 'API_KEY:v1', reports: ['daily', 'weekly'] });
    const wrong = await mf.dispatchFetch('http://example.test/reports', {
      headers: { 'x-baton-ref': 'API_KEY:v1', 'x-baton-key': SECRETS.REPORTING_TOKEN_V1 },
    });
    expect(wrong.status).toBe(401);
  });

  it('rolls over: the previous ref is accepted within grace, refused after it, the current throughout', async () => {
    const during = await webhook('WEBHOOK_SECRET:v1', SECRETS.WEBHOOK_SECRET_V1, event);
    expect(during.status).toBe(200);
    expect(JSON.parse(during.text)).toMatchObject({ ref: 'WEBHOOK_SECRET:v1', match: 'previous' });

    await mf.setOptions(options(25)); // the deployment 25 hours after the promotion
    const after = await webhook('WEBHOOK_SECRET:v1', SECRETS.WEBHOOK_SECRET_V1, event);
    expect(after).toEqual({ status: 401, text: '{"error":"unauthorized"}' });
    const current = await webhook('WEBHOOK_SECRET:v2', SECRETS.WEBHOOK_SECRET_V2, event);
    expect(JSON.parse(current.text)).toMatchObject({ ref: 'WEBHOOK_SECRET:v2', match: 'current' });
  });

  it('writes its audit events from inside workerd, with no secret value in them or in any answer', async () => {
    // The Worker flushes with ctx.waitUntil after answering; one more request lets it finish.
    await mf.dispatchFetch('http://example.test/health');
    await expect.poll(() => runtimeOutput, { timeout: 5_000 }).toContain('"previous_expired"');
    expect(runtimeOutput).toContain('"type":"verify_accept"');
    expect(runtimeOutput).toContain('"reason":"bad_signature"');
    const everything = runtimeOutput + bodies.join('\n');
    for (const value of Object.values(SECRETS)) expect(everything).not.toContain(value);
  });
});

describe('example-hono in workerd with broken configuration', () => {
  it('answers 503 {"error":"unavailable"}, never a 500, when the bindings cannot make a Baton', async () => {
    const broken = new Miniflare({
      ...options(0),
      bindings: { ...SECRETS, BATON_REGISTRY: registryBinding(0), BATON_GRACE_MS: 'a day' },
    });
    try {
      const res = await broken.dispatchFetch('http://example.test/reports', {
        headers: { 'x-baton-ref': 'API_KEY:v1', 'x-baton-key': SECRETS.API_KEY_V1 },
      });
      expect(res.status).toBe(503);
      expect(await res.text()).toBe('{"error":"unavailable"}');
    } finally {
      await broken.dispose();
    }
  });
});
