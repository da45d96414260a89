/**
 * The canary: the AWS provider runs every feature with known secret values (reads, batches,
 * bundles, failures, stale serving, writes) and nothing Baton emits (errors with their causes,
 * audit events, metrics, spans, stdout/stderr/console) may contain them.
 */

import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createBaton } from '@baton/core';
import { manualClock } from '@baton/core/testing';
import { startAwsSecretsManagerEmulator } from '@baton-tools/aws-secrets-manager-emulator';
import { expectNothingLeaked, providerCanary } from '@baton-tools/test-kit';
import { expect, it } from 'vitest';
import { awsSecretsManager } from '../src/index.js';
import { clientFor } from './helpers.js';

/** Parses as a ref name, as many real tokens do. */
const CANARY_REF_SHAPED = 'ghp_CANARY7f3a9c1e5b2d8f4a6c0e9b7d3f1a5c';
const CANARY = 'sk-canary-aws-9d8c7b6a5f4e-!@#';
const CANARY_BUNDLED = 'canary-bundled-value-5150';
const CANARY_WRITTEN = 'canary-written-value-8086';
const CANARIES = [CANARY, CANARY_REF_SHAPED, CANARY_BUNDLED, CANARY_WRITTEN];

it('no secret value appears in anything Baton emits while using AWS Secrets Manager', async () => {
  const canary = providerCanary();
  const { output, errors, events, telemetry, failure } = canary;
  const emulator = await startAwsSecretsManagerEmulator({
    seed: {
      'prod/API_KEY': CANARY,
      'prod/API_KEY_V2': CANARY_REF_SHAPED,
      'prod/LOCKED': CANARY,
      'prod/bundle': JSON.stringify({ BUNDLED: CANARY_BUNDLED, NOT_TEXT: { inner: CANARY } }),
      'prod/broken': `{"BROKEN": "${CANARY}"`,
      [`prod/${CANARY_REF_SHAPED}`]: CANARY,
      'staging/DENIED': CANARY,
    },
    policies: {
      AKIDAPP: [
        { actions: ['secretsmanager:BatchGetSecretValue'], resources: ['*'] },
        {
          actions: ['secretsmanager:*'],
          resources: ['arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/*'],
        },
      ],
    },
  });
  emulator.putSecret('prod/ROTATING', CANARY, { stages: ['AWSCURRENT', 'v1'] });
  emulator.disableKey('prod/LOCKED');
  const clock = manualClock();
  const client = clientFor(emulator, { accessKeyId: 'AKIDAPP', maxAttempts: 2 });
  const names = awsSecretsManager({ client, prefix: 'prod/', versions: 'names' });
  const labels = awsSecretsManager({
    client,
    prefix: 'prod/',
    versions: 'labels',
    name: 'aws-labels',
  });
  const bundle = awsSecretsManager({
    client,
    prefix: 'prod/',
    versions: 'names',
    bundle: 'bundle',
    name: 'aws-bundle',
  });
  const broken = awsSecretsManager({
    client,
    prefix: 'prod/',
    versions: 'names',
    bundle: 'broken',
    name: 'aws-broken',
  });
  const denied = awsSecretsManager({
    client,
    prefix: 'staging/',
    versions: 'names',
    name: 'aws-denied',
  });
  const options = canary.batonOptions(clock);
  const baton = createBaton({ ...options, sources: [names] });
  try {
    // Reads: single, batch, labels, bundle; refs shaped like the values themselves.
    await baton.getSecret('API_KEY');
    await baton
      .getSecrets(['API_KEY', 'API_KEY:v2', 'ROTATING', 'MISSING'])
      .catch((error) => errors.push(error));
    await failure(() => baton.getSecret(CANARY_REF_SHAPED));
    await failure(() => baton.getSecret(`${CANARY_REF_SHAPED}:v2`));
    await failure(() => baton.getSecret(CANARY));
    await failure(() => baton.getSecret('LOCKED'));
    await failure(() => baton.getSecrets(['LOCKED', 'API_KEY:v2', CANARY_REF_SHAPED]));
    const labelled = createBaton({ ...options, sources: [labels] });
    await labelled.getSecrets(['ROTATING', 'ROTATING:v1']);
    await failure(() => labelled.getSecret('ROTATING:v5'));
    const bundled = createBaton({ ...options, sources: [bundle] });
    await bundled.getSecret('BUNDLED');
    await failure(() => bundled.getSecret('NOT_TEXT'));
    await failure(() => createBaton({ ...options, sources: [broken] }).getSecret('BROKEN'));
    await failure(() => createBaton({ ...options, sources: [denied] }).getSecret('DENIED'));
    await failure(() =>
      createBaton({ ...options, sources: [denied] }).getSecret(CANARY_REF_SHAPED),
    );

    // Throttling and 5xx through the SDK's retries, stale-if-error, then the error.
    emulator.setFaults({ throttleNext: 1 });
    await baton.rotateSecret('API_KEY');
    emulator.setFaults({ errorRate: 1 });
    clock.advance(1000);
    await baton.getSecret('API_KEY');
    await failure(() => baton.getSecrets(['API_KEY:v2', 'ROTATING']));
    clock.advance(120_000);
    await failure(() => baton.getSecret('API_KEY'));
    emulator.setFaults({});

    // Writes: new versions, a conflicting token, label moves.
    const token = '7c0a4c3e-6a7b-4d5e-9f10-1a2b3c4d5e6f';
    await labels.put('ROTATING:v2', CANARY_WRITTEN, { idempotencyToken: token });
    await failure(() => labels.put('ROTATING:v2', CANARY, { idempotencyToken: token }));
    await labels.moveLabel('ROTATING:v2', 'AWSCURRENT');
    await names.put('FRESH', CANARY_WRITTEN);
    await failure(() => denied.put('DENIED', CANARY_WRITTEN));
    await failure(() => bundle.put('BUNDLED', CANARY_WRITTEN));
    await labelled.rotateSecret('ROTATING');

    // Failures raised by the client before any request, whose messages are kept.
    const nowhere = new SecretsManagerClient({
      endpoint: 'http://secretsmanager.baton-canary.invalid',
      region: 'us-east-1',
      credentials: emulator.credentials,
      maxAttempts: 1,
    });
    await failure(() => awsSecretsManager({ client: nowhere }).put('NOWHERE', CANARY_WRITTEN));
    const unreachable = createBaton({
      ...options,
      sources: [awsSecretsManager({ client: nowhere })],
    });
    await failure(() => unreachable.getSecret('NOWHERE'));
    await unreachable.close();
    nowhere.destroy();

    await Promise.all([baton.close(), labelled.close(), bundled.close()]);
  } finally {
    output.restore();
    client.destroy();
    await emulator.close();
  }

  expect(errors).toHaveLength(16);
  expect(events.some((event) => event.type === 'secret_stale_served')).toBe(true);
  expect(telemetry.spans.getFinishedSpans().length).toBeGreaterThan(10);
  // 'source_error' proves the JSON-lines sink really wrote.
  await expectNothingLeaked(
    output,
    { errors, events, telemetry },
    {
      markers: [
        'AccessDeniedException',
        'DecryptionFailure',
        'source_error',
        'getaddrinfo ENOTFOUND secretsmanager.baton-canary.invalid',
      ],
      secrets: CANARIES,
    },
  );
});
