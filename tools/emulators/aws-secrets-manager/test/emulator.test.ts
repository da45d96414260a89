import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  type SecretsManagerServiceException,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AwsSecretsManagerEmulator, startAwsSecretsManagerEmulator } from '../src/index.js';

let emulator: AwsSecretsManagerEmulator;
let client: SecretsManagerClient;

function clientFor(credentials = emulator.credentials, maxAttempts = 3): SecretsManagerClient {
  return new SecretsManagerClient({
    endpoint: emulator.endpoint,
    region: emulator.region,
    credentials,
    maxAttempts,
  });
}

async function failure(promise: Promise<unknown>): Promise<SecretsManagerServiceException> {
  try {
    await promise;
  } catch (error) {
    return error as SecretsManagerServiceException;
  }
  throw new Error('expected the call to fail');
}

const TOKEN_A = 'a'.repeat(32);
const TOKEN_B = 'b'.repeat(32);

beforeAll(async () => {
  emulator = await startAwsSecretsManagerEmulator({
    seed: { 'app/DB_PASSWORD': 'hunter2', 'app/API_KEY': 'key-1' },
  });
  client = clientFor();
});

afterAll(async () => {
  client.destroy();
  await emulator.close();
});

afterEach(() => {
  emulator.setFaults({});
  emulator.resetCounters();
});

describe('reads through the real SDK client', () => {
  it('answers the AWSCURRENT version by default, by name or by ARN', async () => {
    const byName = await client.send(new GetSecretValueCommand({ SecretId: 'app/DB_PASSWORD' }));
    expect(byName.SecretString).toBe('hunter2');
    expect(byName.VersionStages).toEqual(['AWSCURRENT']);
    expect(byName.ARN).toMatch(
      /^arn:aws:secretsmanager:us-east-1:123456789012:secret:app\/DB_PASSWORD-[A-Za-z0-9]{6}$/,
    );
    expect(byName.CreatedDate).toBeInstanceOf(Date);
    const byArn = await client.send(new GetSecretValueCommand({ SecretId: byName.ARN }));
    expect(byArn.SecretString).toBe('hunter2');
    expect(byArn.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers ResourceNotFoundException for a missing secret or label', async () => {
    const missing = await failure(client.send(new GetSecretValueCommand({ SecretId: 'nope' })));
    expect(missing.name).toBe('ResourceNotFoundException');
    expect(missing.$metadata.httpStatusCode).toBe(400);
    const label = await failure(
      client.send(new GetSecretValueCommand({ SecretId: 'app/API_KEY', VersionStage: 'v9' })),
    );
    expect(label.name).toBe('ResourceNotFoundException');
  });

  it('answers binary secrets as bytes', async () => {
    emulator.putSecret('bin', new Uint8Array([0, 1, 254]));
    const answer = await client.send(new GetSecretValueCommand({ SecretId: 'bin' }));
    expect(answer.SecretBinary).toEqual(new Uint8Array([0, 1, 254]));
    expect(answer.SecretString).toBeUndefined();
  });

  it('fails reads with DecryptionFailure while the secret’s key is disabled', async () => {
    emulator.disableKey('app/API_KEY');
    const error = await failure(
      client.send(new GetSecretValueCommand({ SecretId: 'app/API_KEY' })),
    );
    expect(error.name).toBe('DecryptionFailure');
    emulator.disableKey('app/API_KEY', false);
    await expect(
      client.send(new GetSecretValueCommand({ SecretId: 'app/API_KEY' })),
    ).resolves.toMatchObject({ SecretString: 'key-1' });
  });
});

describe('BatchGetSecretValue', () => {
  it('answers found secrets and a per-secret error for each missing one, in one request', async () => {
    const answer = await client.send(
      new BatchGetSecretValueCommand({
        SecretIdList: ['app/DB_PASSWORD', 'missing-one', 'app/API_KEY'],
      }),
    );
    expect(answer.SecretValues?.map((value) => [value.Name, value.SecretString])).toEqual([
      ['app/DB_PASSWORD', 'hunter2'],
      ['app/API_KEY', 'key-1'],
    ]);
    expect(answer.Errors).toEqual([
      expect.objectContaining({ SecretId: 'missing-one', ErrorCode: 'ResourceNotFoundException' }),
    ]);
    expect(emulator.calls('BatchGetSecretValue')).toBe(1);
  });

  it('refuses more than 20 ids, and ids together with filters', async () => {
    const ids = Array.from({ length: 21 }, (_, index) => `s${index}`);
    const tooMany = await failure(
      client.send(new BatchGetSecretValueCommand({ SecretIdList: ids })),
    );
    expect(tooMany.name).toBe('InvalidParameterException');
    const both = await failure(
      client.send(
        new BatchGetSecretValueCommand({
          SecretIdList: ['a'],
          Filters: [{ Key: 'name', Values: ['app/'] }],
        }),
      ),
    );
    expect(both.name).toBe('InvalidParameterException');
  });

  it('pages through filter matches with NextToken', async () => {
    for (let index = 0; index < 5; index++) emulator.putSecret(`paged/s${index}`, `v${index}`);
    const names: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(
        new BatchGetSecretValueCommand({
          Filters: [{ Key: 'name', Values: ['paged/'] }],
          MaxResults: 2,
          NextToken: nextToken,
        }),
      );
      names.push(...(page.SecretValues ?? []).map((value) => value.Name as string));
      nextToken = page.NextToken;
      pages++;
    } while (nextToken !== undefined);
    expect(pages).toBe(3);
    expect(names).toEqual(['paged/s0', 'paged/s1', 'paged/s2', 'paged/s3', 'paged/s4']);
  });
});

describe('writes and staging labels', () => {
  it('moves AWSCURRENT to a new version and AWSPREVIOUS to the one before', async () => {
    const created = await client.send(
      new CreateSecretCommand({
        Name: 'rot/KEY',
        SecretString: 'one',
        ClientRequestToken: TOKEN_A,
      }),
    );
    expect(created.VersionId).toBe(TOKEN_A);
    const second = await client.send(
      new PutSecretValueCommand({
        SecretId: 'rot/KEY',
        SecretString: 'two',
        ClientRequestToken: TOKEN_B,
      }),
    );
    expect(second.VersionStages).toEqual(['AWSCURRENT']);
    expect(emulator.stages('rot/KEY')).toEqual({
      [TOKEN_A]: ['AWSPREVIOUS'],
      [TOKEN_B]: ['AWSCURRENT'],
    });
    const previous = await client.send(
      new GetSecretValueCommand({ SecretId: 'rot/KEY', VersionStage: 'AWSPREVIOUS' }),
    );
    expect(previous.SecretString).toBe('one');
  });

  it('treats a repeated ClientRequestToken with the same value as the same request', async () => {
    const token = 'c'.repeat(40);
    const first = await client.send(
      new PutSecretValueCommand({
        SecretId: 'app/API_KEY',
        SecretString: 'key-2',
        ClientRequestToken: token,
      }),
    );
    const again = await client.send(
      new PutSecretValueCommand({
        SecretId: 'app/API_KEY',
        SecretString: 'key-2',
        ClientRequestToken: token,
      }),
    );
    expect(again.VersionId).toBe(first.VersionId);
    const versions = await client.send(
      new ListSecretVersionIdsCommand({ SecretId: 'app/API_KEY', IncludeDeprecated: true }),
    );
    expect(versions.Versions?.filter((version) => version.VersionId === token)).toHaveLength(1);
    const changed = await failure(
      client.send(
        new PutSecretValueCommand({
          SecretId: 'app/API_KEY',
          SecretString: 'key-3',
          ClientRequestToken: token,
        }),
      ),
    );
    expect(changed.name).toBe('ResourceExistsException');
  });

  it('puts a version with custom labels without touching AWSCURRENT', async () => {
    emulator.putSecret('lab/KEY', 'v1-value', { stages: ['AWSCURRENT', 'v1'] });
    const put = await client.send(
      new PutSecretValueCommand({
        SecretId: 'lab/KEY',
        SecretString: 'v2-value',
        VersionStages: ['v2'],
      }),
    );
    const current = await client.send(new GetSecretValueCommand({ SecretId: 'lab/KEY' }));
    expect(current.SecretString).toBe('v1-value');
    const v2 = await client.send(
      new GetSecretValueCommand({ SecretId: 'lab/KEY', VersionStage: 'v2' }),
    );
    expect(v2.VersionId).toBe(put.VersionId);
  });

  it('moves a label only when the request names the version that holds it', async () => {
    const v1 = emulator.putSecret('move/KEY', 'one');
    const v2 = emulator.putSecret('move/KEY', 'two', { stages: ['AWSPENDING'] });
    const refused = await failure(
      client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: 'move/KEY',
          VersionStage: 'AWSCURRENT',
          MoveToVersionId: v2,
        }),
      ),
    );
    expect(refused.name).toBe('InvalidParameterException');
    await client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: 'move/KEY',
        VersionStage: 'AWSCURRENT',
        MoveToVersionId: v2,
        RemoveFromVersionId: v1,
      }),
    );
    const described = await client.send(new DescribeSecretCommand({ SecretId: 'move/KEY' }));
    expect(described.VersionIdsToStages).toEqual({
      [v1]: ['AWSPREVIOUS'],
      [v2]: ['AWSPENDING', 'AWSCURRENT'],
    });
    await client.send(
      new UpdateSecretVersionStageCommand({
        SecretId: 'move/KEY',
        VersionStage: 'AWSPENDING',
        RemoveFromVersionId: v2,
      }),
    );
    expect(emulator.stages('move/KEY')[v2]).toEqual(['AWSCURRENT']);
  });

  it('lists only labelled versions unless deprecated ones are asked for', async () => {
    emulator.putSecret('dep/KEY', 'one');
    emulator.putSecret('dep/KEY', 'two');
    emulator.putSecret('dep/KEY', 'three');
    const labelled = await client.send(new ListSecretVersionIdsCommand({ SecretId: 'dep/KEY' }));
    expect(labelled.Versions?.map((version) => version.VersionStages)).toEqual([
      ['AWSPREVIOUS'],
      ['AWSCURRENT'],
    ]);
    const all = await client.send(
      new ListSecretVersionIdsCommand({ SecretId: 'dep/KEY', IncludeDeprecated: true }),
    );
    expect(all.Versions).toHaveLength(3);
  });

  it('refuses a second secret of the same name and invalid names', async () => {
    const exists = await failure(
      client.send(new CreateSecretCommand({ Name: 'app/API_KEY', SecretString: 'x' })),
    );
    expect(exists.name).toBe('ResourceExistsException');
    const invalid = await failure(
      client.send(new CreateSecretCommand({ Name: 'bad name!', SecretString: 'x' })),
    );
    expect(invalid.name).toBe('InvalidParameterException');
  });
});

describe('access policies', () => {
  it('denies what no statement allows, per secret inside a batch', async () => {
    const scoped = await startAwsSecretsManagerEmulator({
      seed: { 'prod/A': 'a', 'staging/B': 'b' },
      policies: {
        AKIDREADER: [
          { actions: ['secretsmanager:BatchGetSecretValue'], resources: ['*'] },
          {
            actions: ['secretsmanager:GetSecretValue'],
            resources: ['arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/*'],
          },
        ],
      },
    });
    const reader = new SecretsManagerClient({
      endpoint: scoped.endpoint,
      region: scoped.region,
      credentials: { accessKeyId: 'AKIDREADER', secretAccessKey: 'x' },
    });
    try {
      await expect(
        reader.send(new GetSecretValueCommand({ SecretId: 'prod/A' })),
      ).resolves.toMatchObject({ SecretString: 'a' });
      const denied = await failure(
        reader.send(new GetSecretValueCommand({ SecretId: 'staging/B' })),
      );
      expect(denied.name).toBe('AccessDeniedException');
      // Permission comes first: a caller without it cannot probe which secrets exist.
      const probe = await failure(
        reader.send(new GetSecretValueCommand({ SecretId: 'staging/NOPE' })),
      );
      expect(probe.name).toBe('AccessDeniedException');
      const allowedMissing = await failure(
        reader.send(new GetSecretValueCommand({ SecretId: 'prod/NOPE' })),
      );
      expect(allowedMissing.name).toBe('ResourceNotFoundException');
      const batch = await reader.send(
        new BatchGetSecretValueCommand({ SecretIdList: ['prod/A', 'staging/B'] }),
      );
      expect(batch.SecretValues?.map((value) => value.Name)).toEqual(['prod/A']);
      expect(batch.Errors?.[0]).toMatchObject({
        SecretId: 'staging/B',
        ErrorCode: 'AccessDeniedException',
      });
    } finally {
      reader.destroy();
      await scoped.close();
    }
  });
});

describe('fault injection', () => {
  it('throttles with ThrottlingException, which the SDK retries', async () => {
    emulator.setFaults({ throttleNext: 2 });
    const answer = await client.send(new GetSecretValueCommand({ SecretId: 'app/DB_PASSWORD' }));
    expect(answer.SecretString).toBe('hunter2');
    expect(answer.$metadata.attempts).toBe(3);
    expect(emulator.requests.map((record) => record.errorType)).toEqual([
      'ThrottlingException',
      'ThrottlingException',
      undefined,
    ]);
  });

  it('fails with InternalServiceError (HTTP 500) until the SDK gives up', async () => {
    emulator.setFaults({ errorRate: 1 });
    const error = await failure(
      client.send(new GetSecretValueCommand({ SecretId: 'app/DB_PASSWORD' })),
    );
    expect(error.name).toBe('InternalServiceError');
    expect(error.$metadata.httpStatusCode).toBe(500);
    expect(error.$metadata.attempts).toBe(3);
    expect(emulator.calls('GetSecretValue')).toBe(3);
  });

  it('limits faults to the operations named', async () => {
    emulator.setFaults({ errorRate: 1, operations: ['BatchGetSecretValue'] });
    await expect(
      client.send(new GetSecretValueCommand({ SecretId: 'app/DB_PASSWORD' })),
    ).resolves.toMatchObject({ SecretString: 'hunter2' });
  });

  it('draws rates from the injected random source', async () => {
    const draws = [0.05, 0.5];
    const seeded = await startAwsSecretsManagerEmulator({
      seed: { K: 'v' },
      faults: { errorRate: 0.1 },
      random: () => draws.shift() ?? 1,
    });
    const once = new SecretsManagerClient({
      endpoint: seeded.endpoint,
      region: seeded.region,
      credentials: seeded.credentials,
      maxAttempts: 1,
    });
    try {
      expect((await failure(once.send(new GetSecretValueCommand({ SecretId: 'K' })))).name).toBe(
        'InternalServiceError',
      );
      await expect(once.send(new GetSecretValueCommand({ SecretId: 'K' }))).resolves.toMatchObject({
        SecretString: 'v',
      });
    } finally {
      once.destroy();
      await seeded.close();
    }
  });

  it('adds latency before answering', async () => {
    emulator.setFaults({ latencyMs: 60 });
    const started = performance.now();
    await client.send(new GetSecretValueCommand({ SecretId: 'app/DB_PASSWORD' }));
    expect(performance.now() - started).toBeGreaterThanOrEqual(55);
  });

  it('refuses unsigned requests and unknown operations', async () => {
    const unsigned = await fetch(emulator.endpoint, {
      method: 'POST',
      headers: { 'x-amz-target': 'secretsmanager.GetSecretValue' },
      body: '{"SecretId":"app/API_KEY"}',
    });
    expect(unsigned.status).toBe(403);
    expect(await unsigned.json()).toMatchObject({ __type: 'MissingAuthenticationTokenException' });
    const unknown = await fetch(emulator.endpoint, {
      method: 'POST',
      headers: {
        'x-amz-target': 'secretsmanager.DeleteEverything',
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKID/20300101/us-east-1/secretsmanager/aws4_request',
      },
      body: '{}',
    });
    expect(await unknown.json()).toMatchObject({ __type: 'UnknownOperationException' });
  });
});
