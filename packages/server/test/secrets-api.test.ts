import { request as httpRequest } from 'node:http';
import { type Issuer, startIssuer } from '@baton-tools/test-kit/jwks';
import { adminDatabase, postgresAvailable } from '@baton-tools/test-kit/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningService, startService } from './support/service.js';

const available = await postgresAvailable();
const admin = adminDatabase();
let issuer: Issuer;
let api: RunningService;
let writer: string;
let reader: string;

beforeAll(async () => {
  if (!available) return;
  issuer = await startIssuer();
  api = await startService(issuer, admin.schema('secrets_api'), {
    validation: [
      {
        name: 'stripe-key',
        prefix: 'billing',
        requiredKeys: ['value'],
        formats: { value: 'stripe' },
      },
      { name: 'strong', prefix: 'signing', minLength: 16, minEntropyBits: 64 },
    ],
  });
  writer = await issuer.token({ sub: 'deployer', scope: 'secrets:read secrets:write' });
  reader = await issuer.token({ sub: 'app', scope: 'secrets:read' });
});

afterAll(async () => {
  await api?.close();
  await issuer?.close();
  await admin.cleanup();
});

async function call(
  method: string,
  path: string,
  options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
) {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: {
      ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...options.headers,
    },
    ...(options.body === undefined
      ? {}
      : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return {
    status: response.status,
    body: body as Record<string, unknown>,
    headers: response.headers,
  };
}

/** Sends bytes exactly as given, for requests `fetch` would refuse to make. */
function raw(text: string): Promise<string> {
  const url = new URL(api.url);
  return new Promise((resolve, reject) => {
    import('node:net').then(({ connect }) => {
      const socket = connect(Number(url.port), url.hostname, () => socket.end(text));
      let answer = '';
      socket.setEncoding('utf8').on('data', (chunk) => (answer += chunk));
      socket.on('end', () => resolve(answer)).on('error', reject);
    });
  });
}

describe.skipIf(!available)('the secrets API over HTTP', () => {
  it('keeps every version: PATCH creates the next one, GET reads the current or any by ?version', async () => {
    const first = await call('PATCH', '/secrets/app/db', {
      token: writer,
      body: { data: { url: 'postgres://one' }, version: 0 },
    });
    expect(first).toMatchObject({ status: 200, body: { path: 'app/db', version: 1 } });
    const second = await call('PATCH', '/secrets/app/db', {
      token: writer,
      body: { data: { url: 'postgres://two' }, version: 1 },
    });
    expect(second.body).toEqual({ path: 'app/db', version: 2 });

    const current = await call('GET', '/secrets/app/db', { token: reader });
    expect(current.status).toBe(200);
    expect(current.body).toMatchObject({
      path: 'app/db',
      version: 2,
      data: { url: 'postgres://two' },
    });
    expect(new Date(current.body.createdAt as string).getTime()).toBeGreaterThan(0);
    expect(current.headers.get('cache-control')).toBe('no-store');
    const old = await call('GET', '/secrets/app/db?version=1', { token: reader });
    expect(old.body).toMatchObject({ version: 1, data: { url: 'postgres://one' } });
  });

  it('answers the history as a bare array of versions with actor and time, no values', async () => {
    await call('PATCH', '/secrets/app/history', {
      token: writer,
      body: { data: { v: 'first-value' } },
    });
    await call('PATCH', '/secrets/app/history', {
      token: writer,
      body: { data: { v: 'second-value' } },
    });
    const history = await call('GET', '/secrets/app/history/versions', { token: reader });
    expect(history.status).toBe(200);
    expect(Array.isArray(history.body)).toBe(true);
    expect(history.body).toEqual([
      { version: 1, createdAt: expect.any(String), actor: 'deployer' },
      { version: 2, createdAt: expect.any(String), actor: 'deployer' },
    ]);
    expect(JSON.stringify(history.body)).not.toContain('value');
  });

  it('refuses a check-and-set on a stale version with 409 and the current version', async () => {
    await call('PATCH', '/secrets/app/cas', {
      token: writer,
      body: { data: { k: 'a' }, version: 0 },
    });
    const stale = await call('PATCH', '/secrets/app/cas', {
      token: writer,
      body: { data: { k: 'b' }, version: 0 },
    });
    expect(stale).toMatchObject({
      status: 409,
      body: { error: 'version_conflict', currentVersion: 1 },
    });
    const ahead = await call('PATCH', '/secrets/app/cas', {
      token: writer,
      body: { data: { k: 'b' }, version: 5 },
    });
    expect(ahead.body).toEqual({ error: 'version_conflict', currentVersion: 1 });
    const missing = await call('PATCH', '/secrets/app/never', {
      token: writer,
      body: { data: { k: 'b' }, version: 3 },
    });
    expect(missing.body).toEqual({ error: 'version_conflict', currentVersion: 0 });
  });

  it('writes unconditionally when the PATCH has no version', async () => {
    for (const value of ['x1', 'x2', 'x3']) {
      await call('PATCH', '/secrets/app/free', { token: writer, body: { data: { k: value } } });
    }
    expect((await call('GET', '/secrets/app/free', { token: reader })).body).toMatchObject({
      version: 3,
      data: { k: 'x3' },
    });
  });

  it('answers 404 for an unknown path or version', async () => {
    expect((await call('GET', '/secrets/app/unknown', { token: reader })).status).toBe(404);
    expect((await call('GET', '/secrets/app/db?version=99', { token: reader })).status).toBe(404);
    expect((await call('GET', '/secrets/app/unknown/versions', { token: reader })).status).toBe(
      404,
    );
  });

  it('answers 422 with the rule and the key when data breaks a path’s rules, never the value', async () => {
    const wrongShape = await call('PATCH', '/secrets/billing/stripe', {
      token: writer,
      body: { data: { value: 'not-a-stripe-key-9c1f' } },
    });
    expect(wrongShape).toMatchObject({
      status: 422,
      body: { error: 'validation_failed', rule: 'stripe-key', check: 'format', key: 'value' },
    });
    expect(JSON.stringify(wrongShape.body)).not.toContain('not-a-stripe-key');
    const missing = await call('PATCH', '/secrets/billing/stripe', {
      token: writer,
      body: { data: { other: 'x' } },
    });
    expect(missing.body).toMatchObject({ rule: 'stripe-key', check: 'required', key: 'value' });
    const weak = await call('PATCH', '/secrets/signing/hmac', {
      token: writer,
      body: { data: { key: 'aaaaaaaaaaaaaaaaaaaaaaaa' } },
    });
    expect(weak.body).toMatchObject({ rule: 'strong', check: 'min_entropy', key: 'key' });
    const short = await call('PATCH', '/secrets/signing/hmac', {
      token: writer,
      body: { data: { key: 'Xy7#q' } },
    });
    expect(short.body).toMatchObject({ rule: 'strong', check: 'min_length' });
    const good = await call('PATCH', '/secrets/billing/stripe', {
      token: writer,
      body: { data: { value: 'sk_live_4eC39HqLyjWDarjtT1zdp7dc' } },
    });
    expect(good.status).toBe(200);
    expect(
      (
        await call('PATCH', '/secrets/elsewhere/free', {
          token: writer,
          body: { data: { value: 'x' } },
        })
      ).status,
    ).toBe(200);
  });

  it('answers every malformed request with a clear 4xx and keeps serving', async () => {
    const patch = (body: string, headers: Record<string, string> = {}) =>
      call('PATCH', '/secrets/app/malformed', { token: writer, body, headers });
    expect(await patch('{"data": ')).toMatchObject({
      status: 400,
      body: { error: 'invalid_json' },
    });
    expect((await patch('[1,2]')).body).toMatchObject({ error: 'invalid_body' });
    expect((await patch('{"data":{"k":1}}')).body).toMatchObject({ error: 'invalid_body' });
    expect((await patch('{"data":{}}')).body).toMatchObject({ error: 'invalid_body' });
    expect((await patch('{"data":{"k":"v"},"version":-1}')).body).toMatchObject({
      error: 'invalid_body',
    });
    expect((await patch('{"data":{"k":"v"},"version":"1"}')).body).toMatchObject({
      error: 'invalid_body',
    });
    expect((await patch('{"data":{"k":"v"},"versoin":1}')).body).toMatchObject({
      error: 'invalid_body',
    });
    expect((await patch('{"data":{"k":"v"}}', { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await patch(JSON.stringify({ data: { k: 'x'.repeat(70_000) } }))).status).toBe(413);
    expect((await call('GET', '/secrets/app/db?version=abc', { token: reader })).body).toEqual({
      error: 'invalid_version',
    });
    expect((await call('GET', '/secrets/app/db?version=0', { token: reader })).status).toBe(400);
    expect((await call('GET', '/secrets/app/%ZZ', { token: reader })).body).toMatchObject({
      error: 'invalid_path',
    });
    expect((await call('DELETE', '/secrets/app/db', { token: writer })).status).toBe(405);
    expect((await call('POST', '/events', { token: reader })).status).toBe(405);
    expect((await call('GET', '/nowhere')).status).toBe(404);
    expect(
      (await call('PATCH', '/secrets/app/versions', { token: writer, body: { data: { k: 'v' } } }))
        .status,
    ).toBe(400);
    expect(
      (await call('GET', '/events', { token: reader, headers: { 'last-event-id': 'abc' } })).status,
    ).toBe(400);

    const huge = await call('GET', '/secrets/app/db', {
      token: reader,
      headers: { 'x-filler': 'a'.repeat(20_000) },
    });
    expect(huge.status).toBe(431);
    expect(
      await raw('GET /secrets/app/db HTTP/1.1\r\nHost: x\r\nContent-Length: nope\r\n\r\n'),
    ).toMatch(/^HTTP\/1\.1 400 /);
    expect(await raw('NOT A REQUEST\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
    const chunkedTooLarge = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${api.url}/secrets/app/malformed`, {
        method: 'PATCH',
        headers: {
          authorization: `Bearer ${writer}`,
          'content-type': 'application/json',
          'transfer-encoding': 'chunked',
        },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 100; i++) req.write('x'.repeat(1_000));
      req.end();
    });
    expect(chunkedTooLarge).toBe(413);
    expect((await call('GET', '/healthz')).status).toBe(200);
    expect(api.logs.filter((line) => line.level === 'error')).toEqual([]);
  });

  it('answers /healthz with 200 while the database answers', async () => {
    expect(await call('GET', '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
  });

  it('serves Prometheus metrics: requests by route template and status, CAS conflicts, latency; no paths', async () => {
    const response = await fetch(`${api.url}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toMatch(
      /baton_api_requests_total\{route="\/secrets\/\{path\}",method="PATCH",status="200"\} [1-9]/,
    );
    expect(text).toMatch(
      /baton_api_requests_total\{route="\/secrets\/\{path\}",method="PATCH",status="409"\} [1-9]/,
    );
    expect(text).toMatch(/baton_api_cas_conflicts_total [1-9]/);
    expect(text).toMatch(/baton_api_validation_failures_total\{rule="stripe-key"\} [1-9]/);
    expect(text).toMatch(
      /baton_api_request_duration_seconds_bucket\{le="0.05",route="\/secrets\/\{path\}",method="GET"\} [1-9]/,
    );
    expect(text).not.toContain('app/db');
  });
});
