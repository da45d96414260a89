import { request } from 'node:http';
import { manualClock } from '@baton/core/testing';
import { AUDIENCE, ISSUER, type Issuer, makeKey, startIssuer } from '@baton-tools/test-kit/jwks';
import { adminDatabase, postgresAvailable } from '@baton-tools/test-kit/postgres';
import { base64url, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwtAuth } from '../src/index.js';
import { type RunningService, startService } from './support/service.js';

const available = await postgresAvailable();
const admin = adminDatabase();
let issuer: Issuer;
let api: RunningService;

beforeAll(async () => {
  if (!available) return;
  issuer = await startIssuer();
  api = await startService(issuer, admin.schema('secrets_auth'));
  const writer = await issuer.token({ scope: 'secrets:write' });
  for (const path of ['billing/stripe', 'admin/root', 'billing-evil/x', 'billing']) {
    await send(
      'PATCH',
      `/secrets/${path}`,
      writer,
      JSON.stringify({ data: { value: `v-${path}` } }),
    );
  }
});

afterAll(async () => {
  await api?.close();
  await issuer?.close();
  await admin.cleanup();
});

/** A request with its path sent exactly as written (`fetch` would resolve `..` first). */
function send(method: string, path: string, token?: string, body?: string) {
  const url = new URL(api.url);
  return new Promise<{ status: number; body: string; authenticate: string | undefined }>(
    (resolve, reject) => {
      const req = request({
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: {
          ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
      });
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk) => (text += chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: text,
            authenticate: res.headers['www-authenticate'],
          }),
        );
      });
      req.on('error', reject);
      req.end(body);
    },
  );
}

const read = (path: string, token?: string) => send('GET', `/secrets/${path}`, token);

describe.skipIf(!available)('bearer tokens', () => {
  it('accepts a token signed by the issuer, and answers 401 with WWW-Authenticate without one', async () => {
    expect(
      (await read('billing/stripe', await issuer.token({ scope: 'secrets:read' }))).status,
    ).toBe(200);
    const missing = await read('billing/stripe');
    expect(missing.status).toBe(401);
    expect(missing.authenticate).toBe('Bearer realm="baton-secrets", error="invalid_token"');
    expect(JSON.parse(missing.body)).toEqual({ error: 'invalid_token' });
    expect((await send('GET', '/secrets/billing/stripe', 'not.a.jwt')).status).toBe(401);
    const basic = await new Promise<number>((resolve) => {
      const url = new URL(api.url);
      request({
        host: url.hostname,
        port: url.port,
        path: '/secrets/billing/stripe',
        headers: { authorization: 'Basic YWxpY2U6cHc=' },
      })
        .on('response', (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .end();
    });
    expect(basic).toBe(401);
  });

  const attacks: [string, () => Promise<string>][] = [
    [
      'signed with a key the JWKS does not publish (same kid)',
      async () => issuer.token({ scope: 'secrets:read', key: await makeKey('key-1') }),
    ],
    [
      'expired beyond the clock tolerance',
      () => issuer.token({ scope: 'secrets:read', expiresIn: -120 }),
    ],
    [
      'not valid before a time in the future',
      () => issuer.token({ scope: 'secrets:read', notBefore: 120 }),
    ],
    ['for another audience', () => issuer.token({ scope: 'secrets:read', aud: 'another-api' })],
    [
      'from another issuer',
      () => issuer.token({ scope: 'secrets:read', iss: 'https://evil.test/' }),
    ],
    [
      'with alg none',
      async () => {
        const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
        const now = Math.floor(Date.now() / 1000);
        const payload = base64url.encode(
          JSON.stringify({
            sub: 'mallory',
            iss: ISSUER,
            aud: AUDIENCE,
            exp: now + 300,
            scope: 'secrets:read',
          }),
        );
        return `${header}.${payload}.`;
      },
    ],
    [
      'HS256 signed with the published public key (JWK text as the HMAC key)',
      () =>
        new SignJWT({ scope: 'secrets:read' })
          .setProtectedHeader({ alg: 'HS256', kid: 'key-1' })
          .setSubject('mallory')
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setExpirationTime('5m')
          .sign(new TextEncoder().encode(JSON.stringify(issuer.publicJwk))),
    ],
    [
      'HS256 signed with the public key’s modulus',
      () =>
        new SignJWT({ scope: 'secrets:read' })
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('mallory')
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setExpirationTime('5m')
          .sign(base64url.decode(issuer.publicJwk.n as string)),
    ],
    [
      'with a kid the issuer never published',
      () => issuer.token({ scope: 'secrets:read', kid: 'who-knows' }),
    ],
  ];
  for (const [name, make] of attacks) {
    it(`refuses a token ${name} with 401`, async () => {
      const answer = await read('billing/stripe', await make());
      expect(answer.status).toBe(401);
      expect(answer.authenticate).toContain('error="invalid_token"');
      expect(answer.body).not.toContain('v-billing');
    });
  }

  it('accepts a token that expired within the clock tolerance', async () => {
    expect(
      (await read('billing/stripe', await issuer.token({ scope: 'secrets:read', expiresIn: -5 })))
        .status,
    ).toBe(200);
  });

  it('counts each refusal by reason in the metrics', async () => {
    const metrics = await (await fetch(`${api.url}/metrics`)).text();
    for (const reason of [
      'missing_token',
      'bad_signature',
      'expired',
      'not_yet_valid',
      'claims',
      'algorithm',
      'unknown_key',
    ]) {
      expect(metrics).toMatch(
        new RegExp(`baton_api_auth_failures_total\\{reason="${reason}"\\} [1-9]`),
      );
    }
  });

  it('takes scopes from scp as well as scope', async () => {
    expect(
      (await read('billing/stripe', await issuer.token({ scp: ['secrets:read'] }))).status,
    ).toBe(200);
  });
});

describe.skipIf(!available)('scopes', () => {
  it('answers 403 insufficient_scope to a valid token without the scope', async () => {
    const readOnly = await issuer.token({ scope: 'secrets:read' });
    const answer = await send(
      'PATCH',
      '/secrets/billing/stripe',
      readOnly,
      '{"data":{"value":"x"}}',
    );
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body)).toEqual({ error: 'insufficient_scope' });
    expect(answer.authenticate).toBe(
      'Bearer realm="baton-secrets", error="insufficient_scope", scope="secrets:write"',
    );
    expect(
      (await read('billing/stripe', await issuer.token({ scope: 'openid profile' }))).status,
    ).toBe(403);
  });

  it('lets a prefix scope reach the paths under its prefix and nothing else, whatever the path tricks', async () => {
    const billing = await issuer.token({ scope: 'secrets:read:billing secrets:write:billing' });
    expect((await read('billing/stripe', billing)).status).toBe(200);
    expect(
      (await send('PATCH', '/secrets/billing/new', billing, '{"data":{"value":"x"}}')).status,
    ).toBe(200);
    const refused: [string, number][] = [
      ['billing', 403],
      ['billing-evil/x', 403],
      ['admin/root', 403],
      ['billing/../admin/root', 400],
      ['billing/./stripe', 400],
      ['billing/%2E%2E/admin/root', 400],
      ['billing%2Fstripe', 400],
      ['billing%2F..%2Fadmin%2Froot', 400],
      ['billing/stripe/', 400],
      ['billing//stripe', 400],
      ['billing\\..\\admin/root', 400],
      ['..%2Fadmin/root', 400],
    ];
    for (const [path, status] of refused) {
      const answer = await read(path, billing);
      expect({ path, status: answer.status }).toEqual({ path, status });
      expect(answer.body).not.toContain('v-');
    }
    expect(
      (await send('PATCH', '/secrets/admin/root', billing, '{"data":{"value":"x"}}')).status,
    ).toBe(403);
    expect(
      (await send('PATCH', '/secrets/billing-evil/x', billing, '{"data":{"value":"x"}}')).status,
    ).toBe(403);
  });

  it('grants nothing for a prefix scope that is not a clean path', async () => {
    for (const scope of [
      'secrets:read:billing/',
      'secrets:read:../billing',
      'secrets:read:',
      'secrets:readbilling',
      'secrets:read:billing/*',
    ]) {
      expect({
        scope,
        status: (await read('billing/stripe', await issuer.token({ scope }))).status,
      }).toEqual({ scope, status: 403 });
    }
  });

  it('keeps read and write apart: a write scope does not read', async () => {
    expect(
      (await read('billing/stripe', await issuer.token({ scope: 'secrets:write' }))).status,
    ).toBe(403);
  });
});

describe.skipIf(!available)('the JWKS', () => {
  it('refetches once for an unknown kid after the cooldown, and not within it', async () => {
    const auth = jwtAuth({
      jwksUrl: issuer.jwksUrl,
      issuer: ISSUER,
      audience: AUDIENCE,
      jwksCooldownMs: 60_000,
    });
    const bearer = async (token: Promise<string>) => `Bearer ${await token}`;
    expect((await auth.authenticate(await bearer(issuer.token()))).ok).toBe(true);
    const before = issuer.fetches;
    // Within the cooldown, an unknown kid is refused without asking the issuer again.
    expect(await auth.authenticate(await bearer(issuer.token({ kid: 'unknown-1' })))).toEqual({
      ok: false,
      reason: 'unknown_key',
    });
    expect(issuer.fetches).toBe(before);

    const eager = jwtAuth({
      jwksUrl: issuer.jwksUrl,
      issuer: ISSUER,
      audience: AUDIENCE,
      jwksCooldownMs: 0,
    });
    expect((await eager.authenticate(await bearer(issuer.token()))).ok).toBe(true);
    const rotated = await issuer.addKey('key-2');
    const start = issuer.fetches;
    const result = await eager.authenticate(await bearer(issuer.token({ key: rotated })));
    expect(result.ok).toBe(true);
    expect(issuer.fetches).toBe(start + 1);
    expect((await eager.authenticate(await bearer(issuer.token({ key: rotated })))).ok).toBe(true);
    expect(issuer.fetches).toBe(start + 1);
  });

  it('remembers a verified token, but never past its exp', async () => {
    const clock = manualClock(Date.now());
    const auth = jwtAuth({ jwksUrl: issuer.jwksUrl, issuer: ISSUER, audience: AUDIENCE, clock });
    const header = `Bearer ${await issuer.token({ expiresIn: 120 })}`;
    expect((await auth.authenticate(header)).ok).toBe(true);
    clock.advance(100_000);
    expect((await auth.authenticate(header)).ok).toBe(true);
    clock.advance(60_000);
    expect(await auth.authenticate(header)).toEqual({ ok: false, reason: 'expired' });
  });

  it('answers 503, not 401, while the JWKS cannot be fetched', async () => {
    const auth = jwtAuth({
      jwksUrl: 'http://127.0.0.1:9/jwks.json',
      issuer: ISSUER,
      audience: AUDIENCE,
      jwksTimeoutMs: 500,
    });
    expect(await auth.authenticate(`Bearer ${await issuer.token()}`)).toEqual({
      ok: false,
      reason: 'jwks_unavailable',
    });
  });

  it('refuses an algorithm list that admits none or HS*', () => {
    for (const algorithms of [['none'], ['HS256'], ['RS256', 'hs512'], []]) {
      expect(() =>
        jwtAuth({ jwksUrl: issuer.jwksUrl, issuer: ISSUER, audience: AUDIENCE, algorithms }),
      ).toThrow(/algorithms must list asymmetric/);
    }
  });
});
