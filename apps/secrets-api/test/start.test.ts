/**
 * The service as operators run it: `npm run api`'s entry in its own process, configured by
 * its environment, against the real PostgreSQL and a local JWKS issuer; and its commands.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expectNoSecrets } from '@baton-tools/test-kit';
import { AUDIENCE, ISSUER, type Issuer, startIssuer } from '@baton-tools/test-kit/jwks';
import { adminDatabase, DATABASE_URL, postgresAvailable } from '@baton-tools/test-kit/postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));
const run = promisify(execFile);
const available = await postgresAvailable();
const admin = adminDatabase();
const KEY_V1 = randomBytes(32).toString('base64');
const KEY_V2 = randomBytes(32).toString('base64');
const VALUE = 'canary-value-of-the-api-7b3e51';
/** Each command starts a process (tsx compiles on the fly): generous on a busy machine. */
const TIMEOUT = 120_000;
let issuer: Issuer;
let token: string;
let env: Record<string, string>;
let service: ChildProcess | undefined;
let output = '';

beforeAll(async () => {
  issuer = await startIssuer();
  token = await issuer.token({ sub: 'operator', scope: 'secrets:read secrets:write' });
  env = {
    PATH: process.env.PATH ?? '',
    BATON_API_DATABASE_URL: DATABASE_URL,
    BATON_API_JWKS_URL: issuer.jwksUrl,
    BATON_API_ISSUER: ISSUER,
    BATON_API_AUDIENCE: AUDIENCE,
    BATON_API_PORT: '0',
    BATON_API_SCHEMA: admin.schema('secrets_app'),
    SECRETS_API_KEY_V1: KEY_V1,
    SECRETS_API_KEY_V2: KEY_V2,
  };
});

afterAll(async () => {
  if (service?.exitCode === null) service.kill('SIGKILL');
  await issuer?.close();
  await admin.cleanup();
});

const node = ['--conditions=@baton/source', '--import', 'tsx', MAIN];

async function command(args: string[], extra: Record<string, string | undefined> = {}) {
  const result = await run(process.execPath, [...node, ...args], {
    env: { ...env, ...extra },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
  output += result.stdout + result.stderr;
  return result;
}

describe('configuration', () => {
  it(
    'refuses to start without a JWKS URL, naming every missing variable, exit code 2',
    async () => {
      const { code, stderr } = await command([], {
        BATON_API_JWKS_URL: '',
        BATON_API_AUDIENCE: undefined,
      });
      expect(code).toBe(2);
      expect(stderr).toContain('BATON_API_JWKS_URL is required');
      expect(stderr).toContain('there is no unauthenticated mode');
      expect(stderr).toContain('BATON_API_AUDIENCE is required');
    },
    TIMEOUT,
  );

  it.skipIf(!available)(
    'refuses a key that is not 32 bytes of base64, without printing it',
    async () => {
      const bad = 'this-is-not-a-good-key-value';
      const { code, stderr } = await command([], {
        SECRETS_API_KEY_V1: bad,
        BATON_API_SCHEMA: admin.schema('secrets_app_badkey'),
      });
      expect(code).toBe(2);
      expect(stderr).toContain(
        'Encryption key SECRETS_API_KEY:v1: its value must be 32 random bytes in base64',
      );
      expect(stderr).not.toContain(bad);
    },
    TIMEOUT,
  );
});

describe.skipIf(!available)('npm run api', () => {
  it(
    'serves, rotates its encryption key, re-encrypts, and prints no token and no value',
    async () => {
      service = spawn(process.execPath, node, { env, stdio: ['ignore', 'pipe', 'pipe'] });
      service.stdout?.on('data', (chunk) => (output += chunk));
      const url = await new Promise<string>((resolve, reject) => {
        let stderr = '';
        service?.stderr?.on('data', (chunk) => {
          stderr += chunk;
          output += chunk;
          const listening = /listening on (http:\/\/127\.0\.0\.1:\d+)\n/.exec(stderr);
          if (listening) resolve(listening[1] as string);
        });
        service?.once('exit', (code) => reject(new Error(`exited with ${code}: ${stderr}`)));
      });
      const call = async (method: string, path: string, body?: unknown) => {
        const response = await fetch(`${url}${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
        return { status: response.status, body: await response.json() };
      };
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect(
        await call('PATCH', '/secrets/app/key', { data: { value: VALUE }, version: 0 }),
      ).toEqual({
        status: 200,
        body: { path: 'app/key', version: 1 },
      });
      expect((await fetch(`${url}/secrets/app/key`)).status).toBe(401);

      const promoted = await command(['promote-key', 'SECRETS_API_KEY:v2']);
      expect(promoted.stderr).toContain('SECRETS_API_KEY:v2 encrypts new versions');
      // The running replica follows the promotion through the registry's notifications.
      await expect
        .poll(async () => {
          await call('PATCH', '/secrets/app/probe', { data: { value: 'probe' } });
          const { rows } = await admin.pool.query(
            `SELECT key_ref FROM "${env.BATON_API_SCHEMA}".secret_versions WHERE path = 'app/probe' ORDER BY version DESC LIMIT 1`,
          );
          return rows[0]?.key_ref;
        })
        .toBe('SECRETS_API_KEY:v2');
      const moved = await command(['reencrypt']);
      expect(moved.code).toBe(0);
      expect(moved.stderr).toMatch(/[1-9][0-9]* versions moved to SECRETS_API_KEY:v2/);
      expect((await call('GET', '/secrets/app/key')).body).toMatchObject({
        version: 1,
        data: { value: VALUE },
      });

      service.kill('SIGTERM');
      expect(await new Promise((resolve) => service?.once('exit', resolve))).toBe(0);
      expect(output).toContain('"msg":"request"');
      expectNoSecrets(output, [VALUE, token, KEY_V1, KEY_V2]);
    },
    TIMEOUT,
  );
});
