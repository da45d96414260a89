/**
 * The canary: the Express adapter runs every feature with known secret values, and nothing
 * it answers or emits (response bodies and headers, audit events, metrics, spans, errors,
 * stdout, stderr, console) may contain them.
 */
import { inspect } from 'node:util';
import {
  type AuditEvent,
  computeSignature,
  createBaton,
  jsonLinesSink,
  type SecretSource,
} from '@baton/core';
import { manualClock } from '@baton/core/testing';
import { captureOutput, expectNoSecrets, recordingTelemetry } from '@baton-tools/test-kit';
import express, { type ErrorRequestHandler } from 'express';
import { describe, expect, it } from 'vitest';
import { injectSecrets, verifyRef } from '../src/index.js';
import { serve } from './http.js';

/** Parses as a ref name, as many real tokens do. */
const CANARY_REF_SHAPED = 'ghp_CANARY7f3a9c1e5b2d8f4a6c0e9b7d3f1a5c';
const CANARY_HOOK = 'whsec-canary-1b2c3d4e5f-!@#';
const CANARY_KEY = 'sk-canary-key-8e7d6c5b4a';
const CANARY_INJECTED = 'canary-injected-value-5150';
const CANARIES = [CANARY_REF_SHAPED, CANARY_HOOK, CANARY_KEY, CANARY_INJECTED];

describe('canary', () => {
  it('no secret value appears in anything the Express adapter answers or emits', async () => {
    const output = captureOutput();
    try {
      const telemetry = recordingTelemetry();
      const events: AuditEvent[] = [];
      const errors: unknown[] = [];
      const clock = manualClock();
      let failing = false;
      const values: Record<string, string> = {
        'HOOK:v1': CANARY_HOOK,
        'HOOK:v2': CANARY_REF_SHAPED,
        'API:v1': CANARY_KEY,
        INJECTED: CANARY_INJECTED,
      };
      const source: SecretSource = {
        name: 'canary',
        async get(ref) {
          if (failing) throw new Error(`upstream echoed ${CANARY_INJECTED} and ${CANARY_KEY}`);
          return values[ref.ref];
        },
      };
      const baton = createBaton({
        sources: [source],
        clock,
        cache: { ttlMs: 1000, missTtlMs: 1 },
        audit: [(event) => events.push(event), jsonLinesSink()],
        telemetry: telemetry.options,
      });
      await baton.register('HOOK', 'HOOK:v1');
      await baton.promote('HOOK', 'HOOK:v2');
      await baton.register('API', 'API:v1');

      const app = express();
      app.post('/hook', verifyRef(baton, { logical: 'HOOK' }), (req, res) => {
        output.add(inspect(req, { depth: 2 }));
        res.json({ caller: req.baton });
      });
      app.post('/parsed', express.json(), verifyRef(baton, { logical: 'HOOK' }), (_req, res) =>
        res.json({}),
      );
      app.get('/api', verifyRef(baton, { logical: 'API', proof: 'value' }), (req, res) =>
        res.json({ caller: req.baton }),
      );
      app.post(
        '/inject',
        verifyRef(baton, { logical: 'HOOK' }),
        injectSecrets(baton, ['INJECTED', 'HOOK:v1']),
        (req, res) => {
          output.add(inspect(req, { depth: 2 }));
          res.json({ injected: Object.keys(req.secrets ?? {}) });
        },
      );
      const recordErrors: ErrorRequestHandler = (error, _req, res, _next) => {
        errors.push(error);
        res.status(500).json({ error: 'internal' });
      };
      app.use(recordErrors);
      const server = await serve(app);

      const responses: string[] = [];
      const send = async (path: string, init: RequestInit = {}) => {
        const response = await fetch(`${server.url}${path}`, init);
        const headers: string[] = [];
        response.headers.forEach((value, name) => {
          headers.push(`${name}: ${value}`);
        });
        responses.push(`${response.status} ${headers.join('\n')} ${await response.text()}`);
        return response.status;
      };
      const body = JSON.stringify({ secret: 'none here' });
      const timestamp = Math.floor(clock() / 1000);
      const statuses: number[] = [];
      for (const ref of ['HOOK:v1', 'HOOK:v2']) {
        const signed = await baton.sign('HOOK', body, { ref });
        statuses.push(await send('/hook', { method: 'POST', headers: signed, body }));
        statuses.push(
          await send('/hook', { method: 'POST', headers: signed, body: `${body} tampered` }),
        );
      }
      // Secrets where refs and signatures belong, and signatures made with the wrong secret.
      for (const presented of [CANARY_HOOK, CANARY_REF_SHAPED, `HOOK:v1${CANARY_KEY}`]) {
        statuses.push(
          await send('/hook', {
            method: 'POST',
            headers: {
              'x-baton-ref': presented,
              'x-baton-timestamp': String(timestamp),
              'x-baton-signature': await computeSignature(CANARY_KEY, timestamp, body),
            },
            body,
          }),
        );
      }
      statuses.push(
        await send('/hook', {
          method: 'POST',
          headers: {
            'x-baton-ref': 'HOOK:v1',
            'x-baton-timestamp': String(timestamp),
            'x-baton-signature': CANARY_HOOK,
          },
          body,
        }),
      );
      statuses.push(
        await send('/parsed', {
          method: 'POST',
          headers: { ...(await baton.sign('HOOK', body)), 'content-type': 'application/json' },
          body,
        }),
      );
      for (const [ref, key] of [
        ['API:v1', CANARY_KEY],
        ['API:v1', CANARY_HOOK],
        ['API:v1', `${CANARY_KEY}x`],
        [CANARY_KEY, CANARY_KEY],
        [CANARY_REF_SHAPED, CANARY_REF_SHAPED],
      ] as const) {
        statuses.push(await send('/api', { headers: { 'x-baton-ref': ref, 'x-baton-key': key } }));
      }
      const signedV2 = await baton.sign('HOOK', body, { ref: 'HOOK:v2' });
      const signedV1 = await baton.sign('HOOK', body, { ref: 'HOOK:v1' });
      const inject = () => send('/inject', { method: 'POST', headers: signedV2, body });
      statuses.push(await inject());
      // A failing source whose error text echoes values: answered 503, never the text.
      failing = true;
      clock.advance(2000);
      baton.invalidate('INJECTED');
      baton.invalidate('HOOK:v1');
      statuses.push(await inject());
      statuses.push(await send('/hook', { method: 'POST', headers: signedV1, body }));
      failing = false;

      expect(statuses).toEqual([
        200, 401, 200, 401, 401, 401, 401, 401, 503, 200, 401, 401, 401, 401, 200, 503, 503,
      ]);
      await server.close();
      await baton.close();

      for (const error of errors)
        output.add(error instanceof Error ? `${error.message} ${error.stack}` : error);
      expect(errors).toEqual([]);
      output.add(responses);
      output.add(events.map((event) => JSON.stringify(event)));
      output.add(await telemetry.emitted());
      const everything = () => output.text();
      expect(events.filter((event) => event.type.startsWith('verify_')).length).toBe(17);
      expect(everything()).toContain('a body parser consumed the raw body');
      const all = everything();
      expect(all).toContain('verify_reject'); // the JSON-lines sink wrote to stdout
      expect(all).toContain('{"error":"unauthorized"}');
      expectNoSecrets(all, CANARIES);
    } finally {
      output.restore();
    }
  });
});
