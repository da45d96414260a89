import {
  type BatonError,
  ConfigError,
  createBaton,
  defaultsSource,
  SecretNotFoundError,
  type SecretSource,
  SourceError,
} from '@baton/core';
import {
  type GcpSecretManagerEmulator,
  startGcpSecretManagerEmulator,
} from '@baton-tools/gcp-secret-manager-emulator';
import { sourceContract } from '@baton-tools/test-kit';
import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  crc32c,
  GcpConflictError,
  GcpPayloadError,
  type GcpSecretManagerError,
  type GcpSecretManagerOptions,
  gcpSecretManager,
} from '../src/index.js';

const PROJECT = 'baton-emulator';
let emulator: GcpSecretManagerEmulator;
let client: SecretManagerServiceClient;

async function failure(work: () => Promise<unknown>): Promise<BatonError> {
  try {
    await work();
  } catch (error) {
    return error as BatonError;
  }
  throw new Error('expected a failure');
}

/** A source on the real client, with retries quick enough for tests. */
function source(options: Partial<GcpSecretManagerOptions> = {}) {
  return gcpSecretManager({
    projectId: PROJECT,
    client,
    retry: { baseDelayMs: 1, maxDelayMs: 5 },
    ...options,
  });
}

const batonOf = (...sources: SecretSource[]) => createBaton({ sources, audit: false });

beforeAll(async () => {
  emulator = await startGcpSecretManagerEmulator({
    project: PROJECT,
    seed: {
      OPENAI_KEY: ['openai-v1', 'openai-v2'],
      prod_OPENAI_KEY: ['prod-v1'],
    },
  });
  emulator.addVersion('WEBHOOK_SECRET', 'hook-one', { aliases: ['v1'] });
  emulator.addVersion('WEBHOOK_SECRET', 'hook-two', { aliases: ['v2'] });
  client = new SecretManagerServiceClient(emulator.clientOptions());
});

afterAll(async () => {
  await client.close();
  await emulator.close();
});

afterEach(() => {
  emulator.setFaults({});
  emulator.resetCounters();
});

describe("versions: 'numbers' (the default)", () => {
  it('reads OPENAI_KEY:v1 as version 1 and OPENAI_KEY as latest, with the prefix in front', async () => {
    const baton = batonOf(source());
    expect(await baton.getSecret('OPENAI_KEY:v1')).toBe('openai-v1');
    expect(await baton.getSecret('OPENAI_KEY')).toBe('openai-v2');
    expect(await batonOf(source({ prefix: 'prod_' })).getSecret('OPENAI_KEY:v1')).toBe('prod-v1');
    expect(source({ prefix: 'prod_' }).locate('OPENAI_KEY:V2')).toEqual({
      secret: `projects/${PROJECT}/secrets/prod_OPENAI_KEY`,
      secretId: 'prod_OPENAI_KEY',
      version: '2',
    });
  });

  it('answers absent for a secret or version that does not exist, so the chain goes on', async () => {
    const baton = batonOf(source(), defaultsSource({ LOG_LEVEL: 'info' }));
    expect(await baton.getSecret('LOG_LEVEL')).toBe('info');
    const missing = await failure(() => baton.getSecret('OPENAI_KEY:v7'));
    expect(missing).toBeInstanceOf(SecretNotFoundError);
    expect(missing.message).toContain(
      `create the secret OPENAI_KEY in GCP project ${PROJECT} with version 7`,
    );
    expect(emulator.calls('AccessSecretVersion')).toBe(2);
  });
});

describe("versions: 'aliases'", () => {
  it('reads WEBHOOK_SECRET:v2 as the version carrying alias v2', async () => {
    const aliases = source({ versions: 'aliases' });
    const baton = batonOf(aliases);
    expect(await baton.getSecret('WEBHOOK_SECRET:v1')).toBe('hook-one');
    expect(await baton.getSecret('WEBHOOK_SECRET:v2')).toBe('hook-two');
    expect(await failure(() => baton.getSecret('WEBHOOK_SECRET:v3'))).toBeInstanceOf(
      SecretNotFoundError,
    );
    expect(aliases.locate('WEBHOOK_SECRET:v2').version).toBe('v2');
  });
});

describe('latest falls back to the newest enabled version', () => {
  it('reads the newest enabled version when latest is disabled, then when it is destroyed', async () => {
    emulator.addVersion('ROLLED_BACK', 'good-v1');
    emulator.addVersion('ROLLED_BACK', 'good-v2');
    emulator.addVersion('ROLLED_BACK', 'bad-v3', { state: 'DISABLED' });
    const baton = batonOf(source());
    expect(await baton.getSecret('ROLLED_BACK')).toBe('good-v2');
    expect([emulator.calls('AccessSecretVersion'), emulator.calls('ListSecretVersions')]).toEqual([
      2, 1,
    ]);
    emulator.setState('ROLLED_BACK', 3, 'DESTROYED');
    emulator.setState('ROLLED_BACK', 2, 'DISABLED');
    expect(await baton.rotateSecret('ROLLED_BACK')).toBe('good-v1');
  });

  it('answers absent when no version is enabled, and for a disabled version asked by number', async () => {
    emulator.addVersion('ALL_OFF', 'off', { state: 'DISABLED' });
    const baton = batonOf(source(), defaultsSource({ ALL_OFF: 'default' }));
    expect(await baton.getSecret('ALL_OFF')).toBe('default');
    expect(await failure(() => baton.getSecret('ALL_OFF:v1'))).toBeInstanceOf(SecretNotFoundError);
  });
});

describe('regional secrets', () => {
  it('reads projects/P/locations/L/secrets/… with location, through a client Baton creates', async () => {
    emulator.addVersion(`projects/${PROJECT}/locations/europe-west1/secrets/REGIONAL_KEY`, 'eu');
    const regional = gcpSecretManager({
      projectId: PROJECT,
      location: 'europe-west1',
      clientOptions: emulator.clientOptions(),
    });
    try {
      expect(await batonOf(regional).getSecret('REGIONAL_KEY')).toBe('eu');
      expect(regional.locate('REGIONAL_KEY:v1').secret).toBe(
        `projects/${PROJECT}/locations/europe-west1/secrets/REGIONAL_KEY`,
      );
    } finally {
      await regional.client.close();
    }
  });
});

describe('errors', () => {
  it('fails PERMISSION_DENIED with BATON_SOURCE_FAILED naming the status, and stops the chain', async () => {
    const scoped = await startGcpSecretManagerEmulator({
      project: PROJECT,
      seed: { APP_KEY: 'app', OTHER_KEY: 'other' },
      iam: {
        app: [
          {
            role: 'roles/secretmanager.secretAccessor',
            resource: `projects/${PROJECT}/secrets/APP_KEY`,
          },
        ],
      },
    });
    const scopedClient = new SecretManagerServiceClient(scoped.clientOptions('app'));
    try {
      const baton = batonOf(
        gcpSecretManager({ projectId: PROJECT, client: scopedClient }),
        defaultsSource({ OTHER_KEY: 'fallback' }),
      );
      expect(await baton.getSecret('APP_KEY')).toBe('app');
      const error = (await failure(() => baton.getSecret('OTHER_KEY'))) as GcpSecretManagerError;
      expect(error).toBeInstanceOf(SourceError);
      expect(error.code).toBe('BATON_SOURCE_FAILED');
      expect([error.status, error.httpStatus, error.reason]).toEqual([
        'PERMISSION_DENIED',
        403,
        'IAM_PERMISSION_DENIED',
      ]);
      expect(error.message).toBe(
        `Source "gcp-secret-manager" failed to read OTHER_KEY: PERMISSION_DENIED (AccessSecretVersion of projects/${PROJECT}/secrets/OTHER_KEY/versions/latest, IAM_PERMISSION_DENIED, HTTP 403, 1 attempt)`,
      );
      // The service's message (which names the caller and resource) is not kept anywhere.
      expect(JSON.stringify(error.cause)).not.toContain('denied for resource');
    } finally {
      await scopedClient.close();
      await scoped.close();
    }
  });

  it('rides out throttling, then surfaces RESOURCE_EXHAUSTED after its attempts', async () => {
    const baton = batonOf(source({ retry: { attempts: 3, baseDelayMs: 1 } }));
    emulator.setFaults({ throttleNext: 2 });
    expect(await baton.getSecret('OPENAI_KEY:v1')).toBe('openai-v1');
    expect(emulator.calls('AccessSecretVersion')).toBe(3);
    emulator.setFaults({ throttleRate: 1 });
    const error = (await failure(() => baton.getSecret('OPENAI_KEY:v2'))) as GcpSecretManagerError;
    expect([error.status, error.reason, error.httpStatus, error.attempts]).toEqual([
      'RESOURCE_EXHAUSTED',
      'RATE_LIMIT_EXCEEDED',
      429,
      3,
    ]);
  });

  it('retries UNAVAILABLE reads, but never repeats a write whose effect is unknown', async () => {
    const gcp = source({ retry: { attempts: 2, baseDelayMs: 1 } });
    emulator.setFaults({ failNext: 1 });
    expect(await batonOf(gcp).getSecret('OPENAI_KEY:v1')).toBe('openai-v1');
    emulator.setFaults({ failNext: 1, operations: ['AddSecretVersion'] });
    const error = (await failure(() => gcp.put('UNSURE', 'value'))) as GcpSecretManagerError;
    expect([error.status, error.attempts]).toEqual(['UNAVAILABLE', 1]);
    expect(error.message).toContain('failed to write UNSURE');
  });

  it('refuses a payload that fails its CRC32C check', async () => {
    emulator.corruptNext(1);
    const error = await failure(() => batonOf(source()).getSecret('OPENAI_KEY:v1'));
    expect(error).toBeInstanceOf(GcpPayloadError);
    expect(error.message).toContain('failed its CRC32C check');
    expect(error.message).not.toContain('openai');
  });

  it('names the network failure when the service cannot be reached', async () => {
    const gone = await startGcpSecretManagerEmulator();
    const goneClient = new SecretManagerServiceClient(gone.clientOptions());
    await gone.close();
    try {
      const baton = batonOf(source({ client: goneClient, retry: { attempts: 1 } }));
      const error = (await failure(() => baton.getSecret('ANY'))) as GcpSecretManagerError;
      expect(error.code).toBe('BATON_SOURCE_FAILED');
      expect(error.status).toBe('ECONNREFUSED');
    } finally {
      await goneClient.close();
    }
  });

  it('says so when there is no client and Application Default Credentials find nothing', async () => {
    const saved = { ...process.env };
    process.env.GOOGLE_APPLICATION_CREDENTIALS = '';
    process.env.HOME = '/nonexistent-baton-home';
    process.env.CLOUDSDK_CONFIG = '/nonexistent-baton-gcloud';
    process.env.METADATA_SERVER_DETECTION = 'none';
    const { authClient: _unused, ...withoutAuth } = emulator.clientOptions();
    const adc = gcpSecretManager({ projectId: PROJECT, clientOptions: withoutAuth });
    try {
      const error = (await failure(() =>
        batonOf(adc).getSecret('OPENAI_KEY'),
      )) as GcpSecretManagerError;
      expect(error.status).toBe('NO_DEFAULT_CREDENTIALS');
      expect(error.message).toBe(
        `Source "gcp-secret-manager" failed to read OPENAI_KEY: NO_DEFAULT_CREDENTIALS (AccessSecretVersion of projects/${PROJECT}/secrets/OPENAI_KEY/versions/latest, 1 attempt)`,
      );
      expect(emulator.calls()).toBe(0);
    } finally {
      await adc.client.close();
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });
});

describe('with the cache of @baton/core', () => {
  for (const rule of sourceContract) {
    it(rule.name, () =>
      rule.run({
        source: () => source({ retry: { attempts: 1 } }),
        ref: 'OPENAI_KEY:v2',
        value: 'openai-v2',
        failing: (on) => emulator.setFaults(on ? { errorRate: 1 } : {}),
        reads: () => emulator.calls('AccessSecretVersion'),
        resetCounters: () => emulator.resetCounters(),
      }),
    );
  }

  it('reads 45 refs with getSecrets, at most `concurrency` calls in flight', async () => {
    const refs = Array.from({ length: 45 }, (_, index) => `BULK_${index}`);
    for (const ref of refs) emulator.addVersion(ref, `value-of-${ref}`);
    emulator.setFaults({ latencyMs: 5 });
    const values = await batonOf(source({ concurrency: 4 })).getSecrets(refs);
    for (const ref of refs) expect(values[ref]).toBe(`value-of-${ref}`);
    expect(emulator.calls('AccessSecretVersion')).toBe(45);
    expect(emulator.peakInFlight()).toBeLessThanOrEqual(4);
    expect(emulator.peakInFlight()).toBeGreaterThan(1);
  });
});

describe("writes ('numbers')", () => {
  it('creates the secret on NEW_KEY:v1, adds v2 with its CRC32C, and refuses a version that exists', async () => {
    const gcp = source();
    expect(await gcp.put('NEW_KEY:v1', 'first')).toEqual({
      secret: `projects/${PROJECT}/secrets/NEW_KEY`,
      versionId: '1',
      created: true,
    });
    expect(await gcp.put('NEW_KEY:v2', 'second')).toMatchObject({ versionId: '2', created: false });
    const [version] = await client.getSecretVersion({
      name: `projects/${PROJECT}/secrets/NEW_KEY/versions/2`,
    });
    expect(version.clientSpecifiedPayloadChecksum).toBe(true);
    const again = await failure(() => gcp.put('NEW_KEY:v2', 'other'));
    expect(again).toBeInstanceOf(GcpConflictError);
    expect(again.code).toBe('BATON_CONFLICT');
    expect(again.message).toBe(
      'Source "gcp-secret-manager" did not write NEW_KEY:v2: version 2 exists already (the newest is 2)',
    );
    const gap = await failure(() => gcp.put('NEW_KEY:v5', 'skipped'));
    expect(gap).toBeInstanceOf(ConfigError);
    expect(gap.message).toContain('the next version of NEW_KEY:v5 is 3, not 5');
    expect(await batonOf(gcp).getSecret('NEW_KEY')).toBe('second');
  });

  it('lets one of two racing writers of v1 win, and destroys the loser’s stray version', async () => {
    const results = await Promise.allSettled([
      source().put('RACED:v1', 'writer-a'),
      source().put('RACED:v1', 'writer-b'),
    ]);
    const won = results.filter((result) => result.status === 'fulfilled');
    const lost = results.filter((result) => result.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(GcpConflictError);
    // The loser either saw version 1 before adding, or added version 2 and destroyed it.
    const [first, ...rest] = emulator.versions('RACED');
    expect(first?.state).toBe('ENABLED');
    expect(rest.map((version) => version.state)).not.toContain('ENABLED');
    const winner = (won[0] as PromiseFulfilledResult<{ versionId: string }>).value;
    expect(winner.versionId).toBe('1');
  });

  it('adds a version for an unversioned ref, which latest then reads', async () => {
    const gcp = source();
    await gcp.put('PLAIN', 'one');
    const { versionId } = await gcp.put('PLAIN', 'two');
    expect(versionId).toBe('2');
    expect(await batonOf(gcp).getSecret('PLAIN')).toBe('two');
  });

  it('creates regional secrets without replication', async () => {
    const regional = source({ location: 'us-east1' });
    expect(await regional.put('REGIONAL_WRITE:v1', 'east')).toMatchObject({
      secret: `projects/${PROJECT}/locations/us-east1/secrets/REGIONAL_WRITE`,
      created: true,
    });
    expect(await batonOf(regional).getSecret('REGIONAL_WRITE:v1')).toBe('east');
  });
});

describe("writes ('aliases')", () => {
  it('points alias vN at the new version, keeping the other aliases, and refuses an alias in use', async () => {
    const gcp = source({ versions: 'aliases' });
    expect(await gcp.put('HOOK:v1', 'hook-1')).toMatchObject({ versionId: '1', alias: 'v1' });
    expect(await gcp.put('HOOK:v2', 'hook-2')).toMatchObject({ versionId: '2', alias: 'v2' });
    expect(emulator.versions('HOOK')).toEqual([
      { version: 1, state: 'ENABLED', aliases: ['v1'] },
      { version: 2, state: 'ENABLED', aliases: ['v2'] },
    ]);
    const taken = await failure(() => gcp.put('HOOK:v2', 'again'));
    expect(taken.code).toBe('BATON_CONFLICT');
    expect(taken.message).toContain('alias v2 points at version 2 already');
    expect(emulator.versions('HOOK')).toHaveLength(2);
    expect(await batonOf(gcp).getSecrets(['HOOK:v1', 'HOOK:v2'])).toEqual({
      'HOOK:v1': 'hook-1',
      'HOOK:v2': 'hook-2',
    });
  });

  it('moves an alias to the version a ref names, and says where it was', async () => {
    const gcp = source({ versions: 'aliases' });
    await gcp.put('MOVING:v1', 'one');
    await gcp.put('MOVING:v2', 'two');
    expect(await gcp.moveAlias('MOVING:v2', 'current')).toEqual({
      secret: `projects/${PROJECT}/secrets/MOVING`,
      version: '2',
    });
    expect(await gcp.moveAlias('MOVING:v1', 'current')).toMatchObject({
      version: '1',
      previousVersion: '2',
    });
    expect(await source().moveAlias('MOVING', 'newest')).toMatchObject({ version: '2' });
    expect(emulator.versions('MOVING').map((version) => [...version.aliases].sort())).toEqual([
      ['current', 'v1'],
      ['newest', 'v2'],
    ]);
    const missing = await failure(() => gcp.moveAlias('MOVING:v9', 'current'));
    expect(missing.message).toContain('no version carries it');
    await expect(gcp.moveAlias('MOVING:v1', 'latest')).rejects.toBeInstanceOf(ConfigError);
  });
});

describe('options and hints', () => {
  it('lists every invalid option in one ConfigError', () => {
    const error = (() => {
      try {
        gcpSecretManager({
          projectId: 'Not A Project',
          versions: 'names' as 'numbers',
          prefix: 'prod/',
          concurrency: 0,
          client,
          clientOptions: {},
        });
      } catch (caught) {
        return caught as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error.issues).toEqual([
      'gcpSecretManager: projectId must be a project id (6-30 lowercase letters, digits and hyphens, such as "my-proj") or a project number',
      'gcpSecretManager: prefix may hold only letters, digits, _ and - (at most 127 characters)',
      'gcpSecretManager: versions must be "numbers" or "aliases"',
      'gcpSecretManager: concurrency must be a positive integer',
      'gcpSecretManager: clientOptions apply only to the client Baton creates; configure your client instead',
    ]);
  });

  it('hints what to create for a ref, without quoting a ref that looks like a credential', () => {
    const parse = (ref: string) => ({
      ref,
      name: ref.split(':')[0] as string,
      ...(ref.includes(':v') ? { version: Number(ref.split(':v')[1]) } : {}),
    });
    expect(source({ projectId: 'my-proj' }).hint(parse('OPENAI_KEY:v2'))).toBe(
      'create the secret OPENAI_KEY in GCP project my-proj with version 2',
    );
    expect(
      source({ projectId: 'my-proj', versions: 'aliases', location: 'europe-west1' }).hint(
        parse('OPENAI_KEY:v2'),
      ),
    ).toBe(
      'create the secret OPENAI_KEY in GCP project my-proj (location europe-west1) and point its alias v2 at an enabled version',
    );
    expect(source({ projectId: 'my-proj', prefix: 'prod_' }).hint(parse('OPENAI_KEY'))).toBe(
      'create the secret prod_OPENAI_KEY in GCP project my-proj with an enabled version',
    );
    expect(source().hint(parse('ghp_x7Kq2m9Lp4Rt8Vw3Yz6Ab1Cd'))).toBe(
      `create the secret this ref names in GCP project ${PROJECT} with an enabled version`,
    );
  });

  it('computes CRC32C as Secret Manager does', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
  });
});

describe('least-privilege IAM (the roles the docs name)', () => {
  it('is enough for each use, and the fallback of latest needs the viewer role', async () => {
    const app = `projects/${PROJECT}/secrets/APP_*`;
    const scoped = await startGcpSecretManagerEmulator({
      project: PROJECT,
      iam: {
        reader: [
          { role: 'roles/secretmanager.secretAccessor', resource: app },
          { role: 'roles/secretmanager.viewer', resource: app },
        ],
        accessorOnly: [{ role: 'roles/secretmanager.secretAccessor', resource: app }],
        numbersWriter: [
          { role: 'roles/secretmanager.secretVersionManager', resource: app },
          { permissions: ['secretmanager.secrets.create'], resource: `projects/${PROJECT}` },
        ],
        aliasesWriter: [
          { role: 'roles/secretmanager.admin', resource: app },
          { permissions: ['secretmanager.secrets.create'], resource: `projects/${PROJECT}` },
        ],
      },
    });
    const clients = new Map<string, SecretManagerServiceClient>();
    const as = (token: string, options: Partial<GcpSecretManagerOptions> = {}) => {
      const scopedClient = new SecretManagerServiceClient(scoped.clientOptions(token));
      clients.set(`${token}-${clients.size}`, scopedClient);
      return source({ client: scopedClient, ...options });
    };
    try {
      const numbers = as('numbersWriter');
      await numbers.put('APP_KEY:v1', 'one');
      await numbers.put('APP_KEY:v2', 'two');
      scoped.setState('APP_KEY', 2, 'DISABLED');
      await as('aliasesWriter', { versions: 'aliases' }).put('APP_HOOK:v1', 'hook');
      await as('aliasesWriter', { versions: 'aliases' }).moveAlias('APP_HOOK:v1', 'current');

      const reader = batonOf(as('reader'));
      expect(await reader.getSecrets(['APP_KEY:v1', 'APP_KEY'])).toEqual({
        'APP_KEY:v1': 'one',
        APP_KEY: 'one',
      });
      expect(await batonOf(as('reader', { versions: 'aliases' })).getSecret('APP_HOOK:v1')).toBe(
        'hook',
      );
      const accessorOnly = batonOf(as('accessorOnly'));
      expect(await accessorOnly.getSecret('APP_KEY:v1')).toBe('one');
      const fallback = (await failure(() =>
        accessorOnly.getSecret('APP_KEY'),
      )) as GcpSecretManagerError;
      expect([fallback.status, fallback.operation]).toEqual([
        'PERMISSION_DENIED',
        'ListSecretVersions',
      ]);
    } finally {
      await Promise.all([...clients.values()].map((each) => each.close()));
      await scoped.close();
    }
  });
});
