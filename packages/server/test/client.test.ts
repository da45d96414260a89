import { type Baton, createBaton } from '@baton/core';
import { type Issuer, startIssuer } from '@baton-tools/test-kit/jwks';
import { adminDatabase, postgresAvailable } from '@baton-tools/test-kit/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretsApiSource, VersionConflictError } from '../src/client/index.js';
import { keyBaton, type RunningService, startService } from './support/service.js';

const available = await postgresAvailable();
const admin = adminDatabase();
let issuer: Issuer;
let api: RunningService;
let schema: string;
let keys: Baton;
let token: string;
const batons: Baton[] = [];

beforeAll(async () => {
  if (!available) return;
  issuer = await startIssuer();
  schema = admin.schema('secrets_client');
  keys = await keyBaton();
  api = await startService(issuer, schema, { baton: keys });
  token = await issuer.token({ sub: 'app', scope: 'secrets:read secrets:write' });
});

afterAll(async () => {
  for (const baton of batons) await baton.close();
  await api?.close();
  await issuer?.close();
  await admin.cleanup();
});

function appBaton(options: Partial<Parameters<typeof secretsApiSource>[0]> = {}) {
  const source = secretsApiSource({ url: api.url, token, prefix: 'apps/', ...options });
  const baton = createBaton({ sources: [source], audit: false });
  batons.push(baton);
  return { baton, source };
}

async function patch(path: string, value: string) {
  const response = await fetch(`${api.url}/secrets/${path}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ data: { value } }),
  });
  expect(response.status).toBe(200);
}

describe.skipIf(!available)('secretsApiSource', () => {
  it('reads NAME:vN as version N of {prefix}NAME and NAME as the current version', async () => {
    const { baton, source } = appBaton();
    expect(await source.put('OPENAI_KEY:v1', 'key-one')).toEqual({ versionId: '1' });
    expect(await source.put('OPENAI_KEY:v2', 'key-two')).toEqual({ versionId: '2' });
    expect(await baton.getSecret('OPENAI_KEY:v1')).toBe('key-one');
    expect(await baton.getSecret('OPENAI_KEY:v2')).toBe('key-two');
    expect(await baton.getSecret('OPENAI_KEY')).toBe('key-two');
  });

  it('writes NAME:vN with check-and-set on N-1 and fails with BATON_CONFLICT when another writer got there first', async () => {
    const { source } = appBaton();
    await source.put('RACE_KEY:v1', 'first');
    const lost = await source.put('RACE_KEY:v1', 'second').catch((error: unknown) => error);
    expect(lost).toBeInstanceOf(VersionConflictError);
    expect(lost).toMatchObject({
      code: 'BATON_CONFLICT',
      path: 'apps/RACE_KEY',
      currentVersion: 1,
    });
    expect(String((lost as Error).message)).not.toContain('second');
  });

  it('answers absent for an unknown path or version, and says what to create', async () => {
    const { baton } = appBaton();
    const error = await baton.getSecret('NEVER_WRITTEN:v3').catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'BATON_NOT_FOUND' });
    expect((error as Error).message).toContain(
      'write version 3 of apps/NEVER_WRITTEN (key "value")',
    );
  });

  it('reads another field of the data when told, and answers absent when the field is missing', async () => {
    await fetch(`${api.url}/secrets/apps/DB`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ data: { url: 'postgres://db/app' } }),
    });
    expect(await appBaton({ field: 'url' }).baton.getSecret('DB')).toBe('postgres://db/app');
    await expect(appBaton().baton.getSecret('DB')).rejects.toMatchObject({
      code: 'BATON_NOT_FOUND',
    });
  });

  it('fails with the status and what to check when the token is refused, never the token', async () => {
    const { baton } = appBaton({ token: await issuer.token({ scope: 'secrets:read:other' }) });
    const error = await baton.getSecret('OPENAI_KEY').catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'BATON_SOURCE_FAILED' });
    const cause = (error as { cause?: Error }).cause;
    expect(cause?.message).toBe(
      'Secrets API, apps/OPENAI_KEY: the token lacks the scope for this path (HTTP 403)',
    );
  });

  it('refuses options it cannot use, all at once', () => {
    expect(() => secretsApiSource({ url: 'ftp://x', token, prefix: 'apps' })).toThrow(
      /url must be.*\n.*prefix must be/s,
    );
  });

  it('with watch, serves a new version at once instead of after the cache TTL', async () => {
    const { baton } = appBaton({ watch: true });
    await patch('apps/WATCHED', 'watched-one');
    expect(await baton.getSecret('WATCHED')).toBe('watched-one');
    await patch('apps/WATCHED', 'watched-two');
    await expect
      .poll(() => baton.getSecret('WATCHED'), { timeout: 5_000, interval: 5 })
      .toBe('watched-two');
  });

  it('with watch, drops every value read after a reconnect, so nothing changed meanwhile survives', async () => {
    const { baton } = appBaton({ watch: true, reconnectDelayMs: 20 });
    await patch('apps/OUTAGE', 'before');
    expect(await baton.getSecret('OUTAGE')).toBe('before');
    const port = Number(new URL(api.url).port);
    await api.close();
    // Written through another replica while this one (and the client's stream) is down.
    const other = await startService(issuer, schema, { baton: keys });
    await fetch(`${other.url}/secrets/apps/OUTAGE`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ data: { value: 'during' } }),
    });
    await other.close();
    // The same replica back at the same address: the client reconnects by itself.
    api = await startService(issuer, schema, { baton: keys }, port);
    await expect
      .poll(() => baton.getSecret('OUTAGE'), { timeout: 10_000, interval: 20 })
      .toBe('during');
  });
});
