import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startWorker } from '@baton-tools/test-kit';
import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type GcpSecretManagerEmulator, startGcpSecretManagerEmulator } from '../src/index.js';

let emulator: GcpSecretManagerEmulator;
let client: SecretManagerServiceClient;
let number: string;
const project = 'projects/baton-emulator';

/** What google-gax 5's HTTP fallback rejects with: the HTTP status, and the body as text. */
interface RestFailure {
  status?: number;
  code?: number | string;
  message: string;
}

async function failure(promise: Promise<unknown>): Promise<RestFailure> {
  try {
    await promise;
  } catch (error) {
    return error as RestFailure;
  }
  throw new Error('expected the call to fail');
}

/** The Google error envelope the emulator answered. */
function envelope(error: RestFailure): { code: number; status: string; message: string } {
  return (JSON.parse(error.message) as { error: { code: number; status: string; message: string } })
    .error;
}

const access = (name: string) =>
  client.accessSecretVersion({ name }).then(([answer]) => ({
    name: answer.name,
    value: answer.payload?.data?.toString(),
    crc32c: answer.payload?.dataCrc32c,
  }));

beforeAll(async () => {
  emulator = await startGcpSecretManagerEmulator({
    seed: { DB_PASSWORD: ['first', 'second'] },
    projects: { 'baton-emulator': '424242424242' },
  });
  client = new SecretManagerServiceClient(emulator.clientOptions());
  number = emulator.projectNumber();
});

afterAll(async () => {
  await client.close();
  await emulator.close();
});

afterEach(() => {
  emulator.setFaults({});
  emulator.resetCounters();
});

describe('reads through the real SecretManagerServiceClient (HTTP fallback)', () => {
  it('accesses a version by number and latest, named with the project number', async () => {
    expect(await access(`${project}/secrets/DB_PASSWORD/versions/1`)).toEqual({
      name: `projects/${number}/secrets/DB_PASSWORD/versions/1`,
      value: 'first',
      crc32c: '2319360336',
    });
    expect((await access(`${project}/secrets/DB_PASSWORD/versions/latest`)).value).toBe('second');
    expect(number).toBe('424242424242');
    expect(emulator.calls('AccessSecretVersion')).toBe(2);
  });

  it('accesses a version by alias', async () => {
    emulator.addVersion('ALIASED', 'one', { aliases: ['v1', 'current'] });
    emulator.addVersion('ALIASED', 'two', { aliases: ['v2'] });
    expect((await access(`${project}/secrets/ALIASED/versions/current`)).value).toBe('one');
    expect((await access(`${project}/secrets/ALIASED/versions/v2`)).name).toMatch(/versions\/2$/);
    const [secret] = await client.getSecret({ name: `${project}/secrets/ALIASED` });
    expect(secret.versionAliases).toEqual({ v1: '1', current: '1', v2: '2' });
  });

  it('answers NOT_FOUND (404) for a secret or version that does not exist', async () => {
    const secret = envelope(await failure(access(`${project}/secrets/NOPE/versions/latest`)));
    expect(secret).toEqual({
      code: 404,
      status: 'NOT_FOUND',
      message: `Secret [projects/${number}/secrets/NOPE] not found or has no versions.`,
    });
    const version = await failure(access(`${project}/secrets/DB_PASSWORD/versions/9`));
    expect(version.status).toBe(404);
    expect(envelope(version).message).toBe(
      `Secret Version [projects/${number}/secrets/DB_PASSWORD/versions/9] not found.`,
    );
  });

  it('fails latest with FAILED_PRECONDITION when the newest version is disabled or destroyed', async () => {
    emulator.addVersion('ROLLED', 'good');
    emulator.addVersion('ROLLED', 'bad', { state: 'DISABLED' });
    const disabled = envelope(await failure(access(`${project}/secrets/ROLLED/versions/latest`)));
    expect(disabled).toEqual({
      code: 400,
      status: 'FAILED_PRECONDITION',
      message: `Secret Version [projects/${number}/secrets/ROLLED/versions/2] is in DISABLED state.`,
    });
    emulator.setState('ROLLED', 2, 'DESTROYED');
    const destroyed = envelope(await failure(access(`${project}/secrets/ROLLED/versions/latest`)));
    expect(destroyed.message).toContain('is in DESTROYED state.');
    expect(emulator.value('ROLLED', 2)).toBeUndefined();
  });

  it('lists versions newest first, filtered by state, a page at a time', async () => {
    for (const value of ['a', 'b', 'c', 'd']) emulator.addVersion('LISTED', value);
    emulator.setState('LISTED', 4, 'DISABLED');
    const parent = `${project}/secrets/LISTED`;
    const [enabled, , response] = await client.listSecretVersions(
      { parent, filter: 'state:ENABLED', pageSize: 2 },
      { autoPaginate: false },
    );
    expect(enabled.map((version) => [version.name?.split('/').at(-1), version.state])).toEqual([
      ['3', 'ENABLED'],
      ['2', 'ENABLED'],
    ]);
    expect(response?.totalSize).toBe(3);
    const [all] = await client.listSecretVersions({ parent, pageSize: 1 });
    expect(all.map((version) => version.state)).toEqual([
      'DISABLED',
      'ENABLED',
      'ENABLED',
      'ENABLED',
    ]);
    expect(emulator.calls('ListSecretVersions')).toBe(5);
  });

  it('serves regional secrets under locations/L', async () => {
    const parent = `${project}/locations/europe-west1`;
    const [created] = await client.createSecret({ parent, secretId: 'REGIONAL', secret: {} });
    expect(created.name).toBe(`projects/${number}/locations/europe-west1/secrets/REGIONAL`);
    await client.addSecretVersion({
      parent: `${parent}/secrets/REGIONAL`,
      payload: { data: Buffer.from('regional') },
    });
    expect((await access(`${parent}/secrets/REGIONAL/versions/latest`)).value).toBe('regional');
    const global = await failure(access(`${project}/secrets/REGIONAL/versions/latest`));
    expect(global.status).toBe(404);
    const replicated = await failure(
      client.createSecret({
        parent,
        secretId: 'REPLICATED',
        secret: { replication: { automatic: {} } },
      }),
    );
    expect(envelope(replicated).status).toBe('INVALID_ARGUMENT');
  });
});

describe('writes', () => {
  it('creates a secret (replication required, ids checked, ALREADY_EXISTS on repeat)', async () => {
    const secret = { replication: { automatic: {} } };
    await client.createSecret({ parent: project, secretId: 'FRESH', secret });
    expect(
      envelope(await failure(client.createSecret({ parent: project, secretId: 'FRESH', secret }))),
    ).toMatchObject({ code: 409, status: 'ALREADY_EXISTS' });
    expect(
      envelope(
        await failure(client.createSecret({ parent: project, secretId: 'NO_REPL', secret: {} })),
      ).status,
    ).toBe('INVALID_ARGUMENT');
    expect(
      envelope(await failure(client.createSecret({ parent: project, secretId: 'bad/id', secret })))
        .status,
    ).toBe('INVALID_ARGUMENT');
  });

  it('adds versions, checking the CRC32C the client sends', async () => {
    const parent = `${project}/secrets/DB_PASSWORD`;
    const data = Buffer.from('third');
    const [added] = await client.addSecretVersion({
      parent,
      payload: { data, dataCrc32c: 156920135 },
    });
    expect([
      added.name?.split('/').at(-1),
      added.state,
      added.clientSpecifiedPayloadChecksum,
    ]).toEqual(['3', 'ENABLED', true]);
    const wrong = await failure(
      client.addSecretVersion({ parent, payload: { data, dataCrc32c: 1 } }),
    );
    expect(envelope(wrong)).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT' });
    const missing = await failure(
      client.addSecretVersion({ parent: `${project}/secrets/GHOST`, payload: { data } }),
    );
    expect(envelope(missing).status).toBe('NOT_FOUND');
  });

  it('moves aliases with the etag as compare-and-set, and drops aliases of destroyed versions', async () => {
    emulator.addVersion('MOVED', 'one', { aliases: ['v1'] });
    emulator.addVersion('MOVED', 'two');
    const name = `${project}/secrets/MOVED`;
    const [before] = await client.getSecret({ name });
    const [after] = await client.updateSecret({
      secret: { name, etag: before.etag, versionAliases: { v1: 1, v2: 2 } },
      updateMask: { paths: ['version_aliases'] },
    });
    expect(after.versionAliases).toEqual({ v1: '1', v2: '2' });
    const stale = await failure(
      client.updateSecret({
        secret: { name, etag: before.etag, versionAliases: { v2: 1 } },
        updateMask: { paths: ['version_aliases'] },
      }),
    );
    expect(envelope(stale)).toMatchObject({ code: 400, status: 'FAILED_PRECONDITION' });
    await client.destroySecretVersion({ name: `${name}/versions/2` });
    expect(emulator.versions('MOVED')).toEqual([
      { version: 1, state: 'ENABLED', aliases: ['v1'] },
      { version: 2, state: 'DESTROYED', aliases: [] },
    ]);
    const toDestroyed = await failure(
      client.updateSecret({
        secret: { name, versionAliases: { v2: 2 } },
        updateMask: { paths: ['version_aliases'] },
      }),
    );
    expect(envelope(toDestroyed).status).toBe('INVALID_ARGUMENT');
  });
});

describe('IAM', () => {
  it('lets each token do what its roles grant, and answers PERMISSION_DENIED or UNAUTHENTICATED otherwise', async () => {
    const scoped = await startGcpSecretManagerEmulator({
      seed: { APP_KEY: 'app', OTHER_KEY: 'other' },
      iam: {
        'app-token': [
          {
            role: 'roles/secretmanager.secretAccessor',
            resource: 'projects/baton-emulator/secrets/APP_*',
          },
        ],
      },
    });
    const app = new SecretManagerServiceClient(scoped.clientOptions('app-token'));
    const stranger = new SecretManagerServiceClient(scoped.clientOptions('stranger'));
    try {
      const [read] = await app.accessSecretVersion({
        name: `${project}/secrets/APP_KEY/versions/1`,
      });
      expect(read.payload?.data?.toString()).toBe('app');
      const denied = envelope(
        await failure(app.accessSecretVersion({ name: `${project}/secrets/OTHER_KEY/versions/1` })),
      );
      expect(denied).toMatchObject({
        code: 403,
        status: 'PERMISSION_DENIED',
        message: `Permission 'secretmanager.versions.access' denied for resource '${project}/secrets/OTHER_KEY/versions/1' (or it may not exist).`,
      });
      const listing = await failure(
        app.listSecretVersions({ parent: `${project}/secrets/APP_KEY` }),
      );
      expect(envelope(listing).status).toBe('PERMISSION_DENIED');
      const unknown = await failure(
        stranger.accessSecretVersion({ name: `${project}/secrets/APP_KEY/versions/1` }),
      );
      expect(envelope(unknown)).toMatchObject({ code: 401, status: 'UNAUTHENTICATED' });
    } finally {
      await Promise.all([app.close(), stranger.close()]);
      await scoped.close();
    }
  });
});

describe('faults', () => {
  it('answers RESOURCE_EXHAUSTED (429) with ErrorInfo, and UNAVAILABLE (503)', async () => {
    emulator.setFaults({ throttleNext: 1, failNext: 1 });
    const throttled = await failure(access(`${project}/secrets/DB_PASSWORD/versions/1`));
    const body = JSON.parse(throttled.message) as {
      error: { code: number; status: string; details: { reason: string }[] };
    };
    expect([body.error.code, body.error.status, body.error.details[0]?.reason]).toEqual([
      429,
      'RESOURCE_EXHAUSTED',
      'RATE_LIMIT_EXCEEDED',
    ]);
    const unavailable = await failure(access(`${project}/secrets/DB_PASSWORD/versions/1`));
    expect(envelope(unavailable)).toMatchObject({ code: 503, status: 'UNAVAILABLE' });
    expect((await access(`${project}/secrets/DB_PASSWORD/versions/1`)).value).toBe('first');
  });

  it('shows google-gax 5’s HTTP fallback as it is: HTTP status on the error, no retry of 429', async () => {
    emulator.setFaults({ throttleNext: 1 });
    const error = await failure(access(`${project}/secrets/DB_PASSWORD/versions/1`));
    expect([error.code, error.status]).toEqual([429, 429]);
    expect(emulator.calls('AccessSecretVersion')).toBe(1);
  });

  it('delays answers and touches only the operations named', async () => {
    emulator.setFaults({ errorRate: 1, operations: ['GetSecret'] });
    expect((await access(`${project}/secrets/DB_PASSWORD/versions/1`)).value).toBe('first');
    expect(
      (await failure(client.getSecret({ name: `${project}/secrets/DB_PASSWORD` }))).status,
    ).toBe(503);
  });

  it('counts the requests in flight at once', async () => {
    // Long enough that all five are in flight together, even on a loaded machine.
    emulator.setFaults({ latencyMs: 400 });
    await Promise.all(
      Array.from({ length: 5 }, () => access(`${project}/secrets/DB_PASSWORD/versions/1`)),
    );
    expect(emulator.peakInFlight()).toBe(5);
    expect(emulator.calls()).toBe(5);
  });
});

describe('npm start', () => {
  it('serves a seed file on the port asked for and says how to point a client at it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'baton-gcp-emulator-'));
    const seed = join(dir, 'seed.json');
    await writeFile(seed, JSON.stringify({ FROM_CLI: 'cli-value' }));
    const cli = startWorker(new URL('../src/cli.ts', import.meta.url), [
      '--port',
      '0',
      '--seed',
      seed,
    ]);
    try {
      const port = Number(/port: (\d+)/.exec(await cli.waitFor(/port: \d+/))?.[1]);
      const client = new SecretManagerServiceClient({ ...emulator.clientOptions(), port });
      const [read] = await client.accessSecretVersion({
        name: `${project}/secrets/FROM_CLI/versions/latest`,
      });
      expect(read.payload?.data?.toString()).toBe('cli-value');
      await client.close();
    } finally {
      await cli.stop();
    }
  });
});
