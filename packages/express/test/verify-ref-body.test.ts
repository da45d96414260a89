import { connect } from 'node:net';
import { type Baton, createBaton, defaultsSource } from '@baton/core';
import { auditCollector, deferred } from '@baton-tools/test-kit';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { verifyRef } from '../src/index.js';
import { rawRequest, type Served, serve } from './http.js';

const BODY = JSON.stringify({ type: 'invoice.paid', id: 42 });

let baton: Baton;
let audit: ReturnType<typeof auditCollector>;
let server: Served | undefined;
let errors: unknown[];

beforeEach(async () => {
  audit = auditCollector();
  errors = [];
  baton = createBaton({
    sources: [defaultsSource({ 'HOOK:v1': 'hook-secret-one', 'KEY:v1': 'api-key-one' })],
    audit: audit.sink,
  });
  await baton.register('HOOK', 'HOOK:v1');
  await baton.register('KEY', 'KEY:v1');
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  await baton.close();
});

/** A route that answers what the handler after verifyRef received as req.body. */
function app(before: RequestHandler[], options: Partial<Parameters<typeof verifyRef>[1]> = {}) {
  const application: Express = express();
  application.post(
    '/hook',
    ...before,
    verifyRef(baton, { logical: 'HOOK', ...options }),
    (req, res) => {
      res.json({
        kind: Buffer.isBuffer(req.body) ? 'buffer' : typeof req.body,
        text: Buffer.isBuffer(req.body) ? req.body.toString('utf8') : req.body,
      });
    },
  );
  const recordErrors: ErrorRequestHandler = (error, _req, res, _next) => {
    errors.push(error);
    res.status(500).json({ error: 'internal' });
  };
  application.use(recordErrors);
  return application;
}

async function signedPost(body = BODY, contentType = 'application/json'): Promise<Response> {
  const headers = await baton.sign('HOOK', body);
  return fetch(`${server?.url}/hook`, {
    method: 'POST',
    headers: { ...headers, 'content-type': contentType },
    body,
  });
}

describe('verifyRef and the request body', () => {
  it('reads the body itself when nothing parsed it, and leaves the bytes in req.body', async () => {
    server = await serve(app([]));
    const response = await signedPost();
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ kind: 'buffer', text: BODY });
  });

  it('uses the Buffer that express.raw() left', async () => {
    server = await serve(app([express.raw({ type: '*/*' })]));
    const response = await signedPost();
    expect(await response.json()).toEqual({ kind: 'buffer', text: BODY });
  });

  it('reads the body itself when express.raw() skipped a content type it does not match', async () => {
    // express.raw() only takes application/octet-stream by default.
    server = await serve(app([express.raw()]));
    const response = await signedPost();
    expect(await response.json()).toEqual({ kind: 'buffer', text: BODY });
  });

  it('reads the body when express.json() skipped it for another content type', async () => {
    server = await serve(app([express.json()]));
    const response = await signedPost('plain text', 'text/plain');
    expect(await response.json()).toEqual({ kind: 'buffer', text: 'plain text' });
  });

  it('answers 401 to a request presenting nothing verifiable after express.json(), and 503 to a signed one, saying once how to fix the app', async () => {
    server = await serve(app([express.json()]));
    const warnings = captureWarnings();
    try {
      const unsigned = await fetch(`${server.url}/hook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: BODY,
      });
      expect(unsigned.status).toBe(401);
      expect(await unsigned.text()).toBe('{"error":"unauthorized"}');
      for (let attempt = 0; attempt < 3; attempt++) {
        const signed = await signedPost();
        expect(signed.status).toBe(503);
        expect(await signed.text()).toBe('{"error":"unavailable"}');
      }
    } finally {
      warnings.restore();
    }
    expect(errors).toEqual([]);
    expect(warnings.lines).toHaveLength(1);
    expect(warnings.lines[0]).toContain('cannot verify signed requests for HOOK');
    expect(warnings.lines[0]).toContain('req.body is an object');
    expect(warnings.lines[0]).toContain("express.raw({ type: '*/*' })");
    await baton.flush();
    expect(
      audit.events.filter((event) => event.type === 'verify_reject').map((event) => event.reason),
    ).toEqual(['missing_ref', 'body_consumed', 'body_consumed', 'body_consumed']);
  });

  it('says the same for express.text() and express.urlencoded()', async () => {
    server = await serve(app([express.text(), express.urlencoded()]));
    const warnings = captureWarnings();
    try {
      expect((await signedPost('a=1', 'application/x-www-form-urlencoded')).status).toBe(503);
      expect((await signedPost('text', 'text/plain')).status).toBe(503);
    } finally {
      warnings.restore();
    }
    expect(errors).toEqual([]);
    expect(warnings.lines).toHaveLength(1);
    expect(warnings.lines[0]).toContain('req.body is an object');
  });

  it('answers 413 for a body over the limit, declared or streamed, and keeps serving', async () => {
    server = await serve(app([], { limit: 1024 }));
    const big = 'x'.repeat(1025);
    const declared = await signedPost(big);
    expect(declared.status).toBe(413);
    expect(await declared.text()).toBe('{"error":"payload_too_large"}');

    // Chunked: no content-length, so the limit is found while reading.
    const headers = await baton.sign('HOOK', big);
    const chunks = [big.slice(0, 600), big.slice(600)];
    const streamed = await fetch(`${server.url}/hook`, {
      method: 'POST',
      headers,
      body: new ReadableStream({
        pull(controller) {
          const next = chunks.shift();
          if (next === undefined) controller.close();
          else controller.enqueue(new TextEncoder().encode(next));
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(await streamed.text()).toBe('{"error":"payload_too_large"}');

    const exact = await signedPost('y'.repeat(1024));
    expect(exact.status).toBe(200);
    expect(errors).toEqual([]);
  });

  it('defaults to a 1 MiB limit', async () => {
    server = await serve(app([]));
    expect((await signedPost('z'.repeat(1_048_576))).status).toBe(200);
    expect((await signedPost('z'.repeat(1_048_577))).status).toBe(413);
  });

  it('answers 413 to a client still sending, over a raw connection', async () => {
    server = await serve(app([], { limit: 16 }));
    const signed = Object.entries(await baton.sign('HOOK', 'A'.repeat(32)))
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('');
    const response = await rawRequest(
      server.port,
      `POST /hook HTTP/1.1\r\nhost: x\r\nconnection: close\r\ntransfer-encoding: chunked\r\n${signed}\r\n` +
        '20\r\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n0\r\n\r\n',
    );
    expect(response.status).toBe(413);
    expect(response.body).toBe('{"error":"payload_too_large"}');
  });

  it('stays calm when the caller hangs up halfway through its body', async () => {
    const arrived = deferred();
    const gone = deferred();
    const watch: RequestHandler = (req, _res, next) => {
      req.once('close', gone.resolve);
      arrived.resolve();
      next();
    };
    server = await serve(app([watch]));
    const headers = await baton.sign('HOOK', BODY);
    const socket = connect(server.port, '127.0.0.1');
    socket.write(
      `POST /hook HTTP/1.1\r\nhost: x\r\ncontent-length: 100\r\n${Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('')}\r\n${BODY}`,
    );
    await arrived.promise;
    socket.destroy();
    await gone.promise;
    expect((await signedPost()).status).toBe(200);
    expect(errors).toEqual([]);
    await baton.flush();
    // The caller that went away is refused (and audited) without an answer.
    expect(
      audit.events
        .filter((event) => event.type.startsWith('verify_'))
        .map((event) => event.reason ?? event.match),
    ).toEqual(['body_aborted', 'current']);
  });

  it('does not read the body for value proof, so a later parser still can', async () => {
    const application = express();
    application.post(
      '/items',
      verifyRef(baton, { logical: 'KEY', proof: 'value' }),
      express.json(),
      (req, res) => res.json({ parsed: req.body }),
    );
    application.post(
      '/parsed-first',
      express.json(),
      verifyRef(baton, { logical: 'KEY', proof: 'value' }),
      (req, res) => res.json({ parsed: req.body }),
    );
    server = await serve(application);
    for (const path of ['/items', '/parsed-first']) {
      const response = await fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-baton-ref': 'KEY:v1',
          'x-baton-key': 'api-key-one',
        },
        body: '{"name":"widget"}',
      });
      expect(await response.json()).toEqual({ parsed: { name: 'widget' } });
    }
  });

  it('does not read the body for proof none either', async () => {
    const application = express();
    application.post(
      '/ping',
      verifyRef(baton, { logical: 'KEY', proof: 'none' }),
      express.json(),
      (req, res) => res.json({ parsed: req.body, caller: req.baton }),
    );
    server = await serve(application);
    const response = await fetch(`${server.url}/ping`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-baton-ref': 'KEY:v1' },
      body: '{"n":1}',
    });
    expect(await response.json()).toEqual({
      parsed: { n: 1 },
      caller: { logical: 'KEY', ref: 'KEY:v1', match: 'current' },
    });
  });
});

/** Collects what Baton logs through console.warn. */
function captureWarnings() {
  const lines: string[] = [];
  const warn = console.warn;
  console.warn = (line: string) => lines.push(line);
  return { lines, restore: () => (console.warn = warn) };
}
