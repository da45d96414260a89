/**
 * The canary for @baton/hono: the middleware runs with known secret values through every
 * path (accept, reject, unavailable, secrets injected and missing), and nothing emitted may
 * contain them: HTTP response bodies and headers, audit events (JSON lines on stdout),
 * metrics, spans, errors handed to app.onError, console output; at the edge's Fetch requests
 * and on a Node HTTP server alike.
 */

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type AuditEvent,
  computeSignature,
  createBaton,
  envSource,
  jsonLinesSink,
  type SecretSource,
} from '@baton/core';
import { manualClock } from '@baton/core/testing';
import { captureOutput, expectNoSecrets, recordingTelemetry } from '@baton-tools/test-kit';
import { getRequestListener } from '@hono/node-server';
import { Hono } from 'hono';
import { Webhook } from 'standardwebhooks';
import { expect, it } from 'vitest';
import { batonPerIsolate, secrets, verifyRef } from '../src/index.js';

const CANARY = 'sk-canary-hono-5e4d3c2b1a-!@#';
const CANARY_REF_SHAPED = 'ghp_CANARYhono0a1b2c3d4e5f60718293a4b5c';
const CANARY_KEY = 'canary-api-key-hono-90210';
const CANARY_WHSEC = `whsec_${btoa('canary-partner-hono-31f7a2')}`;

it('no secret value appears in anything the Hono middleware emits', async () => {
  const output = captureOutput();
  try {
    const telemetry = recordingTelemetry();
    const events: AuditEvent[] = [];
    const clock = manualClock();
    const failing: SecretSource = {
      name: 'failing',
      async get(ref) {
        if (ref.name === 'BROKEN') throw new Error(`upstream echoed ${CANARY} in its message`);
        return undefined;
      },
    };
    const bindings = {
      HOOK_V1: CANARY,
      HOOK_V2: CANARY_REF_SHAPED,
      API_V1: CANARY_KEY,
      PARTNER_V1: CANARY_WHSEC,
    };
    const baton = batonPerIsolate((env: typeof bindings) => {
      const instance = createBaton({
        sources: [failing, envSource({ env })],
        clock,
        audit: [(event) => events.push(event), jsonLinesSink()],
        telemetry: telemetry.options,
      });
      return instance;
    });
    const errors: unknown[] = [];
    const app = new Hono<{ Bindings: typeof bindings }>();
    app.onError((error, c) => {
      errors.push(error, (error as { cause?: unknown }).cause);
      return 'getResponse' in error
        ? (error as { getResponse(): Response }).getResponse()
        : c.text('', 500);
    });
    app.post('/hook', verifyRef(baton, { logical: 'HOOK' }), (c) => c.json(c.var.verifiedRef));
    app.post('/broken', verifyRef(baton, { logical: 'BROKEN' }), (c) => c.text('no'));
    app.get('/api', verifyRef(baton, { logical: 'API', proof: 'value' }), (c) => c.text('ok'));
    app.post(
      '/partner',
      verifyRef(baton, { logical: 'PARTNER', protocol: 'standard-webhooks' }),
      (c) => c.json(c.var.verifiedRef),
    );
    app.get('/secrets', secrets(baton, ['HOOK:v1', 'BROKEN:v1']), (c) => c.text('no'));
    app.get('/missing', secrets(baton, [CANARY_REF_SHAPED]), (c) => c.text('no'));

    const instance = baton({ env: bindings });
    await instance.register('HOOK', 'HOOK:v1');
    await instance.promote('HOOK', 'HOOK:v2');
    await instance.register('API', 'API:v1');
    await instance.register('BROKEN', 'BROKEN:v1');
    await instance.register('PARTNER', 'PARTNER:v1');

    const body = '{"n":1}';
    const ts = Math.floor(clock() / 1000);
    const sign = (secret: string, sent = body) => computeSignature(secret, ts, sent);
    const hook = (ref: unknown, signature: string, sent = body) =>
      app.request(
        '/hook',
        {
          method: 'POST',
          headers: {
            'x-baton-ref': String(ref),
            'x-baton-timestamp': String(ts),
            'x-baton-signature': signature,
          },
          body: sent,
        },
        bindings,
      );
    const responses: Response[] = [
      await hook('HOOK:v2', await sign(CANARY_REF_SHAPED)),
      await hook('HOOK:v1', await sign(CANARY)),
      await hook('HOOK:v2', await sign(CANARY_REF_SHAPED), '{"n":2}'),
      await hook(CANARY, await sign(CANARY)),
      await hook(CANARY_REF_SHAPED, await sign(CANARY)),
      await hook('HOOK:v2', CANARY),
      await hook('HOOK:v2', `v1=${CANARY}`),
      await app.request(
        '/broken',
        {
          method: 'POST',
          headers: {
            'x-baton-ref': 'BROKEN:v1',
            'x-baton-timestamp': String(ts),
            'x-baton-signature': await sign('x'),
          },
          body,
        },
        bindings,
      ),
    ];
    for (const key of [CANARY_KEY, CANARY, `${CANARY_KEY}x`]) {
      for (const ref of ['API:v1', CANARY_KEY, CANARY]) {
        responses.push(
          await app.request(
            '/api',
            { headers: { 'x-baton-ref': ref, 'x-baton-key': key } },
            bindings,
          ),
        );
      }
    }
    responses.push(await app.request('/secrets', {}, bindings));
    responses.push(await app.request('/missing', {}, bindings));
    // Standard Webhooks: signed by Baton, by the package, replayed, forged, a secret as the id.
    const partner = (headers: Record<string, string>) =>
      app.request('/partner', { method: 'POST', headers, body }, bindings);
    const standard = await instance.sign('PARTNER', body, { protocol: 'standard-webhooks' });
    responses.push(await partner(standard), await partner(standard));
    const theirs = {
      'webhook-id': 'msg_hono_canary',
      'webhook-timestamp': String(ts),
      'webhook-signature': new Webhook(CANARY_WHSEC).sign(
        'msg_hono_canary',
        new Date(clock()),
        body,
      ),
    };
    responses.push(await partner(theirs));
    responses.push(await partner({ ...theirs, 'webhook-id': CANARY_WHSEC }));
    responses.push(
      await partner({ ...theirs, 'webhook-signature': `v1,${btoa(CANARY).slice(0, 43)}=` }),
    );

    // The same app on a Node HTTP server, where the middleware reads the Node request itself.
    const server = createServer(getRequestListener(app.fetch));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const overNode = (ref: string, signature: string, sent = body) =>
      fetch(`${url}/hook`, {
        method: 'POST',
        headers: {
          'x-baton-ref': ref,
          'x-baton-timestamp': String(ts),
          'x-baton-signature': signature,
        },
        body: sent,
      });
    const nodeResponses = [
      await overNode('HOOK:v2', await sign(CANARY_REF_SHAPED)),
      await overNode('HOOK:v2', await sign(CANARY_REF_SHAPED), `{"n":"${CANARY}"}`),
      await overNode(CANARY, await sign(CANARY)),
      await overNode('HOOK:v2', `v1=${CANARY}`),
    ];
    await new Promise((resolve) => server.close(resolve));
    expect(nodeResponses.map((res) => res.status)).toEqual([200, 401, 401, 401]);
    responses.push(...nodeResponses);

    const statuses = responses.map((res) => res.status);
    expect(statuses).toEqual([
      200, 200, 401, 401, 401, 401, 401, 503, 200, 401, 401, 401, 401, 401, 401, 401, 401, 503, 503,
      200, 401, 200, 401, 401, 200, 401, 401, 401,
    ]);
    for (const res of responses) {
      output.add(await res.text());
      res.headers.forEach((value, name) => {
        output.add(`${name}: ${value}`);
      });
    }
    await baton({ env: bindings }).close();
    // Errors as a logger prints them: message, stack, properties and the cause chain.
    for (const error of errors) output.add(error);
    output.add(events.map((event) => JSON.stringify(event)));
    output.add(await telemetry.emitted());
    expect(errors.length).toBeGreaterThan(10);
    expect(events.some((event) => event.type === 'verify_reject')).toBe(true);

    const everything = output.text();
    expect(everything).toContain('verify_accept'); // the JSON-lines sink really wrote to stdout
    expectNoSecrets(everything, [
      CANARY,
      CANARY_REF_SHAPED,
      CANARY_KEY,
      CANARY_WHSEC,
      CANARY_WHSEC.slice(6),
    ]);
  } finally {
    output.restore();
  }
});
