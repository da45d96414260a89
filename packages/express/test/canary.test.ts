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
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { injectSecrets, verifyRef } from '../src/index.js';
import { serve } from './http.js';

/** Parses as a ref name, as many real tokens do. */
const CANARY_REF_SHAPED = 'ghp_CANARY7f3a9c1e5b2d8f4a6c0e9b7d3f1a5c';
const CANARY_HOOK = 'whsec-canary-1b2c3d4e5f-!@#';
const CANARY_KEY = 'sk-canary-key-8e7d6c5b4a';
const CANARY_INJECTED = 'canary-injected-value-5150';
const CANARY_PARTNER_V1 = `whsec_${Buffer.from('canary-partner-one-4b5c6d').toString('base64')}`;
const CANARY_PARTNER_V2 = `whsec_${Buffer.from('canary-partner-two-7e8f9a').toString('base64')}`;
const CANARIES = [
  CANARY_REF_SHAPED,
  CANARY_HOOK,
  CANARY_KEY,
  CANARY_INJECTED,
  CANARY_PARTNER_V1,
  CANARY_PARTNER_V2,
  CANARY_PARTNER_V1.slice(6),
  CANARY_PARTNER_V2.slice(6),
];

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
        'PARTNER:v1': CANARY_PARTNER_V1,
        'PARTNER:v2': CANARY_PARTNER_V2,
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
      await baton.register('PARTNER', 'PARTNER:v1');
      await baton.promote('PARTNER', 'PARTNER:v2');

      const app = express();
      app.post(
        '/partner',
        verifyRef(baton, { logical: 'PARTNER', protocol: 'standard-webhooks' }),
        (req, res) => {
          output.add(inspect(req, { depth: 2 }));
          res.json({ caller: req.baton });
        },
      );
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
      // Standard Webhooks: both signatures during grace, a replay, the package's own signature
      // with the old secret, a forged one, and secrets where the id belongs; x-baton-id too.
      const webhookStatuses: number[] = [];
      const partner = (headers: Record<string, string>) =>
        send('/partner', { method: 'POST', headers, body });
      const standard = await baton.sign('PARTNER', body, { protocol: 'standard-webhooks' });
      webhookStatuses.push(await partner(standard), await partner(standard));
      const theirs = new Webhook(CANARY_PARTNER_V1).sign('msg_theirs', new Date(clock()), body);
      webhookStatuses.push(
        await partner({
          'webhook-id': 'msg_theirs',
          'webhook-timestamp': String(timestamp),
          'webhook-signature': theirs,
        }),
      );
      for (const id of [CANARY_PARTNER_V1, CANARY_KEY, `${CANARY_HOOK} x`]) {
        webhookStatuses.push(await partner({ ...standard, 'webhook-id': id }));
      }
      webhookStatuses.push(
        await partner({
          ...standard,
          'webhook-signature': new Webhook(CANARY_PARTNER_V2).sign(
            'msg_other',
            new Date(clock()),
            body,
          ),
        }),
      );
      const withId = await baton.sign('HOOK', body, { id: 'evt_canary' });
      webhookStatuses.push(
        await send('/hook', { method: 'POST', headers: withId, body }),
        await send('/hook', { method: 'POST', headers: withId, body }),
      );
      expect(webhookStatuses).toEqual([200, 401, 200, 401, 401, 401, 401, 200, 401]);

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
      expect(events.filter((event) => event.type.startsWith('verify_')).length).toBe(26);
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
