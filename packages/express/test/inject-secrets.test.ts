import { inspect } from 'node:util';
import { type Baton, ConfigError, createBaton } from '@baton/core';
import { auditCollector, testSource } from '@baton-tools/test-kit';
import express from 'express';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { injectSecrets } from '../src/index.js';
import { type Served, serve } from './http.js';

let baton: Baton;
let source: ReturnType<typeof testSource>;
let server: Served | undefined;

beforeEach(() => {
  source = testSource(
    'test',
    { 'OPENAI_KEY:v2': 'openai-two', DB_PASSWORD: 'db-pass', 'SIGNING:v1': 'signing-one' },
    { batch: true },
  );
  baton = createBaton({ sources: [source], audit: auditCollector().sink });
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  await baton.close();
});

describe('injectSecrets', () => {
  it('puts resolved values on req.secrets, keyed as given, read in one batch', async () => {
    const app = express();
    app.get('/', injectSecrets(baton, ['OPENAI_KEY:V2', 'DB_PASSWORD']), (req, res) => {
      res.json({
        lengths: Object.fromEntries(
          Object.entries(req.secrets ?? {}).map(([ref, value]) => [ref, value.length]),
        ),
        matches: req.secrets?.['OPENAI_KEY:V2'] === 'openai-two',
      });
    });
    server = await serve(app);
    const response = await fetch(server.url);
    expect(await response.json()).toEqual({
      lengths: { 'OPENAI_KEY:V2': 10, DB_PASSWORD: 7 },
      matches: true,
    });
    expect(source.calls.getMany).toEqual([['OPENAI_KEY:v2', 'DB_PASSWORD']]);
    // Cached: a second request asks the source nothing.
    await fetch(server.url);
    expect(source.calls.getMany).toHaveLength(1);
    expect(source.calls.get).toEqual([]);
  });

  it('adds to the secrets of an earlier injectSecrets on the same route', async () => {
    const app = express();
    app.get(
      '/',
      injectSecrets(baton, ['DB_PASSWORD']),
      injectSecrets(baton, ['SIGNING:v1']),
      (req, res) => res.json(Object.keys(req.secrets ?? {})),
    );
    server = await serve(app);
    expect(await (await fetch(server.url)).json()).toEqual(['DB_PASSWORD', 'SIGNING:v1']);
  });

  it('keeps the values out of anything that prints the request', async () => {
    let printed = '';
    const app = express();
    app.get('/', injectSecrets(baton, ['DB_PASSWORD']), (req, res) => {
      printed = `${inspect(req, { depth: 1 })}${JSON.stringify(Object.keys(req))}`;
      res.json({ has: req.secrets?.DB_PASSWORD === 'db-pass' });
    });
    server = await serve(app);
    expect(await (await fetch(server.url)).json()).toEqual({ has: true });
    expect(printed).toContain('IncomingMessage');
    expect(printed).not.toContain('db-pass');
  });

  it('answers 503 with a bare body when a secret cannot be resolved, and recovers', async () => {
    const app = express();
    app.get('/', injectSecrets(baton, ['OPENAI_KEY:v2', 'MISSING:v1']), (_req, res) =>
      res.json({ ok: true }),
    );
    app.get('/failing', injectSecrets(baton, ['SIGNING:v1']), (_req, res) =>
      res.json({ ok: true }),
    );
    server = await serve(app);
    const missing = await fetch(server.url);
    expect(missing.status).toBe(503);
    expect(await missing.text()).toBe('{"error":"unavailable"}');

    source.failWith = new Error('throttled: quota exceeded for openai-two');
    const failing = await fetch(`${server.url}/failing`);
    expect(failing.status).toBe(503);
    expect(await failing.text()).toBe('{"error":"unavailable"}');
    source.failWith = undefined;
    expect((await fetch(`${server.url}/failing`)).status).toBe(200);
  });

  it('leaves an audit event and one log line saying what to create when a secret is missing', async () => {
    const audit = auditCollector();
    const own = createBaton({ sources: [source], audit: audit.sink });
    const app = express();
    app.get('/', injectSecrets(own, ['OPENAI_KEY:v2', 'MISSING:v1']), (_req, res) =>
      res.json({ ok: true }),
    );
    server = await serve(app);
    const warnings: string[] = [];
    const warn = console.warn;
    console.warn = (line: string) => warnings.push(line);
    try {
      expect((await fetch(server.url)).status).toBe(503);
      expect((await fetch(server.url)).status).toBe(503);
    } finally {
      console.warn = warn;
    }
    expect(warnings).toEqual([
      '[baton] refused a request with 503: No value for MISSING:v1 in any source (tried: test)',
    ]);
    await own.flush();
    expect(audit.events.filter((event) => event.type === 'inject_reject')).toEqual(
      Array(2).fill(expect.objectContaining({ ref: 'MISSING:v1', reason: 'secret_unavailable' })),
    );
    await own.close();
  });

  it('hands the error to onError when given', async () => {
    const seen: unknown[] = [];
    const app = express();
    app.get(
      '/',
      injectSecrets(baton, ['MISSING:v1'], {
        onError: (_req, res, error) => {
          seen.push(error);
          res.status(502).json({ error: 'upstream' });
        },
      }),
      (_req, res) => res.json({ ok: true }),
    );
    server = await serve(app);
    const response = await fetch(server.url);
    expect(response.status).toBe(502);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ code: 'BATON_NOT_FOUND', ref: 'MISSING:v1' });
  });

  it('rejects refs that do not parse when the middleware is made, without echoing them', () => {
    try {
      injectSecrets(baton, ['GOOD:v1', 'sk-live-oops', 'ALSO GOOD']);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).issues).toEqual([
        'refs[1] is not a ref (NAME or NAME:vN)',
        'refs[2] is not a ref (NAME or NAME:vN)',
      ]);
      expect((error as Error).message).not.toContain('sk-live-oops');
    }
    expect(() => injectSecrets(baton, 'DB_PASSWORD' as never)).toThrow(ConfigError);
  });
});
