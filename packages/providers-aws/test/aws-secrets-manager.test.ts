import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  type BatonError,
  ConfigError,
  createBaton,
  defaultsSource,
  SecretNotFoundError,
  SourceError,
  WithheldError,
} from '@baton/core';
import { manualClock } from '@baton/core/testing';
import {
  type AwsSecretsManagerEmulator,
  startAwsSecretsManagerEmulator,
} from '@baton-tools/aws-secrets-manager-emulator';
import { auditCollector } from '@baton-tools/test-kit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AwsSecretsManagerError, awsSecretsManager, BundleFormatError } from '../src/index.js';
import { clientFor } from './helpers.js';

let emulator: AwsSecretsManagerEmulator;

async function failure(work: () => Promise<unknown>): Promise<BatonError> {
  try {
    await work();
  } catch (error) {
    return error as BatonError;
  }
  throw new Error('expected a failure');
}

beforeAll(async () => {
  emulator = await startAwsSecretsManagerEmulator({
    seed: {
      'prod/OPENAI_KEY': 'openai-current',
      'prod/OPENAI_KEY_V2': 'openai-v2',
      'prod/app-bundle': JSON.stringify({
        DB_PASSWORD: 'db-pass',
        API_KEY_V2: 'api-v2',
        PORT: 8080,
      }),
      'prod/broken-bundle': 'not json {',
    },
  });
  emulator.putSecret('prod/WEBHOOK_SECRET', 'hook-v1', { stages: ['AWSCURRENT', 'v1'] });
  emulator.putSecret('prod/WEBHOOK_SECRET', 'hook-v2', { stages: ['v2'] });
});

afterAll(async () => {
  await emulator.close();
});

afterEach(() => {
  emulator.setFaults({});
  emulator.resetCounters();
});

describe("versions: 'names'", () => {
  it('reads OPENAI_KEY:v2 from the secret prefix + OPENAI_KEY_V2, and OPENAI_KEY from prefix + OPENAI_KEY', async () => {
    const source = awsSecretsManager({
      client: clientFor(emulator),
      prefix: 'prod/',
      versions: 'names',
    });
    const baton = createBaton({ sources: [source], audit: false });
    expect(await baton.getSecret('OPENAI_KEY:v2')).toBe('openai-v2');
    expect(await baton.getSecret('OPENAI_KEY')).toBe('openai-current');
    expect(source.locate('OPENAI_KEY:V2')).toEqual({
      secretId: 'prod/OPENAI_KEY_V2',
      versionStage: 'AWSCURRENT',
    });
  });

  it('answers absent for a secret that does not exist, so the chain goes on', async () => {
    const baton = createBaton({
      sources: [
        awsSecretsManager({ client: clientFor(emulator), prefix: 'prod/', versions: 'names' }),
        defaultsSource({ LOG_LEVEL: 'info' }),
      ],
      audit: false,
    });
    expect(await baton.getSecret('LOG_LEVEL')).toBe('info');
    const missing = await failure(() => baton.getSecret('NOWHERE:v3'));
    expect(missing).toBeInstanceOf(SecretNotFoundError);
    expect(emulator.calls('GetSecretValue')).toBe(2);
  });
});

describe("versions: 'labels'", () => {
  it('reads WEBHOOK_SECRET:v2 at staging label v2, and WEBHOOK_SECRET at AWSCURRENT', async () => {
    const source = awsSecretsManager({
      client: clientFor(emulator),
      prefix: 'prod/',
      versions: 'labels',
    });
    const baton = createBaton({ sources: [source], audit: false });
    expect(await baton.getSecret('WEBHOOK_SECRET:v2')).toBe('hook-v2');
    expect(await baton.getSecret('WEBHOOK_SECRET:v1')).toBe('hook-v1');
    expect(await baton.getSecret('WEBHOOK_SECRET')).toBe('hook-v1');
    expect(source.locate('WEBHOOK_SECRET:v2')).toEqual({
      secretId: 'prod/WEBHOOK_SECRET',
      versionStage: 'v2',
    });
  });

  it('answers absent for a label no version carries', async () => {
    const baton = createBaton({
      sources: [
        awsSecretsManager({ client: clientFor(emulator), prefix: 'prod/', versions: 'labels' }),
      ],
      audit: false,
    });
    expect(await failure(() => baton.getSecret('WEBHOOK_SECRET:v7'))).toBeInstanceOf(
      SecretNotFoundError,
    );
  });

  it('batches unversioned refs and reads labelled ones one by one', async () => {
    const baton = createBaton({
      sources: [
        awsSecretsManager({ client: clientFor(emulator), prefix: 'prod/', versions: 'labels' }),
      ],
      audit: false,
    });
    const values = await baton.getSecrets(['WEBHOOK_SECRET', 'OPENAI_KEY', 'WEBHOOK_SECRET:v2']);
    expect(values).toEqual({
      WEBHOOK_SECRET: 'hook-v1',
      OPENAI_KEY: 'openai-current',
      'WEBHOOK_SECRET:v2': 'hook-v2',
    });
    expect(emulator.calls('BatchGetSecretValue')).toBe(1);
    expect(emulator.calls('GetSecretValue')).toBe(1);
  });
});

describe('bundle', () => {
  it('answers many refs from one JSON secret with one call', async () => {
    const baton = createBaton({
      sources: [
        awsSecretsManager({
          client: clientFor(emulator),
          prefix: 'prod/',
          versions: 'names',
          bundle: 'app-bundle',
        }),
      ],
      audit: false,
    });
    const values = await baton.getSecrets(['DB_PASSWORD', 'API_KEY:v2']);
    expect(values).toEqual({ DB_PASSWORD: 'db-pass', 'API_KEY:v2': 'api-v2' });
    expect(emulator.calls()).toBe(1);
    // Concurrent single reads of different keys share the bundle read too.
    baton.invalidate();
    emulator.resetCounters();
    await Promise.all([baton.getSecret('DB_PASSWORD'), baton.getSecret('API_KEY:v2')]);
    expect(emulator.calls()).toBe(1);
  });

  it('answers absent for a key the bundle lacks and refuses a key that is not a string', async () => {
    const baton = createBaton({
      sources: [
        awsSecretsManager({
          client: clientFor(emulator),
          prefix: 'prod/',
          versions: 'names',
          bundle: 'app-bundle',
        }),
      ],
      audit: false,
    });
    expect(await failure(() => baton.getSecret('MISSING_KEY'))).toBeInstanceOf(SecretNotFoundError);
    const notText = await failure(() => baton.getSecret('PORT'));
    expect(notText.code).toBe('BATON_SOURCE_FAILED');
    expect(notText.message).toContain('holds number, not a string');
  });

  it('fails clearly, without quoting it, when the bundle is not JSON', async () => {
    const baton = createBaton({
      sources: [
        awsSecretsManager({
          client: clientFor(emulator),
          prefix: 'prod/',
          versions: 'names',
          bundle: 'broken-bundle',
        }),
      ],
      audit: false,
    });
    const error = await failure(() => baton.getSecret('ANY'));
    expect(error).toBeInstanceOf(BundleFormatError);
    expect(error.message).toContain(
      'bundle "prod/broken-bundle" at AWSCURRENT is not a JSON object',
    );
    expect(error.message).not.toContain('not json {');
  });

  it("reads the bundle version at the ref's label in 'labels' mode", async () => {
    emulator.putSecret('lbl/bundle', JSON.stringify({ TOKEN: 'token-current' }));
    emulator.putSecret('lbl/bundle', JSON.stringify({ TOKEN: 'token-v3' }), { stages: ['v3'] });
    const baton = createBaton({
      sources: [
        awsSecretsManager({
          client: clientFor(emulator),
          prefix: 'lbl/',
          versions: 'labels',
          bundle: 'bundle',
        }),
      ],
      audit: false,
    });
    expect(await baton.getSecrets(['TOKEN', 'TOKEN:v3'])).toEqual({
      TOKEN: 'token-current',
      'TOKEN:v3': 'token-v3',
    });
    expect(emulator.calls('GetSecretValue')).toBe(2);
  });
});

describe('batch reads', () => {
  it('resolves 45 refs through getSecrets with at most 3 BatchGetSecretValue calls', async () => {
    const refs = Array.from({ length: 45 }, (_, index) => `BULK_${index}`);
    for (const ref of refs) emulator.putSecret(`bulk/${ref}`, `value-of-${ref}`);
    const baton = createBaton({
      sources: [
        awsSecretsManager({ client: clientFor(emulator), prefix: 'bulk/', versions: 'names' }),
      ],
      audit: false,
    });
    const values = await baton.getSecrets(refs);
    expect(Object.keys(values)).toHaveLength(45);
    for (const ref of refs) expect(values[ref]).toBe(`value-of-${ref}`);
    expect(emulator.calls('BatchGetSecretValue')).toBe(3);
    expect(emulator.calls('GetSecretValue')).toBe(0);
  });

  it('lets a secret that fails inside a batch fail alone, with its own error', async () => {
    emulator.putSecret('mixed/GOOD', 'good');
    emulator.putSecret('mixed/LOCKED', 'locked');
    emulator.disableKey('mixed/LOCKED');
    const baton = createBaton({
      sources: [
        awsSecretsManager({
          client: clientFor(emulator, { maxAttempts: 1 }),
          prefix: 'mixed/',
          versions: 'names',
        }),
      ],
      audit: false,
    });
    const error = await failure(() => baton.getSecrets(['GOOD', 'LOCKED', 'ABSENT']));
    // Two failures: LOCKED (DecryptionFailure) and ABSENT (no source has it).
    expect(error.message).toContain('2 of 3 refs could not be resolved');
    expect(error.message).toContain('failed to read LOCKED: DecryptionFailure');
    expect(await baton.getSecret('GOOD')).toBe('good');
    expect(emulator.calls('BatchGetSecretValue')).toBe(1);
    expect(emulator.calls('GetSecretValue')).toBe(1);
  });

  it('reads one by one when the caller may not use BatchGetSecretValue', async () => {
    const scoped = await startAwsSecretsManagerEmulator({
      seed: { 'prod/A': 'a', 'prod/B': 'b' },
      policies: {
        AKIDSINGLE: [
          {
            actions: ['secretsmanager:GetSecretValue'],
            resources: ['arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/*'],
          },
        ],
      },
    });
    try {
      const baton = createBaton({
        sources: [
          awsSecretsManager({
            client: clientFor(scoped, { accessKeyId: 'AKIDSINGLE' }),
            prefix: 'prod/',
            versions: 'names',
          }),
        ],
        audit: false,
      });
      expect(await baton.getSecrets(['A', 'B'])).toEqual({ A: 'a', B: 'b' });
      baton.invalidate();
      await baton.getSecrets(['A', 'B']);
      // The denied batch was tried once; every later read goes one by one.
      expect(scoped.calls('BatchGetSecretValue')).toBe(1);
      expect(scoped.calls('GetSecretValue')).toBe(4);
    } finally {
      await scoped.close();
    }
  });
});

describe('errors', () => {
  it('fails access denied with BATON_SOURCE_FAILED naming the AWS error type, and stops the chain', async () => {
    const scoped = await startAwsSecretsManagerEmulator({
      seed: { 'prod/A': 'a', 'staging/B': 'b' },
      policies: {
        AKIDPROD: [
          { actions: ['secretsmanager:BatchGetSecretValue'], resources: ['*'] },
          {
            actions: ['secretsmanager:GetSecretValue'],
            resources: ['arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/*'],
          },
        ],
      },
    });
    try {
      const baton = createBaton({
        sources: [
          awsSecretsManager({
            client: clientFor(scoped, { accessKeyId: 'AKIDPROD' }),
            prefix: 'staging/',
            versions: 'names',
          }),
          defaultsSource({ B: 'fallback' }),
        ],
        audit: false,
      });
      const error = await failure(() => baton.getSecret('B'));
      expect(error).toBeInstanceOf(AwsSecretsManagerError);
      expect(error).toBeInstanceOf(SourceError);
      expect(error.code).toBe('BATON_SOURCE_FAILED');
      const aws = error as AwsSecretsManagerError;
      expect(aws.errorType).toBe('AccessDeniedException');
      expect(aws.status).toBe(400);
      expect(aws.requestId).toMatch(/^[0-9a-f-]{36}$/);
      expect(aws.message).toBe(
        `Source "aws-secrets-manager" failed to read B: AccessDeniedException (GetSecretValue of secret "staging/B" at AWSCURRENT, HTTP 400, request id ${aws.requestId}, 1 attempt)`,
      );
      // The SDK's message (which names the caller and resource) is not kept anywhere.
      expect(JSON.stringify(aws.cause)).not.toContain('not authorized');
    } finally {
      await scoped.close();
    }
  });

  it('fails a decryption failure with BATON_SOURCE_FAILED naming DecryptionFailure', async () => {
    emulator.putSecret('kms/LOCKED', 'locked-value');
    emulator.disableKey('kms/LOCKED');
    const baton = createBaton({
      sources: [
        awsSecretsManager({ client: clientFor(emulator), prefix: 'kms/', versions: 'names' }),
      ],
      audit: false,
    });
    const error = (await failure(() => baton.getSecret('LOCKED'))) as AwsSecretsManagerError;
    expect(error.code).toBe('BATON_SOURCE_FAILED');
    expect(error.errorType).toBe('DecryptionFailure');
    expect(error.message).not.toContain('locked-value');
  });

  it('lets the SDK retry throttling, then surfaces ThrottlingException after its attempts', async () => {
    const baton = createBaton({
      sources: [
        awsSecretsManager({
          client: clientFor(emulator, { maxAttempts: 3 }),
          prefix: 'prod/',
          versions: 'names',
        }),
      ],
      audit: false,
    });
    emulator.setFaults({ throttleNext: 2 });
    expect(await baton.getSecret('OPENAI_KEY')).toBe('openai-current');
    expect(emulator.calls('GetSecretValue')).toBe(3);

    emulator.setFaults({ throttleRate: 1 });
    const error = (await failure(() => baton.getSecret('OPENAI_KEY:v2'))) as AwsSecretsManagerError;
    expect(error.errorType).toBe('ThrottlingException');
    expect(error.attempts).toBe(3);
  });

  it('lets the SDK retry 5xx, then surfaces InternalServiceError', async () => {
    const baton = createBaton({
      sources: [
        awsSecretsManager({
          client: clientFor(emulator, { maxAttempts: 2 }),
          prefix: 'prod/',
          versions: 'names',
        }),
      ],
      audit: false,
    });
    emulator.setFaults({ failNext: 1 });
    expect(await baton.getSecret('OPENAI_KEY')).toBe('openai-current');
    emulator.setFaults({ errorRate: 1 });
    const error = (await failure(() => baton.getSecret('OPENAI_KEY:v2'))) as AwsSecretsManagerError;
    expect(error.errorType).toBe('InternalServiceError');
    expect(error.status).toBe(500);
    expect(error.attempts).toBe(2);
  });

  it('fails a whole batch with one error naming BatchGetSecretValue when the service is down', async () => {
    emulator.setFaults({ errorRate: 1 });
    const baton = createBaton({
      sources: [
        awsSecretsManager({
          client: clientFor(emulator, { maxAttempts: 1 }),
          prefix: 'prod/',
          versions: 'names',
        }),
      ],
      audit: false,
    });
    const error = (await failure(() =>
      baton.getSecrets(['OPENAI_KEY', 'OPENAI_KEY:v2', 'A', 'B']),
    )) as AwsSecretsManagerError;
    expect(error).toBeInstanceOf(AwsSecretsManagerError);
    expect(error.operation).toBe('BatchGetSecretValue');
    expect(error.message).toContain('failed to read 4 refs (OPENAI_KEY, OPENAI_KEY:v2, A, …)');
  });

  it('names the network failure when the service cannot be reached', async () => {
    const gone = await startAwsSecretsManagerEmulator();
    const client = clientFor(gone, { maxAttempts: 1 });
    await gone.close();
    const baton = createBaton({
      sources: [awsSecretsManager({ client, versions: 'names' })],
      audit: false,
    });
    const error = (await failure(() => baton.getSecret('ANY'))) as AwsSecretsManagerError;
    expect(error.code).toBe('BATON_SOURCE_FAILED');
    expect(error.errorType).toBe('ECONNREFUSED');
  });
});

describe('failures the client raises before any request', () => {
  /** Runs `work` in an environment without AWS settings: no region, no credentials, no files. */
  async function withoutAwsEnvironment<T>(work: () => Promise<T>): Promise<T> {
    const saved = { ...process.env };
    for (const key of Object.keys(process.env)) {
      if (key.startsWith('AWS_')) delete process.env[key];
    }
    Object.assign(process.env, {
      AWS_CONFIG_FILE: '/nonexistent/aws-config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    try {
      return await work();
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  }

  async function readFailure(client: SecretsManagerClient): Promise<AwsSecretsManagerError> {
    const baton = createBaton({ sources: [awsSecretsManager({ client })], audit: false });
    const error = (await failure(() => baton.getSecret('OPENAI_KEY'))) as AwsSecretsManagerError;
    expect(error).toBeInstanceOf(AwsSecretsManagerError);
    expect(error.code).toBe('BATON_SOURCE_FAILED');
    return error;
  }

  it('keeps the SDK’s message when the client has no region', async () => {
    const error = await withoutAwsEnvironment(() =>
      readFailure(
        new SecretsManagerClient({
          endpoint: emulator.endpoint,
          credentials: emulator.credentials,
        }),
      ),
    );
    expect(error.message).toBe(
      'Source "aws-secrets-manager" failed to read OPENAI_KEY: Error (GetSecretValue of secret "OPENAI_KEY" at AWSCURRENT): Region is missing',
    );
    expect(error.clientMessage).toBe('Region is missing');
    expect(emulator.calls('GetSecretValue')).toBe(0);
  });

  it('keeps the SDK’s message when no credentials can be found', async () => {
    const error = await withoutAwsEnvironment(() =>
      readFailure(new SecretsManagerClient({ endpoint: emulator.endpoint, region: 'us-east-1' })),
    );
    expect(error.errorType).toBe('CredentialsProviderError');
    expect(error.message).toContain(
      'failed to read OPENAI_KEY: CredentialsProviderError (GetSecretValue of secret "OPENAI_KEY" at AWSCURRENT): Could not load credentials from any providers',
    );
    expect(emulator.calls('GetSecretValue')).toBe(0);
  });

  it('keeps the SDK’s message when the endpoint’s host does not resolve', async () => {
    const error = await readFailure(
      new SecretsManagerClient({
        endpoint: 'http://secretsmanager.baton-test.invalid',
        region: 'us-east-1',
        credentials: emulator.credentials,
        maxAttempts: 1,
      }),
    );
    expect(error.errorType).toBe('ENOTFOUND');
    expect(error.message).toMatch(
      /failed to read OPENAI_KEY: ENOTFOUND \(GetSecretValue .*, 1 attempt\): getaddrinfo ENOTFOUND secretsmanager\.baton-test\.invalid$/,
    );
  });

  it('keeps the SDK error on underlying and only its name and code on cause, for service errors too', async () => {
    const noRegion = await withoutAwsEnvironment(() =>
      readFailure(
        new SecretsManagerClient({
          endpoint: emulator.endpoint,
          credentials: emulator.credentials,
        }),
      ),
    );
    expect(noRegion.underlying).toBeInstanceOf(Error);
    expect((noRegion.underlying as Error).message).toBe('Region is missing');
    expect(noRegion.cause).toBeInstanceOf(WithheldError);

    emulator.putSecret('kms/SEALED', 'sealed-value');
    emulator.disableKey('kms/SEALED');
    const baton = createBaton({
      sources: [awsSecretsManager({ client: clientFor(emulator), prefix: 'kms/' })],
      audit: false,
    });
    const service = (await failure(() => baton.getSecret('SEALED'))) as AwsSecretsManagerError;
    expect(service.clientMessage).toBeUndefined();
    expect(service.underlying).toMatchObject({
      name: 'DecryptionFailure',
      $metadata: { requestId: service.requestId, httpStatusCode: service.status },
    });
    expect(service.cause).toBeInstanceOf(WithheldError);
    expect((service.cause as Error).message).not.toContain('KMS');
  });

  it('never keeps a client message that holds the value being written', async () => {
    const value = 'value-being-written-42';
    const client = new SecretsManagerClient({
      endpoint: emulator.endpoint,
      region: 'us-east-1',
      credentials: async () => {
        throw new Error(`refusing to sign a request holding ${value}`);
      },
    });
    const error = (await failure(() =>
      awsSecretsManager({ client }).put('FRESH', value),
    )) as AwsSecretsManagerError;
    expect(error.code).toBe('BATON_SOURCE_FAILED');
    expect(error.clientMessage).toBeUndefined();
    expect(error.message).not.toContain(value);
  });
});

describe('what to create when a ref is missing', () => {
  it('names the secret, key or label, in the region of the client given', async () => {
    const client = clientFor(emulator);
    const cases = [
      [{ prefix: 'prod/' }, 'MISSING:v2', 'create the secret prod/MISSING_V2'],
      [
        { prefix: 'prod/', versions: 'labels' },
        'MISSING:v2',
        'add a version labelled v2 to the secret prod/MISSING',
      ],
      [{ prefix: 'prod/', versions: 'labels' }, 'MISSING', 'create the secret prod/MISSING'],
      [
        { prefix: 'prod/', bundle: 'app-bundle' },
        'MISSING:v2',
        'add the key MISSING_V2 to the JSON secret prod/app-bundle',
      ],
    ] as const;
    for (const [options, ref, hint] of cases) {
      const baton = createBaton({
        sources: [awsSecretsManager({ client, ...options })],
        audit: false,
      });
      const error = await failure(() => baton.getSecret(ref));
      expect(error).toBeInstanceOf(SecretNotFoundError);
      expect(error.message).toBe(
        `No value for ${ref}: ${hint} in AWS Secrets Manager (us-east-1) (tried: aws-secrets-manager)`,
      );
    }
  });

  it('names the region given to the client Baton creates', () => {
    const source = awsSecretsManager({ region: 'eu-west-1', prefix: 'prod/' });
    expect(source.hint?.({ name: 'OPENAI_KEY', version: 2, ref: 'OPENAI_KEY:v2' })).toBe(
      'create the secret prod/OPENAI_KEY_V2 in AWS Secrets Manager (eu-west-1)',
    );
    source.client.destroy();
  });
});

describe('with the cache of @baton/core', () => {
  it('makes one provider call for 300 concurrent cold reads of one ref', async () => {
    const baton = createBaton({
      sources: [
        awsSecretsManager({ client: clientFor(emulator), prefix: 'prod/', versions: 'names' }),
      ],
      audit: false,
    });
    const values = await Promise.all(
      Array.from({ length: 300 }, () => baton.getSecret('OPENAI_KEY:v2')),
    );
    expect(new Set(values)).toEqual(new Set(['openai-v2']));
    expect(emulator.calls()).toBe(1);
  });

  it('serves the last value while the service fails, then surfaces the error after maxStaleMs', async () => {
    const clock = manualClock();
    const audit = auditCollector();
    const baton = createBaton({
      sources: [
        awsSecretsManager({
          client: clientFor(emulator, { maxAttempts: 1 }),
          prefix: 'prod/',
          versions: 'names',
        }),
      ],
      cache: { ttlMs: 60_000, maxStaleMs: 600_000, missTtlMs: 5_000 },
      clock,
      audit: audit.sink,
    });
    expect(await baton.getSecret('OPENAI_KEY')).toBe('openai-current');
    emulator.setFaults({ errorRate: 1 });
    clock.advance(60_000);
    expect(await baton.getSecret('OPENAI_KEY')).toBe('openai-current');
    expect(emulator.calls('GetSecretValue')).toBe(2);
    clock.advance(600_000);
    const error = (await failure(() => baton.getSecret('OPENAI_KEY'))) as AwsSecretsManagerError;
    expect(error.errorType).toBe('InternalServiceError');
    await baton.flush();
    expect(audit.events.map((event) => event.type)).toEqual([
      'secret_read',
      'source_error',
      'secret_stale_served',
      'source_error',
    ]);
    // Once the service is back, the next read fetches again.
    emulator.setFaults({});
    expect(await baton.getSecret('OPENAI_KEY')).toBe('openai-current');
  });
});

describe('writes', () => {
  it("creates the secret on the first put and moves AWSCURRENT on the next ('names')", async () => {
    const source = awsSecretsManager({
      client: clientFor(emulator),
      prefix: 'w1/',
      versions: 'names',
    });
    const first = await source.put('NEW_KEY:v1', 'first');
    expect(first).toMatchObject({ secretId: 'w1/NEW_KEY_V1', created: true });
    const second = await source.put('NEW_KEY:v1', 'second');
    expect(second.created).toBe(false);
    expect(emulator.stages('w1/NEW_KEY_V1')).toEqual({
      [first.versionId]: ['AWSPREVIOUS'],
      [second.versionId]: ['AWSCURRENT'],
    });
    const baton = createBaton({ sources: [source], audit: false });
    expect(await baton.getSecret('NEW_KEY:v1')).toBe('second');
  });

  it('repeats a write with the same idempotency token without a second version', async () => {
    const source = awsSecretsManager({
      client: clientFor(emulator),
      prefix: 'w2/',
      versions: 'names',
    });
    const token = '0d9c6e6a-6f59-4b1a-9d8e-2c3b4a5f6e7d';
    const first = await source.put('TOKENED', 'value', { idempotencyToken: token });
    const again = await source.put('TOKENED', 'value', { idempotencyToken: token });
    expect(first.versionId).toBe(token);
    expect(again.versionId).toBe(token);
    expect(Object.keys(emulator.stages('w2/TOKENED'))).toEqual([token]);
    const conflict = (await failure(() =>
      source.put('TOKENED', 'other', { idempotencyToken: token }),
    )) as AwsSecretsManagerError;
    expect(conflict.errorType).toBe('ResourceExistsException');
    expect(conflict.message).toContain('failed to write TOKENED');
  });

  it("writes OPENAI_KEY:v3 as a version labelled v3, then promotes it with moveLabel ('labels')", async () => {
    emulator.putSecret('w3/OPENAI_KEY', 'old', { stages: ['AWSCURRENT', 'v2'] });
    const source = awsSecretsManager({
      client: clientFor(emulator),
      prefix: 'w3/',
      versions: 'labels',
    });
    const baton = createBaton({ sources: [source], audit: false });
    const put = await source.put('OPENAI_KEY:v3', 'new');
    expect(await baton.getSecret('OPENAI_KEY')).toBe('old');
    expect(await baton.getSecret('OPENAI_KEY:v3')).toBe('new');

    const moved = await source.moveLabel('OPENAI_KEY:v3', 'AWSCURRENT');
    expect(moved.versionId).toBe(put.versionId);
    expect(await baton.rotateSecret('OPENAI_KEY')).toBe('new');
    const stages = emulator.stages('w3/OPENAI_KEY');
    expect(stages[put.versionId]?.sort()).toEqual(['AWSCURRENT', 'v3']);
    expect(stages[moved.previousVersionId as string]?.sort()).toEqual(['AWSPREVIOUS', 'v2']);
    // Moving a label where it already is changes nothing and calls nothing but DescribeSecret.
    emulator.resetCounters();
    await source.moveLabel('OPENAI_KEY:v3', 'AWSCURRENT');
    expect(emulator.calls('UpdateSecretVersionStage')).toBe(0);
  });

  it("labels a newly created secret's first version with the ref's label too", async () => {
    const source = awsSecretsManager({
      client: clientFor(emulator),
      prefix: 'w4/',
      versions: 'labels',
    });
    const put = await source.put('FRESH:v1', 'fresh');
    expect(emulator.stages('w4/FRESH')).toEqual({ [put.versionId]: ['AWSCURRENT', 'v1'] });
  });

  it('refuses writes to a bundle, bad tokens, and moves of a label no version carries', async () => {
    const bundled = awsSecretsManager({
      client: clientFor(emulator),
      versions: 'names',
      bundle: 'b',
    });
    expect(await failure(() => bundled.put('A', 'x'))).toBeInstanceOf(ConfigError);
    const source = awsSecretsManager({
      client: clientFor(emulator),
      prefix: 'prod/',
      versions: 'labels',
    });
    const short = await failure(() => source.put('A', 'x', { idempotencyToken: 'short' }));
    expect(short).toBeInstanceOf(ConfigError);
    expect(short.message).toContain('32 to 64 characters');
    const unlabelled = (await failure(() =>
      source.moveLabel('WEBHOOK_SECRET:v9', 'AWSCURRENT'),
    )) as AwsSecretsManagerError;
    expect(unlabelled.message).toContain('no version carries the label v9');
  });
});

describe('options', () => {
  it('lists every invalid option in one ConfigError', () => {
    const error = (() => {
      try {
        awsSecretsManager({
          versions: 'tags' as 'names',
          prefix: 'bad prefix!',
          client: clientFor(emulator),
          region: 'eu-west-1',
        });
      } catch (caught) {
        return caught as ConfigError;
      }
      throw new Error('expected a ConfigError');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.issues).toEqual([
      'awsSecretsManager: versions must be "names" or "labels"',
      'awsSecretsManager: prefix may hold only letters, digits and /_+=.@- (at most 256 characters)',
      'awsSecretsManager: region applies only to the client Baton creates; set it on your client',
    ]);
  });

  it("reads a bundle through a client given, without versions ('names' by default)", async () => {
    const source = awsSecretsManager({ client: clientFor(emulator), bundle: 'prod/app-bundle' });
    const baton = createBaton({ sources: [source], audit: false });
    expect(await baton.getSecrets(['DB_PASSWORD', 'API_KEY:v2'])).toEqual({
      DB_PASSWORD: 'db-pass',
      'API_KEY:v2': 'api-v2',
    });
    expect(emulator.calls('GetSecretValue')).toBe(1);
  });

  it('creates its own client from the SDK environment, as for local development', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: emulator.endpoint,
      AWS_REGION: emulator.region,
      AWS_ACCESS_KEY_ID: emulator.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: emulator.credentials.secretAccessKey,
    });
    try {
      const source = awsSecretsManager({ prefix: 'prod/', versions: 'names' });
      const baton = createBaton({ sources: [source], audit: false });
      expect(await baton.getSecret('OPENAI_KEY')).toBe('openai-current');
      expect(await source.client.config.region()).toBe('us-east-1');
      source.client.destroy();
    } finally {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  });
});
