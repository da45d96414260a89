import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Baton } from '@baton/core';
import { manualClock } from '@baton/core/testing';
import { auditCollector } from '@baton-tools/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { APP_DIR, createExampleBaton } from '../src/example-baton.js';
import { serve } from './serve.js';

const HOUR = 3_600_000;
const EXAMPLE_ENV = join(APP_DIR, '.env.example');
const EVENT = JSON.stringify({ type: 'invoice.paid', id: 'in_1', amount: 1999 });

let clock: ReturnType<typeof manualClock>;
let audit: ReturnType<typeof auditCollector>;
let service: Baton;
/** The sending side: its own Baton over the same secrets, as the example's sender has. */
let sender: Baton;
let server: Awaited<ReturnType<typeof serve>>;

beforeEach(async () => {
  clock = manualClock();
  audit = auditCollector();
  service = await createExampleBaton({
    env: {},
    envFiles: [EXAMPLE_ENV],
    clock,
    audit: audit.sink,
  });
  sender = await createExampleBaton({ env: {}, envFiles: [EXAMPLE_ENV], clock, audit: false });
  server = await serve(createApp(service));
});

afterEach(async () => {
  await server.close();
  await service.close();
  await sender.close();
});

async function webhook(options: { ref?: string; body?: string; sent?: string } = {}) {
  const body = options.body ?? EVENT;
  const headers = await sender.sign('WEBHOOK_SECRET', body, { ref: options.ref });
  const response = await fetch(`${server.url}/webhooks/payments`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: options.sent ?? body,
  });
  return { status: response.status, body: await response.json() };
}

async function withKey(path: string, ref: string, init: RequestInit = {}) {
  const response = await fetch(`${server.url}${path}`, {
    ...init,
    headers: {
      'x-baton-ref': ref,
      'x-baton-key': await sender.getSecret(ref),
      ...(init.headers as Record<string, string> | undefined),
    },
  });
  return { status: response.status, body: await response.json() };
}

function promote(body: unknown, adminRef = 'ADMIN_KEY:v1') {
  return withKey('/admin/promote', adminRef, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function decisions(): Promise<string[]> {
  await service.flush();
  return audit.events
    .filter((event) => event.type.startsWith('verify_'))
    .map((event) => `${event.logical} ${event.match ?? event.reason}`);
}

describe('the example service', () => {
  it('accepts a signed webhook and refuses a tampered one', async () => {
    expect(await webhook()).toEqual({
      status: 200,
      body: { received: 'invoice.paid', ref: 'WEBHOOK_SECRET:v1', match: 'current' },
    });
    expect(await webhook({ sent: EVENT.replace('1999', '1') })).toEqual({
      status: 401,
      body: { error: 'unauthorized' },
    });
    expect(await webhook({ body: 'not json' })).toEqual({
      status: 400,
      body: { error: 'invalid_json' },
    });
    expect(await decisions()).toEqual([
      'WEBHOOK_SECRET current',
      'WEBHOOK_SECRET bad_signature',
      'WEBHOOK_SECRET current',
    ]);
  });

  it('serves the API to a caller with a valid key only', async () => {
    expect(await withKey('/api/reports', 'API_KEY:v1')).toEqual({
      status: 200,
      body: { reports: ['report.csv'], caller: 'API_KEY:v1', match: 'current' },
    });
    const wrong = await fetch(`${server.url}/api/reports`, {
      headers: { 'x-baton-ref': 'API_KEY:v1', 'x-baton-key': 'guess' },
    });
    expect(wrong.status).toBe(401);
    // A real key of another secret is no API key.
    const admin = await fetch(`${server.url}/api/reports`, {
      headers: { 'x-baton-ref': 'ADMIN_KEY:v1', 'x-baton-key': 'demo-admin-key-v1' },
    });
    expect(admin.status).toBe(401);
    expect(await decisions()).toEqual(['API_KEY current', 'API_KEY bad_key', 'API_KEY no_match']);
  });

  it('signs download links with the injected secret, and refuses expired or forged ones', async () => {
    const { body } = await withKey('/api/download-link', 'API_KEY:v1');
    const link = (body as { url: string }).url;
    expect(link).toMatch(/^\/downloads\/report\.csv\?expires=\d+&signature=[0-9a-f]{64}$/);
    const download = await fetch(`${server.url}${link}`);
    expect(download.status).toBe(200);
    expect(await download.text()).toContain('month,revenue');

    const forged = link.replace(
      /signature=./,
      (match) => `${match.slice(0, -1)}${match.endsWith('0') ? '1' : '0'}`,
    );
    expect((await fetch(`${server.url}${forged}`)).status).toBe(403);
    const otherFile = link.replace('report.csv', 'secrets.csv');
    expect((await fetch(`${server.url}${otherFile}`)).status).toBe(403);
    clock.advance(300_000);
    expect((await fetch(`${server.url}${link}`)).status).toBe(403);
    expect((await withKey('/api/download-link?file=nope.csv', 'API_KEY:v1')).status).toBe(404);
  });

  it('answers 503 when the injected secret is missing', async () => {
    const bare = await createExampleBaton({
      env: { API_KEY_V1: 'k1', WEBHOOK_SECRET_V1: 'w1', ADMIN_KEY_V1: 'a1' },
      envFiles: [],
      audit: false,
    });
    const other = await serve(createApp(bare));
    const response = await fetch(`${other.url}/api/download-link`, {
      headers: { 'x-baton-ref': 'API_KEY:v1', 'x-baton-key': 'k1' },
    });
    expect(response.status).toBe(503);
    expect(await response.text()).toBe('{"error":"unavailable"}');
    await other.close();
    await bare.close();
  });

  it('rolls WEBHOOK_SECRET over to v2 through the admin route, with a grace window for v1', async () => {
    clock.advance(HOUR);
    const promoted = await promote({ logical: 'WEBHOOK_SECRET', ref: 'WEBHOOK_SECRET:v2' });
    expect(promoted).toMatchObject({
      status: 200,
      body: {
        logical: 'WEBHOOK_SECRET',
        currentRef: 'WEBHOOK_SECRET:v2',
        previousRef: 'WEBHOOK_SECRET:v1',
        revision: 2,
      },
    });
    expect((await webhook({ ref: 'WEBHOOK_SECRET:v2' })).body.match).toBe('current');
    expect((await webhook({ ref: 'WEBHOOK_SECRET:v1' })).body.match).toBe('previous');

    // v1 was activated at start-up: under the default 24 h grace it is refused 23 h later.
    clock.advance(23 * HOUR - 1);
    expect((await webhook({ ref: 'WEBHOOK_SECRET:v1' })).status).toBe(200);
    clock.advance(1);
    expect(await webhook({ ref: 'WEBHOOK_SECRET:v1' })).toEqual({
      status: 401,
      body: { error: 'unauthorized' },
    });
    expect((await webhook({ ref: 'WEBHOOK_SECRET:v2' })).status).toBe(200);

    await service.flush();
    expect(audit.events.find((event) => event.type === 'promote')).toMatchObject({
      ref: 'WEBHOOK_SECRET:v2',
      previousRef: 'WEBHOOK_SECRET:v1',
      actor: 'admin ADMIN_KEY:v1',
    });
    expect(await decisions()).toEqual([
      'ADMIN_KEY current',
      'WEBHOOK_SECRET current',
      'WEBHOOK_SECRET previous',
      'WEBHOOK_SECRET previous',
      'WEBHOOK_SECRET previous_expired',
      'WEBHOOK_SECRET current',
    ]);
  });

  it('protects the admin routes with the admin key', async () => {
    const anonymous = await fetch(`${server.url}/admin/promote`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ logical: 'WEBHOOK_SECRET', ref: 'WEBHOOK_SECRET:v2' }),
    });
    expect(anonymous.status).toBe(401);
    const withApiKey = await withKey('/admin/status', 'API_KEY:v1');
    expect(withApiKey.status).toBe(401);
    expect(service.status('WEBHOOK_SECRET')?.currentRef).toBe('WEBHOOK_SECRET:v1');
    const status = await withKey('/admin/status', 'ADMIN_KEY:v1');
    expect(status.status).toBe(200);
    expect((status.body as { logical: string }[]).map((entry) => entry.logical)).toEqual([
      'ADMIN_KEY',
      'API_KEY',
      'WEBHOOK_SECRET',
    ]);
  });

  it('refuses promotions it cannot carry out, saying why', async () => {
    expect(await promote({ logical: 'WEBHOOK_SECRET', ref: 'WEBHOOK_SECRET:v9' })).toEqual({
      status: 409,
      body: {
        error: 'BATON_NOT_FOUND',
        message: `No value for WEBHOOK_SECRET:v9: set WEBHOOK_SECRET_V9 in the environment, or add WEBHOOK_SECRET_V9 to ${APP_DIR}.env.example (tried: env, .env.example)`,
      },
    });
    expect(await promote({ logical: 'WEBHOOK_SECRET', ref: 'API_KEY:v2' })).toEqual({
      status: 400,
      body: {
        error: 'bad_request',
        message: 'ref must be a ref of WEBHOOK_SECRET, such as WEBHOOK_SECRET:v2',
      },
    });
    expect(await promote({ logical: 'NOPE', ref: 'NOPE:v2' })).toEqual({
      status: 404,
      body: { error: 'no_entry', message: 'logical is not a registered name' },
    });
    expect((await promote({ ref: 'WEBHOOK_SECRET:v2' })).status).toBe(400);
    expect(await promote('{"logical":')).toEqual({ status: 400, body: { error: 'bad_request' } });
    expect(service.status('WEBHOOK_SECRET')?.revision).toBe(1);
  });
});

describe('the example’s secrets', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'example-express-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('come from the environment first, then .env, then .env.example', async () => {
    await writeFile(join(dir, '.env'), 'API_KEY_V1=from-dotenv\nADMIN_KEY_V1=admin-from-dotenv\n');
    const baton = await createExampleBaton({
      env: { API_KEY_V1: 'from-env' },
      envFiles: [join(dir, '.env'), EXAMPLE_ENV],
      audit: false,
    });
    expect(await baton.getSecrets(['API_KEY:v1', 'ADMIN_KEY:v1', 'WEBHOOK_SECRET:v1'])).toEqual({
      'API_KEY:v1': 'from-env',
      'ADMIN_KEY:v1': 'admin-from-dotenv',
      'WEBHOOK_SECRET:v1': 'demo-webhook-secret-v1',
    });
    expect(baton.status().map((entry) => entry.currentRef)).toEqual([
      'ADMIN_KEY:v1',
      'API_KEY:v1',
      'WEBHOOK_SECRET:v1',
    ]);
    await baton.close();
  });
});
