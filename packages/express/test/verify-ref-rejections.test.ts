import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Baton, ConfigError, createBaton, memoryStore, type RegistryStore } from '@baton/core';
import { dotenvSource } from '@baton/core/node';
import { manualClock } from '@baton/core/testing';
import { auditCollector, testSource } from '@baton-tools/test-kit';
import express, { type Express } from 'express';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type VerifyRejection, verifyRef } from '../src/index.js';
import { rawRequest, type Served, serve } from './http.js';

const BODY = '{"id":1}';

let clock: ReturnType<typeof manualClock>;
let baton: Baton;
let audit: ReturnType<typeof auditCollector>;
let source: ReturnType<typeof testSource>;
let server: Served | undefined;

beforeEach(async () => {
  clock = manualClock();
  audit = auditCollector();
  source = testSource('test', {
    'HOOK:v1': 'hook-secret-one',
    'KEY:v1': 'api-key-one',
    'KEY:v2': 'api-key-two',
  });
  baton = createBaton({ sources: [source], clock, audit: audit.sink, cache: false });
  await baton.register('HOOK', 'HOOK:v1');
  await baton.register('KEY', 'KEY:v1');
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  await baton.close();
});

function routes(): Express {
  const app = express();
  app.post('/hook', verifyRef(baton, { logical: 'HOOK' }), (req, res) => res.json(req.baton));
  app.get('/items', verifyRef(baton, { logical: 'KEY', proof: 'value' }), (req, res) =>
    res.json(req.baton),
  );
  return app;
}

async function decisions(): Promise<string[]> {
  await baton.flush();
  return audit.events
    .filter((event) => event.type.startsWith('verify_'))
    .map((event) => event.reason ?? event.match ?? event.type);
}

describe('verifyRef with value proof', () => {
  it('accepts the right key after concurrent first requests on a cold .env, over HTTP', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'baton-cold-'));
    await writeFile(join(dir, '.env'), 'COLD_KEY_V1=cold-api-key\n');
    const cold = createBaton({
      sources: [dotenvSource({ path: join(dir, '.env') })],
      audit: false,
    });
    await cold.register('COLD_KEY', 'COLD_KEY:v1');
    const app = express();
    app.get('/items', verifyRef(cold, { logical: 'COLD_KEY', proof: 'value' }), (_req, res) =>
      res.json({ ok: true }),
    );
    server = await serve(app);
    const get = (key: string) =>
      fetch(`${server?.url}/items`, {
        headers: { 'x-baton-ref': 'COLD_KEY:v1', 'x-baton-key': key },
      });
    const first = await Promise.all([get('guess-one'), get('guess-two'), get('guess-three')]);
    expect(first.map((response) => response.status)).toEqual([401, 401, 401]);
    expect((await get('cold-api-key')).status).toBe(200);
    await cold.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('accepts the current key, the previous one in grace, and refuses a wrong one', async () => {
    server = await serve(routes());
    const get = (ref: string, key?: string) =>
      fetch(`${server?.url}/items`, {
        headers: { 'x-baton-ref': ref, ...(key === undefined ? {} : { 'x-baton-key': key }) },
      });
    const accepted = await get('KEY:v1', 'api-key-one');
    expect(await accepted.json()).toEqual({ logical: 'KEY', ref: 'KEY:v1', match: 'current' });

    await baton.promote('KEY', 'KEY:v2');
    const previous = await get('KEY:v1', 'api-key-one');
    expect(await previous.json()).toEqual({ logical: 'KEY', ref: 'KEY:v1', match: 'previous' });
    expect((await get('KEY:v2', 'api-key-two')).status).toBe(200);

    const wrongKey = await get('KEY:v2', 'api-key-one');
    expect(wrongKey.status).toBe(401);
    expect(await wrongKey.text()).toBe('{"error":"unauthorized"}');
    expect((await get('KEY:v2')).status).toBe(401);
    expect((await get('KEY:v3', 'api-key-two')).status).toBe(401);

    clock.advance(86_400_000);
    expect((await get('KEY:v1', 'api-key-one')).status).toBe(401);
    expect(await decisions()).toEqual([
      'current',
      'previous',
      'current',
      'bad_key',
      'missing_key',
      'no_match',
      'previous_expired',
    ]);
  });
});

describe('verifyRef on untrusted headers', () => {
  it('answers every missing, garbage or oversized header with the same bare 401', async () => {
    server = await serve(routes());
    const good = await baton.sign('HOOK', BODY);
    const long = 'A'.repeat(12_000);
    const cases: Record<string, string>[] = [
      {},
      { 'x-baton-ref': '' },
      { 'x-baton-ref': 'not a ref' },
      { 'x-baton-ref': 'OTHER:v1' },
      { 'x-baton-ref': 'HOOK:v0' },
      { 'x-baton-ref': long },
      { 'x-baton-ref': `HOOK:v1${long}` },
      { 'x-baton-ref': good['x-baton-ref'] },
      { ...good, 'x-baton-timestamp': '' },
      { ...good, 'x-baton-timestamp': 'yesterday' },
      { ...good, 'x-baton-timestamp': '-1' },
      { ...good, 'x-baton-timestamp': '9'.repeat(400) },
      { ...good, 'x-baton-timestamp': '1e10' },
      { 'x-baton-ref': good['x-baton-ref'], 'x-baton-timestamp': good['x-baton-timestamp'] },
      { ...good, 'x-baton-signature': 'v1=' },
      { ...good, 'x-baton-signature': `v1=${'g'.repeat(64)}` },
      { ...good, 'x-baton-signature': `v2=${good['x-baton-signature'].slice(3)}` },
      { ...good, 'x-baton-signature': `v1=${'a'.repeat(12_000)}` },
      { ...good, 'x-baton-signature': `${good['x-baton-signature']}0` },
    ];
    const answers = new Set<string>();
    for (const headers of cases) {
      const response = await fetch(`${server.url}/hook`, { method: 'POST', headers, body: BODY });
      expect(response.status).toBe(401);
      answers.add(
        JSON.stringify({
          body: await response.text(),
          type: response.headers.get('content-type'),
          length: response.headers.get('content-length'),
          cache: response.headers.get('cache-control'),
        }),
      );
    }
    // Whatever went wrong, the caller sees one answer.
    expect([...answers]).toEqual([
      JSON.stringify({
        body: '{"error":"unauthorized"}',
        type: 'application/json; charset=utf-8',
        length: '24',
        cache: 'no-store',
      }),
    ]);
    // …and the audit log sees one event per request, with the reason.
    expect(await decisions()).toEqual([
      'missing_ref',
      'malformed',
      'malformed',
      'no_match',
      'malformed',
      'malformed',
      'malformed',
      'missing_timestamp',
      'malformed_timestamp',
      'malformed_timestamp',
      'malformed_timestamp',
      'malformed_timestamp',
      'malformed_timestamp',
      'missing_signature',
      'malformed_signature',
      'malformed_signature',
      'malformed_signature',
      'malformed_signature',
      'malformed_signature',
    ]);
    // Still serving.
    expect(
      (await fetch(`${server.url}/hook`, { method: 'POST', headers: good, body: BODY })).status,
    ).toBe(200);
  });

  it('refuses repeated proof headers and bytes outside ASCII, over the wire', async () => {
    server = await serve(routes());
    const good = await baton.sign('HOOK', BODY);
    const request = (headerLines: string[]) =>
      rawRequest(
        server?.port ?? 0,
        Buffer.concat([
          Buffer.from('POST /hook HTTP/1.1\r\nhost: x\r\nconnection: close\r\n'),
          Buffer.from(`${headerLines.join('\r\n')}\r\n`, 'latin1'),
          Buffer.from(`content-length: ${BODY.length}\r\n\r\n${BODY}`),
        ]),
      );
    const lines = (overrides: Record<string, string[]>) =>
      Object.entries({ ...good, ...overrides }).flatMap(([name, values]) =>
        (Array.isArray(values) ? values : [values]).map((value) => `${name}: ${value}`),
      );
    const accepted = await request(lines({}));
    expect(accepted.status).toBe(200);
    const overridesList: Record<string, string[]>[] = [
      { 'x-baton-ref': ['HOOK:v1', 'HOOK:v1'] },
      { 'x-baton-timestamp': [good['x-baton-timestamp'], good['x-baton-timestamp']] },
      { 'x-baton-signature': [good['x-baton-signature'], good['x-baton-signature']] },
      { 'x-baton-ref': ['HOOK:v1\u00e9\u00ff'] },
      { 'x-baton-signature': [`v1=\u00e9${good['x-baton-signature'].slice(4)}`] },
    ];
    for (const overrides of overridesList) {
      const response = await request(lines(overrides));
      expect(response.status).toBe(401);
      expect(response.body).toBe('{"error":"unauthorized"}');
    }
    expect(await decisions()).toEqual([
      'current',
      'malformed',
      'malformed_timestamp',
      'malformed_signature',
      'malformed',
      'malformed_signature',
    ]);
  });

  it('never sees headers over Node’s own limit: Node answers 431, not a 500', async () => {
    server = await serve(routes());
    const response = await rawRequest(
      server.port,
      `GET /items HTTP/1.1\r\nhost: x\r\nconnection: close\r\nx-baton-key: ${'k'.repeat(20_000)}\r\n\r\n`,
    );
    expect(response.status).toBe(431);
    expect((await fetch(`${server.url}/items`)).status).toBe(401);
  });

  it('refuses an oversized key with a 401', async () => {
    server = await serve(routes());
    const response = await fetch(`${server.url}/items`, {
      headers: { 'x-baton-ref': 'KEY:v1', 'x-baton-key': 'k'.repeat(12_000) },
    });
    expect(response.status).toBe(401);
    expect(await decisions()).toEqual(['malformed_key']);
  });
});

describe('verifyRef when the server cannot decide', () => {
  it('answers 503 when the accepted ref’s secret cannot be read: the caller may retry', async () => {
    server = await serve(routes());
    const headers = await baton.sign('HOOK', BODY);
    source.failWith = new Error('provider down');
    const response = await fetch(`${server.url}/hook`, { method: 'POST', headers, body: BODY });
    expect(response.status).toBe(503);
    expect(await response.text()).toBe('{"error":"unavailable"}');
    source.failWith = undefined;
    const retried = await fetch(`${server.url}/hook`, { method: 'POST', headers, body: BODY });
    expect(retried.status).toBe(200);
    expect(await decisions()).toEqual(['secret_unavailable', 'current']);
  });

  it('answers 503 while the registry cannot be loaded, then recovers', async () => {
    const inner = memoryStore();
    let down = true;
    const store: RegistryStore = {
      ...inner,
      // Like a file or database store: nothing is known before load() answers.
      loadSync: undefined,
      name: 'flaky',
      load: async () => {
        if (down) throw new Error('connection refused');
        return inner.load();
      },
      apply: (change, now) => inner.apply(change, now),
    };
    const seeded = createBaton({ sources: [source], registry: { store: inner }, audit: false });
    await seeded.register('KEY', 'KEY:v1');
    const fresh = createBaton({ sources: [source], registry: { store }, audit: audit.sink });
    const app = express();
    app.get('/items', verifyRef(fresh, { logical: 'KEY', proof: 'value' }), (req, res) =>
      res.json(req.baton),
    );
    server = await serve(app);
    const headers = { 'x-baton-ref': 'KEY:v1', 'x-baton-key': 'api-key-one' };
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (line: string) => warnings.push(line);
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        const refused = await fetch(`${server.url}/items`, { headers });
        expect(refused.status).toBe(503);
        expect(await refused.text()).toBe('{"error":"unavailable"}');
      }
    } finally {
      console.warn = warn;
    }
    expect(warnings).toEqual([
      expect.stringContaining(
        'refused a request for KEY with 503: the registry could not be loaded: Registry store "flaky"',
      ),
    ]);
    down = false;
    const accepted = await fetch(`${server.url}/items`, { headers });
    expect(await accepted.json()).toEqual({ logical: 'KEY', ref: 'KEY:v1', match: 'current' });
    await fresh.flush();
    expect(
      audit.events
        .filter((event) => event.type.startsWith('verify_'))
        .map((event) => event.reason ?? event.match),
    ).toEqual(['registry_unavailable', 'registry_unavailable', 'current']);
    await fresh.close();
    await seeded.close();
  });
});

describe('verifyRef options', () => {
  it('lets onReject answer instead, with the reason and status', async () => {
    const seen: VerifyRejection[] = [];
    const app = express();
    app.post(
      '/hook',
      verifyRef(baton, {
        logical: 'HOOK',
        limit: 8,
        onReject: (_req, res, rejection) => {
          seen.push(rejection);
          res.status(rejection.status).json({ error: 'nope', retry: rejection.status === 503 });
        },
      }),
      (_req, res) => res.json({}),
    );
    server = await serve(app);
    const headers = await baton.sign('HOOK', BODY.slice(0, 8));
    const refused = await fetch(`${server.url}/hook`, {
      method: 'POST',
      headers: { 'x-baton-ref': 'HOOK:v9' },
    });
    expect(await refused.json()).toEqual({ error: 'nope', retry: false });
    const big = await fetch(`${server.url}/hook`, { method: 'POST', headers, body: `${BODY} ` });
    expect(big.status).toBe(413);
    expect(seen).toEqual([
      { ok: false, reason: 'no_match', status: 401 },
      { ok: false, reason: 'body_too_large', status: 413 },
    ]);
  });

  it('rejects invalid options when the middleware is made, listing every problem', () => {
    expect(() => verifyRef(baton, { logical: 'HOOK:v1' })).toThrow(ConfigError);
    try {
      verifyRef({} as Baton, {
        logical: 'not valid',
        proof: 'password' as 'value',
        toleranceSec: Number.NaN,
        limit: -1,
        onReject: 'yes' as never,
      });
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigError).code).toBe('BATON_CONFIG');
      expect((error as ConfigError).issues).toHaveLength(6);
    }
  });
});
