/**
 * The canary: the service runs through its features and failures with known secret values
 * (written, read, refused by validation, too large, malformed, moved between rows), a known
 * encryption key and webhook secret, and known bearer tokens; nothing it emits (its log on
 * stdout, errors, metrics, events, webhooks, history, audit events, telemetry) may contain
 * a value, a key or a token, and no table may hold a value in the clear.
 */
import { type AuditEvent, createBaton, defaultsSource } from '@baton/core';
import { captureOutput, expectNoSecrets, recordingTelemetry } from '@baton-tools/test-kit';
import { AUDIENCE, ISSUER, startIssuer } from '@baton-tools/test-kit/jwks';
import { adminDatabase, DATABASE_URL, postgresAvailable } from '@baton-tools/test-kit/postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { secretsApiSource } from '../src/client/index.js';
import { createSecretsService } from '../src/index.js';
import { newKey } from './support/service.js';
import { type EventStream, openEvents } from './support/sse.js';

const available = await postgresAvailable();
const VALUE = 'sk-canary-secret-value-3c9e1f7a';
const OTHER = 'canary-second-value-8b2d4e6f';
const REFUSED = 'canary-refused-by-rule-5a7c';
const HOOK_SECRET = 'canary-webhook-secret-1e3f5a7b';
const KEY = newKey();

describe.skipIf(!available)('canary', () => {
  const admin = adminDatabase();
  afterAll(() => admin.cleanup());

  it('no value, key or token appears in anything the service emits, and no table holds a value', async () => {
    const issuer = await startIssuer();
    const writer = await issuer.token({
      sub: 'canary-writer',
      scope: 'secrets:read secrets:write',
    });
    const expired = await issuer.token({ scope: 'secrets:read', expiresIn: -600 });
    const tokens = [writer, expired];
    const output = captureOutput();
    const events: AuditEvent[] = [];
    const telemetry = recordingTelemetry();
    const emitted: string[] = [];
    const hooks: string[] = [];
    let stream: EventStream | undefined;
    const schema = admin.schema('secrets_canary');
    const receiver = (await import('node:http')).createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        hooks.push(JSON.stringify(req.headers) + body);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const hookUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
    try {
      const baton = createBaton({
        sources: [defaultsSource({ SECRETS_API_KEY_V1: KEY, 'HOOK:v1': HOOK_SECRET })],
        audit: (event) => events.push(event),
        telemetry: telemetry.options,
      });
      await baton.register('SECRETS_API_KEY', 'SECRETS_API_KEY:v1');
      await baton.register('HOOK', 'HOOK:v1');
      // The default log: JSON lines on stdout, captured.
      const service = createSecretsService({
        connectionString: DATABASE_URL,
        schema,
        auth: { jwksUrl: issuer.jwksUrl, issuer: ISSUER, audience: AUDIENCE },
        baton,
        validation: [{ name: 'long', prefix: 'checked', minLength: 64 }],
        webhooks: [{ prefix: '*', url: hookUrl, logical: 'HOOK' }],
      });
      const { url } = await service.listen();
      stream = await openEvents(url, writer);
      await stream.waitFor('ready');
      const call = async (method: string, path: string, body?: string, token = writer) => {
        const response = await fetch(`${url}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body }),
        });
        response.headers.forEach((value, name) => {
          emitted.push(`${name}: ${value}`);
        });
        const text = await response.text();
        // A successful read answers the value to its reader: that is the API, not a leak.
        if (!(method === 'GET' && response.status === 200 && !path.endsWith('/versions'))) {
          emitted.push(text);
        }
        return response.status;
      };
      expect(
        await call('PATCH', '/secrets/canary/a', JSON.stringify({ data: { value: VALUE } })),
      ).toBe(200);
      expect(
        await call(
          'PATCH',
          '/secrets/canary/a',
          JSON.stringify({ data: { value: OTHER }, version: 1 }),
        ),
      ).toBe(200);
      expect(
        await call(
          'PATCH',
          '/secrets/canary/a',
          JSON.stringify({ data: { value: OTHER }, version: 1 }),
        ),
      ).toBe(409);
      expect(
        await call('PATCH', '/secrets/checked/b', JSON.stringify({ data: { value: REFUSED } })),
      ).toBe(422);
      expect(await call('PATCH', '/secrets/canary/c', `{"data":{"value":"${VALUE}"`)).toBe(400);
      expect(
        await call(
          'PATCH',
          '/secrets/canary/c',
          JSON.stringify({ data: { value: 7, other: VALUE } }),
        ),
      ).toBe(400);
      expect(
        await call(
          'PATCH',
          '/secrets/canary/c',
          JSON.stringify({ data: { value: VALUE.repeat(3_000) } }),
        ),
      ).toBe(413);
      expect(await call('PATCH', `/secrets/${VALUE}/../x`, '{}')).toBe(400);
      expect(await call('GET', '/secrets/canary/a', undefined, expired)).toBe(401);
      expect(await call('GET', '/secrets/canary/a')).toBe(200);
      expect(await call('GET', '/secrets/canary/a/versions')).toBe(200);
      await stream.waitFor('change', 2);
      // A row whose ciphertext was moved: the failure is logged by path, never by value.
      await admin.pool.query(
        `UPDATE "${schema}".secret_versions SET ciphertext = (SELECT ciphertext FROM "${schema}".secret_versions WHERE version = 2) WHERE version = 1`,
      );
      expect(await call('GET', '/secrets/canary/a?version=1')).toBe(500);

      const client = createBaton({
        sources: [secretsApiSource({ url, token: writer, prefix: 'canary/', watch: true })],
        audit: (event) => events.push(event),
        telemetry: telemetry.options,
      });
      expect(await client.getSecret('CLIENT:v1').catch((error: unknown) => error)).toMatchObject({
        code: 'BATON_NOT_FOUND',
      });
      await secretsApiSource({ url, token: writer, prefix: 'canary/' }).put('CLIENT:v1', VALUE);
      // The miss was cached; the change event drops it.
      await expect.poll(() => client.getSecret('CLIENT:v1').catch(() => undefined)).toBe(VALUE);
      const refused = secretsApiSource({ url, token: expired, prefix: 'canary/' });
      output.add(
        await refused
          .get({ name: 'CLIENT', version: 1, ref: 'CLIENT:v1' })
          .catch((error: unknown) => error),
      );
      output.add(await refused.put('CLIENT:v2', VALUE).catch((error: unknown) => error));
      output.add(
        await secretsApiSource({ url, token: writer, prefix: 'canary/' })
          .put('CLIENT:v1', OTHER)
          .catch((error: unknown) => error),
      );
      await client.close();
      await expect.poll(() => hooks.length).toBeGreaterThanOrEqual(3);

      output.add(await (await fetch(`${url}/metrics`)).text());
      stream.close();
      await service.close();
      await baton.close();
    } finally {
      output.restore();
      receiver.close();
      await issuer.close();
    }
    const tables = await admin.pool.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1`,
      [schema],
    );
    const stored: string[] = [];
    for (const { table_name: table } of tables.rows) {
      const { rows } = await admin.pool.query(`SELECT * FROM "${schema}"."${table}"`);
      stored.push(
        JSON.stringify(rows, (_key, value) =>
          value?.type === 'Buffer' ? Buffer.from(value.data).toString('latin1') : value,
        ),
      );
    }
    expect(tables.rows.length).toBeGreaterThanOrEqual(2);
    const everything = [
      output.text(),
      emitted.join('\n'),
      JSON.stringify(stream?.events),
      hooks.join('\n'),
      JSON.stringify(events),
      await telemetry.emitted(),
    ].join('\n');
    expect(everything).toContain('"path":"canary/a"');
    expect(output.text()).toContain('"msg":"request"');
    expect(output.text()).toContain('baton_api_requests_total');
    expectNoSecrets(everything, [VALUE, OTHER, REFUSED, HOOK_SECRET, KEY, ...tokens]);
    expectNoSecrets(stored.join('\n'), [VALUE, OTHER, REFUSED, HOOK_SECRET, KEY, ...tokens]);
  });
});
