/**
 * The edge claim of `@baton/server/client`, proven: a Worker bundled with it (workspace
 * packages from their sources) runs in workerd through Miniflare and reads and writes
 * secrets through the API over real HTTP. The bundle's inputs show the client pulls in no
 * Node built-in and none of the server's code.
 */

import { type Issuer, startIssuer } from '@baton-tools/test-kit/jwks';
import { adminDatabase, postgresAvailable } from '@baton-tools/test-kit/postgres';
import { bundleForWorkerd, type WorkerdBundle } from '@baton-tools/test-kit/workerd';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningService, startService } from './support/service.js';

const available = await postgresAvailable();
const admin = adminDatabase();
let issuer: Issuer;
let api: RunningService;
let mf: Miniflare;
let script: string;
let metafile: WorkerdBundle['metafile'];

beforeAll(async () => {
  ({ code: script, metafile } = await bundleForWorkerd(
    new URL('./fixtures/client-worker.ts', import.meta.url),
  ));
  if (!available) return;
  issuer = await startIssuer();
  api = await startService(issuer, admin.schema('secrets_workerd'));
  mf = new Miniflare({
    modules: true,
    script,
    compatibilityDate: '2026-04-01',
    bindings: {
      API_URL: api.url,
      API_TOKEN: await issuer.token({ scope: 'secrets:read:edge secrets:write:edge' }),
    },
  });
  await mf.ready;
}, 60_000);

afterAll(async () => {
  await mf?.dispose();
  await api?.close();
  await issuer?.close();
  await admin.cleanup();
});

describe('@baton/server/client', () => {
  it('imports no Node built-in and none of the server’s code', () => {
    const inputs = Object.keys(metafile.inputs);
    expect(inputs.filter((input) => input.startsWith('node:'))).toEqual([]);
    // esbuild names inputs relative to the working directory: this package.
    const server = inputs.filter((input) => input.startsWith('src/'));
    expect(server.sort()).toEqual([
      'src/client/index.ts',
      'src/client/secrets-api-source.ts',
      'src/client/sse-parser.ts',
      'src/errors.ts',
      'src/secret-path.ts',
    ]);
    expect(script).not.toMatch(/from\s*["']node:/);
  });
});

describe.skipIf(!available)('secretsApiSource in workerd', () => {
  it('writes versions with check-and-set and reads them back through the API', async () => {
    const put = async (ref: string, value: string) =>
      (await mf.dispatchFetch(`http://worker.test/put?ref=${ref}&value=${value}`)).json();
    expect(await put('EDGE_KEY:v1', 'edge-one')).toEqual({ versionId: '1' });
    expect(await put('EDGE_KEY:v2', 'edge-two')).toEqual({ versionId: '2' });
    expect(await put('EDGE_KEY:v2', 'late')).toEqual({ code: 'BATON_CONFLICT' });
    const read = async (ref: string) =>
      (await mf.dispatchFetch(`http://worker.test/read?ref=${ref}`)).json();
    expect(await read('EDGE_KEY:v1')).toEqual({ value: 'edge-one' });
    expect(await read('EDGE_KEY')).toEqual({ value: 'edge-two' });
  });
});
