/**
 * The canary for the example: every route runs with known secret values, and nothing the
 * service answers or emits (response bodies and headers, audit events on stdout, metrics,
 * spans, stderr) may contain them.
 */

import { jsonLinesSink } from '@baton/core';
import { manualClock } from '@baton/core/testing';
import { captureOutput, expectNoSecrets, recordingTelemetry } from '@baton-tools/test-kit';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { createExampleBaton } from '../src/example-baton.js';
import { serve } from './serve.js';

const ENV = {
  WEBHOOK_SECRET_V1: 'whsec_CANARY_v1_0a1b2c3d',
  WEBHOOK_SECRET_V2: 'WHSEC_CANARY_V2_ref_shaped',
  API_KEY_V1: 'sk-canary-api-v1-!@#$',
  ADMIN_KEY_V1: 'canary-admin-key-v1-%%',
  DOWNLOAD_SIGNING_KEY: 'canary-download-signing-key',
};

describe('canary', () => {
  it('no secret value appears in anything the example answers or emits', async () => {
    const output = captureOutput();
    try {
      const telemetry = recordingTelemetry();
      const clock = manualClock();
      const options = { env: ENV, envFiles: [], clock };
      const service = await createExampleBaton({
        ...options,
        audit: jsonLinesSink(),
        telemetry: telemetry.options,
      });
      const sender = await createExampleBaton({ ...options, audit: false });
      const server = await serve(createApp(service));
      const responses: string[] = [];
      const call = async (path: string, init: RequestInit = {}) => {
        const response = await fetch(`${server.url}${path}`, init);
        const headers: string[] = [];
        response.headers.forEach((value, name) => {
          headers.push(`${name}: ${value}`);
        });
        const text = await response.text();
        responses.push(`${response.status} ${headers.join('; ')} ${text}`);
        return { status: response.status, text };
      };
      const keyed = (ref: string, key: string) => ({ 'x-baton-ref': ref, 'x-baton-key': key });
      const admin = keyed('ADMIN_KEY:v1', ENV.ADMIN_KEY_V1);
      const body = '{"type":"invoice.paid"}';

      const statuses: number[] = [];
      const signed = await sender.sign('WEBHOOK_SECRET', body);
      for (const sent of [body, `${body} `]) {
        statuses.push(
          (await call('/webhooks/payments', { method: 'POST', headers: signed, body: sent }))
            .status,
        );
      }
      for (const [ref, key] of [
        ['API_KEY:v1', ENV.API_KEY_V1],
        ['API_KEY:v1', ENV.ADMIN_KEY_V1],
        [ENV.API_KEY_V1, ENV.API_KEY_V1],
        [ENV.WEBHOOK_SECRET_V2, ENV.WEBHOOK_SECRET_V2],
      ] as const) {
        statuses.push((await call('/api/reports', { headers: keyed(ref, key) })).status);
      }
      const link = await call('/api/download-link', {
        headers: keyed('API_KEY:v1', ENV.API_KEY_V1),
      });
      statuses.push(link.status, (await call(JSON.parse(link.text).url)).status);
      statuses.push((await call('/admin/status', { headers: admin })).status);
      const promote = (payload: unknown) =>
        call('/admin/promote', {
          method: 'POST',
          headers: { ...admin, 'content-type': 'application/json' },
          body: JSON.stringify(payload),
        });
      statuses.push(
        (await promote({ logical: 'WEBHOOK_SECRET', ref: 'WEBHOOK_SECRET:v2' })).status,
      );
      statuses.push((await promote({ logical: 'API_KEY', ref: 'API_KEY:v2' })).status);
      statuses.push(
        (await promote({ logical: 'WEBHOOK_SECRET', ref: ENV.WEBHOOK_SECRET_V2 })).status,
      );
      statuses.push((await promote({ logical: ENV.API_KEY_V1, ref: ENV.API_KEY_V1 })).status);
      const v1 = await sender.sign('WEBHOOK_SECRET', body, { ref: 'WEBHOOK_SECRET:v1' });
      statuses.push(
        (await call('/webhooks/payments', { method: 'POST', headers: v1, body })).status,
      );

      expect(statuses).toEqual([
        200, 401, 200, 401, 401, 401, 200, 200, 200, 200, 409, 400, 404, 200,
      ]);
      await server.close();
      await service.close();
      await sender.close();

      output.add(responses);
      output.add(await telemetry.emitted());
      const everything = output.text();
      expect(everything).toContain('"type":"promote"'); // audit lines reached stdout
      expect(everything).toContain('month,revenue');
      expectNoSecrets(everything, Object.values(ENV));
    } finally {
      output.restore();
    }
  });
});
