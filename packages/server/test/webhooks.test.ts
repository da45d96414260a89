import type { AddressInfo } from 'node:net';
import { createBaton, defaultsSource } from '@baton/core';
import { verifyRef } from '@baton/express';
import { type Issuer, startIssuer } from '@baton-tools/test-kit/jwks';
import { adminDatabase, postgresAvailable } from '@baton-tools/test-kit/postgres';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newKey, type RunningService, startService } from './support/service.js';

const available = await postgresAvailable();
const admin = adminDatabase();
const HOOK_SECRET = 'webhook-signing-secret-4f1a9c';
let issuer: Issuer;
let api: RunningService;
let receiverUrl: string;
let closeReceiver: () => Promise<void>;
let writer: string;
/** What the receiver saw: every attempt's status, and each verified body. */
const attempts: { route: string; status: number }[] = [];
const verified: { route: string; body: Record<string, unknown>; ref: string | undefined }[] = [];
let failuresLeft = 2;

beforeAll(async () => {
  if (!available) return;
  issuer = await startIssuer();
  // The receiver's Baton knows the signing secret as the service's does: a ref, shared.
  const receiverBaton = createBaton({
    sources: [defaultsSource({ 'SECRETS_HOOK:v1': HOOK_SECRET })],
    audit: false,
  });
  await receiverBaton.register('SECRETS_HOOK', 'SECRETS_HOOK:v1');
  const app = express();
  const record =
    (route: string): express.RequestHandler =>
    (_req, res, next) => {
      res.on('finish', () => attempts.push({ route, status: res.statusCode }));
      if (route === 'flaky' && failuresLeft > 0) {
        failuresLeft--;
        res.status(503).end();
        return;
      }
      if (route === 'refusing') {
        res.status(400).end();
        return;
      }
      next();
    };
  for (const route of ['flaky', 'steady', 'refusing']) {
    app.post(
      `/${route}`,
      record(route),
      verifyRef(receiverBaton, { logical: 'SECRETS_HOOK' }),
      (req, res) => {
        verified.push({ route, body: JSON.parse(String(req.body)), ref: req.baton?.ref });
        res.status(204).end();
      },
    );
  }
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  receiverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  closeReceiver = () => new Promise((resolve) => server.close(() => resolve()));

  const serviceBaton = createBaton({
    sources: [defaultsSource({ SECRETS_API_KEY_V1: newKey(), 'SECRETS_HOOK:v1': HOOK_SECRET })],
    audit: false,
  });
  await serviceBaton.register('SECRETS_API_KEY', 'SECRETS_API_KEY:v1');
  await serviceBaton.register('SECRETS_HOOK', 'SECRETS_HOOK:v1');
  api = await startService(issuer, admin.schema('secrets_hooks'), {
    baton: serviceBaton,
    webhooks: [
      { prefix: 'billing', url: `${receiverUrl}/flaky`, logical: 'SECRETS_HOOK' },
      { prefix: '*', url: `${receiverUrl}/steady`, logical: 'SECRETS_HOOK' },
      { prefix: 'refused', url: `${receiverUrl}/refusing`, logical: 'SECRETS_HOOK' },
    ],
    webhookDelivery: { retryDelayMs: 20 },
  });
  writer = await issuer.token({ sub: 'deployer', scope: 'secrets:write' });
});

afterAll(async () => {
  await api?.close();
  await closeReceiver?.();
  await issuer?.close();
  await admin.cleanup();
});

const patch = (path: string, value: string) =>
  fetch(`${api.url}/secrets/${path}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' },
    body: JSON.stringify({ data: { value } }),
  });

describe.skipIf(!available)('signed webhooks', () => {
  it('posts each change to the targets of its prefix, signed so @baton/express verifyRef accepts it, retrying until delivered', async () => {
    expect((await patch('billing/stripe', 'sk-value-never-posted')).status).toBe(200);
    await expect
      .poll(() => verified.filter((entry) => entry.route === 'flaky').length, { timeout: 5_000 })
      .toBe(1);
    await expect.poll(() => verified.filter((entry) => entry.route === 'steady').length).toBe(1);
    expect(
      attempts.filter((entry) => entry.route === 'flaky').map((entry) => entry.status),
    ).toEqual([503, 503, 204]);
    const delivered = verified.find((entry) => entry.route === 'flaky');
    expect(delivered?.ref).toBe('SECRETS_HOOK:v1');
    expect(delivered?.body).toEqual({
      id: expect.any(Number),
      path: 'billing/stripe',
      version: 1,
      actor: 'deployer',
      at: expect.any(String),
    });
    expect(JSON.stringify(verified)).not.toContain('sk-value-never-posted');
  });

  it('posts nothing to a target whose prefix does not cover the path', async () => {
    const before = verified.filter((entry) => entry.route === 'flaky').length;
    await patch('payroll/key', 'x');
    await expect.poll(() => verified.filter((entry) => entry.route === 'steady').length).toBe(2);
    expect(verified.filter((entry) => entry.route === 'flaky')).toHaveLength(before);
  });

  it('gives up at once on a 4xx refusal and counts each outcome in the metrics', async () => {
    await patch('refused/key', 'x');
    await expect.poll(() => attempts.filter((entry) => entry.route === 'refusing').length).toBe(1);
    await expect
      .poll(async () =>
        (await (await fetch(`${api.url}/metrics`)).text()).includes(
          'baton_api_webhook_deliveries_total{outcome="rejected"} 1',
        ),
      )
      .toBe(true);
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    expect(metrics).toMatch(/baton_api_webhook_deliveries_total\{outcome="delivered"\} [3-9]/);
    expect(attempts.filter((entry) => entry.route === 'refusing')).toHaveLength(1);
  });
});
