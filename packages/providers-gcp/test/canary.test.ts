/**
 * The canary: the GCP provider runs every feature with known secret values (reads, latest
 * fallback, aliases, batches, denials, throttling, corruption, stale serving, writes, races,
 * alias moves) and nothing Baton emits (errors with their causes, audit events, metrics,
 * spans, stdout/stderr/console) may contain them.
 */

import { createBaton } from '@baton/core';
import { manualClock } from '@baton/core/testing';
import { startGcpSecretManagerEmulator } from '@baton-tools/gcp-secret-manager-emulator';
import { expectNothingLeaked, providerCanary } from '@baton-tools/test-kit';
import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { expect, it } from 'vitest';
import { gcpSecretManager } from '../src/index.js';

const PROJECT = 'canary-project';
/** Parses as a ref name, as many real tokens do. */
const CANARY_REF_SHAPED = 'ghp_CANARY7f3a9c1e5b2d8f4a6c0e9b7d3f1a5c';
const CANARY = 'sk-canary-gcp-4e5f6a7b8c9d-!@#';
const CANARY_OLD = 'canary-gcp-older-version-2718';
const CANARY_WRITTEN = 'canary-gcp-written-value-3141';
const CANARIES = [CANARY, CANARY_REF_SHAPED, CANARY_OLD, CANARY_WRITTEN];

it('no secret value appears in anything Baton emits while using GCP Secret Manager', async () => {
  const canary = providerCanary();
  const { output, errors, events, telemetry, failure } = canary;
  const emulator = await startGcpSecretManagerEmulator({
    project: PROJECT,
    seed: {
      API_KEY: [CANARY_OLD, CANARY],
      API_KEY_SHAPED: CANARY_REF_SHAPED,
      [CANARY_REF_SHAPED]: CANARY,
      DENIED: CANARY,
    },
    iam: {
      app: [
        { role: 'roles/secretmanager.admin', resource: `projects/${PROJECT}/secrets/API_*` },
        { role: 'roles/secretmanager.admin', resource: `projects/${PROJECT}/secrets/ROTATING` },
        { role: 'roles/secretmanager.admin', resource: `projects/${PROJECT}/secrets/FRESH` },
        { role: 'roles/secretmanager.admin', resource: `projects/${PROJECT}/secrets/ghp_*` },
        { permissions: ['secretmanager.secrets.create'], resource: `projects/${PROJECT}` },
      ],
    },
  });
  emulator.addVersion('API_ROLLED', CANARY_OLD);
  emulator.addVersion('API_ROLLED', CANARY, { state: 'DISABLED' });
  emulator.addVersion('ROTATING', CANARY, { aliases: ['v1'] });
  const clock = manualClock();
  const client = new SecretManagerServiceClient(emulator.clientOptions('app'));
  const retry = { attempts: 2, baseDelayMs: 1 };
  const numbers = gcpSecretManager({ projectId: PROJECT, client, retry });
  const aliases = gcpSecretManager({
    projectId: PROJECT,
    client,
    retry,
    versions: 'aliases',
    name: 'gcp-aliases',
  });
  const options = canary.batonOptions(clock);
  const baton = createBaton({ ...options, sources: [numbers] });
  const aliased = createBaton({ ...options, sources: [aliases] });
  try {
    // Reads: numbers, latest with its fallback, aliases, batches, refs shaped like values.
    await baton.getSecrets(['API_KEY', 'API_KEY:v1', 'API_KEY_SHAPED', 'API_ROLLED']);
    await failure(() => baton.getSecrets(['API_KEY:v9', 'MISSING', 'DENIED']));
    await baton.getSecret(CANARY_REF_SHAPED);
    await failure(() => baton.getSecret(`${CANARY_REF_SHAPED}:v2`));
    await failure(() => baton.getSecret('DENIED'));
    await aliased.getSecret('ROTATING:v1');
    await failure(() => aliased.getSecret('ROTATING:v4'));

    // Corruption, throttling ridden out, then failures served stale, then surfacing.
    emulator.corruptNext(1);
    await failure(() => baton.rotateSecret('API_KEY:v1'));
    emulator.setFaults({ throttleNext: 1 });
    await baton.rotateSecret('API_KEY');
    emulator.setFaults({ errorRate: 1 });
    clock.advance(1000);
    await baton.getSecret('API_KEY');
    clock.advance(120_000);
    await failure(() => baton.getSecret('API_KEY'));
    emulator.setFaults({ throttleRate: 1 });
    await failure(() => baton.rotateSecret('API_KEY_SHAPED'));
    await failure(() => baton.rotateSecret(`${CANARY_REF_SHAPED}:v1`));
    emulator.setFaults({});

    // Writes: new versions, conflicts, a race, alias moves, a denied write.
    await numbers.put('FRESH:v1', CANARY_WRITTEN);
    await failure(() => numbers.put('FRESH:v1', CANARY));
    await failure(() => numbers.put('FRESH:v4', CANARY));
    await Promise.allSettled([
      numbers.put('API_RACE:v1', CANARY_WRITTEN),
      numbers.put('API_RACE:v1', CANARY),
    ]).then((results) => {
      for (const result of results) if (result.status === 'rejected') errors.push(result.reason);
    });
    await aliases.put('ROTATING:v2', CANARY_WRITTEN);
    await failure(() => aliases.put('ROTATING:v2', CANARY));
    await aliases.moveAlias('ROTATING:v2', 'current');
    await failure(() => numbers.put('DENIED', CANARY_WRITTEN));
    await aliased.rotateSecret('ROTATING:v2');

    await Promise.all([baton.close(), aliased.close()]);
  } finally {
    output.restore();
    await client.close();
    await emulator.close();
  }

  expect(errors).toHaveLength(13);
  expect(events.some((event) => event.type === 'secret_stale_served')).toBe(true);
  expect(telemetry.spans.getFinishedSpans().length).toBeGreaterThan(10);
  // 'source_error' proves the JSON-lines sink really wrote.
  await expectNothingLeaked(
    output,
    { errors, events, telemetry },
    {
      markers: [
        'PERMISSION_DENIED',
        'RESOURCE_EXHAUSTED',
        'CRC32C',
        'BATON_CONFLICT',
        'source_error',
      ],
      secrets: CANARIES,
    },
  );
});
