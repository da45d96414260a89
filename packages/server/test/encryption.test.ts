import { createBaton, defaultsSource } from '@baton/core';
import { AUDIENCE, ISSUER, type Issuer, startIssuer } from '@baton-tools/test-kit/jwks';
import { adminDatabase, DATABASE_URL, postgresAvailable } from '@baton-tools/test-kit/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretsService, EncryptionKeyError } from '../src/index.js';
import { newKey, type RunningService, startService } from './support/service.js';

const available = await postgresAvailable();
const admin = adminDatabase();
let issuer: Issuer;
let token: string;
const running: RunningService[] = [];

beforeAll(async () => {
  if (!available) return;
  issuer = await startIssuer();
  token = await issuer.token({ sub: 'ops', scope: 'secrets:read secrets:write' });
});

afterAll(async () => {
  for (const api of running) await api.close();
  await issuer?.close();
  await admin.cleanup();
});

async function start(
  schema: string,
  values: Record<string, string>,
  current = 'SECRETS_API_KEY:v1',
) {
  const baton = createBaton({ sources: [defaultsSource(values)], audit: false });
  await baton.register('SECRETS_API_KEY', current);
  const api = await startService(issuer, schema, { baton });
  running.push(api);
  return api;
}

const headers = () => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
const write = (api: RunningService, path: string, value: string) =>
  fetch(`${api.url}/secrets/${path}`, {
    method: 'PATCH',
    headers: headers(),
    body: JSON.stringify({ data: { value } }),
  });
const read = async (api: RunningService, path: string, version?: number) => {
  const response = await fetch(
    `${api.url}/secrets/${path}${version ? `?version=${version}` : ''}`,
    { headers: headers() },
  );
  return {
    status: response.status,
    body: (await response.json()) as { data?: { value: string }; error?: string },
  };
};
const rows = async (schema: string) =>
  (
    await admin.pool.query<{ path: string; version: number; key_ref: string; ciphertext: Buffer }>(
      `SELECT path, version, key_ref, ciphertext FROM "${schema}".secret_versions ORDER BY seq`,
    )
  ).rows;

describe.skipIf(!available)('values at rest', () => {
  it('stores ciphertext under the key ref that encrypted it, never the value', async () => {
    const schema = admin.schema('secrets_rest');
    const api = await start(schema, { SECRETS_API_KEY_V1: newKey() });
    await write(api, 'rest/a', 'plain-value-at-rest-51c2');
    const [row] = await rows(schema);
    expect(row?.key_ref).toBe('SECRETS_API_KEY:v1');
    expect(row?.ciphertext.toString('latin1')).not.toContain('plain-value-at-rest');
    const everything = await admin.pool.query(`SELECT * FROM "${schema}".secret_versions`);
    expect(JSON.stringify(everything.rows)).not.toContain('plain-value-at-rest');
  });

  it('refuses a ciphertext moved to another row: it is bound to its path and version', async () => {
    const schema = admin.schema('secrets_moved');
    const api = await start(schema, { SECRETS_API_KEY_V1: newKey() });
    await write(api, 'moved/secret', 'the-real-secret-8d1e');
    await write(api, 'moved/decoy', 'decoy');
    await admin.pool.query(
      `UPDATE "${schema}".secret_versions d SET iv = s.iv, ciphertext = s.ciphertext
         FROM "${schema}".secret_versions s WHERE d.path = 'moved/decoy' AND s.path = 'moved/secret'`,
    );
    const answer = await read(api, 'moved/decoy');
    expect(answer).toEqual({ status: 500, body: { error: 'undecryptable' } });
    const logged = JSON.stringify(api.logs);
    expect(logged).toContain('moved/decoy');
    expect(logged).not.toContain('the-real-secret');
  });
});

describe.skipIf(!available)('rotating the encryption key', () => {
  it('encrypts with the new key, keeps old versions readable, and re-encrypt moves them', async () => {
    const schema = admin.schema('secrets_rotate');
    const keys = { SECRETS_API_KEY_V1: newKey(), SECRETS_API_KEY_V2: newKey() };
    const before = await start(schema, keys);
    await write(before, 'rotate/a', 'a-one');
    await write(before, 'rotate/a', 'a-two');
    await write(before, 'rotate/b', 'b-one');

    const baton = createBaton({ sources: [defaultsSource(keys)], audit: false });
    await baton.register('SECRETS_API_KEY', 'SECRETS_API_KEY:v1');
    await baton.promote('SECRETS_API_KEY', 'SECRETS_API_KEY:v2');
    const after = await startService(issuer, schema, { baton });
    running.push(after);
    await write(after, 'rotate/a', 'a-three');
    expect((await rows(schema)).map((row) => row.key_ref)).toEqual([
      'SECRETS_API_KEY:v1',
      'SECRETS_API_KEY:v1',
      'SECRETS_API_KEY:v1',
      'SECRETS_API_KEY:v2',
    ]);
    expect((await read(after, 'rotate/a', 1)).body.data?.value).toBe('a-one');
    expect((await read(after, 'rotate/a')).body.data?.value).toBe('a-three');

    expect(await after.service.reencrypt()).toEqual({
      moved: 3,
      failed: 0,
      keyRef: 'SECRETS_API_KEY:v2',
    });
    expect(new Set((await rows(schema)).map((row) => row.key_ref))).toEqual(
      new Set(['SECRETS_API_KEY:v2']),
    );

    // The old key can go now: a service without it reads every version.
    const only = { SECRETS_API_KEY_V2: keys.SECRETS_API_KEY_V2 };
    const later = await start(schema, only, 'SECRETS_API_KEY:v2');
    for (const [path, version, value] of [
      ['rotate/a', 1, 'a-one'],
      ['rotate/a', 2, 'a-two'],
      ['rotate/a', 3, 'a-three'],
      ['rotate/b', 1, 'b-one'],
    ] as const) {
      expect((await read(later, path, version)).body.data?.value).toBe(value);
    }
  });

  it('answers 500 undecryptable, naming the key ref, for a version whose key is gone before re-encrypting', async () => {
    const schema = admin.schema('secrets_gone');
    const keys = { SECRETS_API_KEY_V1: newKey(), SECRETS_API_KEY_V2: newKey() };
    await write(await start(schema, keys), 'gone/a', 'old-value');
    const later = await start(
      schema,
      { SECRETS_API_KEY_V2: keys.SECRETS_API_KEY_V2 },
      'SECRETS_API_KEY:v2',
    );
    expect(await read(later, 'gone/a')).toEqual({ status: 500, body: { error: 'undecryptable' } });
    expect(JSON.stringify(later.logs)).toContain('SECRETS_API_KEY:v1 is not available');
    expect(await later.service.reencrypt()).toEqual({
      moved: 0,
      failed: 1,
      keyRef: 'SECRETS_API_KEY:v2',
    });
  });

  it('refuses to start with a key that is not 32 bytes of base64, without printing it', async () => {
    for (const value of [
      'too-short-key-value',
      Buffer.alloc(16, 7).toString('base64'),
      `${newKey()}!`,
    ]) {
      const baton = createBaton({
        sources: [defaultsSource({ SECRETS_API_KEY_V1: value })],
        audit: false,
      });
      await baton.register('SECRETS_API_KEY', 'SECRETS_API_KEY:v1');
      const service = createSecretsService({
        connectionString: DATABASE_URL,
        schema: admin.schema('secrets_badkey'),
        auth: { jwksUrl: issuer.jwksUrl, issuer: ISSUER, audience: AUDIENCE },
        baton,
        log: false,
      });
      const error = await service.ready().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(EncryptionKeyError);
      expect((error as Error).message).toMatch(
        /SECRETS_API_KEY:v1: its value must be 32 random bytes in base64/,
      );
      expect((error as Error).message).not.toContain(value);
      await service.close();
    }
  });

  it('refuses to start when the key has no registry entry, saying which ref to register', async () => {
    const service = createSecretsService({
      connectionString: DATABASE_URL,
      schema: admin.schema('secrets_nokey'),
      auth: { jwksUrl: issuer.jwksUrl, issuer: ISSUER, audience: AUDIENCE },
      baton: createBaton({ sources: [], audit: false }),
      log: false,
    });
    await expect(service.ready()).rejects.toThrow(
      /register the key's first ref \(SECRETS_API_KEY:v1\)/,
    );
    await service.close();
  });
});
