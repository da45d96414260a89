/**
 * The canary: the Azure provider runs every feature with known secret values (reads by name
 * and tag, failures, throttling, stale serving, writes) and nothing Baton emits (errors with
 * their causes, audit events, metrics, spans, stdout/stderr/console) may contain them.
 */

import { SecretClient } from '@azure/keyvault-secrets';
import { createBaton } from '@baton/core';
import { manualClock } from '@baton/core/testing';
import { startAzureKeyVaultEmulator } from '@baton-tools/azure-key-vault-emulator';
import { expectNothingLeaked, providerCanary } from '@baton-tools/test-kit';
import { expect, it } from 'vitest';
import { azureKeyVault } from '../src/index.js';
import { clientFor, emulatorClientOptions, fixedCredential } from './helpers.js';

/** Parses as a ref name, as many real tokens do. */
const CANARY_REF_SHAPED = 'ghp_CANARY7f3a9c1e5b2d8f4a6c0e9b7d3f1a5c';
const CANARY = 'sk-canary-azure-1a2b3c4d5e6f-!@#';
const CANARY_TAGGED = 'canary-tagged-value-2112';
const CANARY_WRITTEN = 'canary-written-value-6502';
const CANARY_TOKEN = 'canary-bearer-token-1337';
const CANARIES = [CANARY, CANARY_REF_SHAPED, CANARY_TAGGED, CANARY_WRITTEN, CANARY_TOKEN];

it('no secret value appears in anything Baton emits while using Azure Key Vault', async () => {
  const canary = providerCanary();
  const { output, errors, events, telemetry, failure } = canary;
  const vault = await startAzureKeyVaultEmulator({
    tokens: [CANARY_TOKEN],
    seed: {
      'API-KEY': CANARY,
      'API-KEY-V2': CANARY_REF_SHAPED,
      LOCKED: CANARY,
      [CANARY_REF_SHAPED.replaceAll('_', '-')]: CANARY,
    },
  });
  vault.setSecret('HOOK', CANARY, { tags: { 'baton-version': 'v1' } });
  vault.setSecret('HOOK', CANARY_TAGGED, { tags: { 'baton-version': 'v2' } });
  vault.forbid('LOCKED');
  const clock = manualClock();
  const names = azureKeyVault({
    vaultUrl: vault.vaultUrl,
    credential: fixedCredential(CANARY_TOKEN),
    clientOptions: emulatorClientOptions(vault, 1),
    versions: 'names',
  });
  const tags = azureKeyVault({
    vaultUrl: vault.vaultUrl,
    client: clientFor(vault, 1, CANARY_TOKEN),
    versions: 'tags',
    name: 'azure-tags',
  });
  const wrongToken = azureKeyVault({
    vaultUrl: vault.vaultUrl,
    client: clientFor(vault, 0, `${CANARY_TOKEN}-not-accepted`),
    versions: 'names',
    name: 'azure-wrong-token',
  });
  const options = canary.batonOptions(clock);
  const baton = createBaton({ ...options, sources: [names] });
  const tagged = createBaton({ ...options, sources: [tags] });
  try {
    await baton.getSecrets(['API_KEY', 'API_KEY:v2', CANARY_REF_SHAPED]);
    await failure(() => baton.getSecret(`${CANARY_REF_SHAPED}:v9`));
    await failure(() => baton.getSecret(`_${CANARY_REF_SHAPED}`));
    await failure(() => baton.getSecret(CANARY));
    await failure(() => baton.getSecret('LOCKED'));
    await failure(() => createBaton({ ...options, sources: [wrongToken] }).getSecret('API_KEY'));
    await tagged.getSecrets(['HOOK', 'HOOK:v1', 'HOOK:v2']);
    await failure(() => tagged.getSecret('HOOK:v3'));

    // Throttling honoured by the SDK, stale-if-error, then the error.
    vault.setFaults({ throttleNext: 1, retryAfterMs: 10 });
    await baton.rotateSecret('API_KEY');
    vault.setFaults({ errorRate: 1 });
    clock.advance(1000);
    await baton.getSecret('API_KEY');
    vault.setFaults({ throttleRate: 1, retryAfterMs: 10 });
    await tagged.getSecret('HOOK:v2');
    clock.advance(120_000);
    await failure(() => baton.getSecret('API_KEY'));
    await failure(() => tagged.getSecret('HOOK:v2'));
    vault.setFaults({});

    // Writes.
    await tags.put('HOOK:v3', CANARY_WRITTEN, { tags: { owner: 'ops' } });
    await tagged.rotateSecret('HOOK:v3');
    await names.put('FRESH', CANARY_WRITTEN);
    await failure(() => names.put('LOCKED', CANARY_WRITTEN));
    await failure(() => names.put(`_${CANARY_REF_SHAPED}`, CANARY_WRITTEN));

    // Failures raised before the vault answers, whose messages are kept.
    const nowhere = azureKeyVault({
      client: new SecretClient(
        'https://vault.baton-canary.invalid',
        fixedCredential(CANARY_TOKEN),
        {
          retryOptions: { maxRetries: 0 },
        },
      ),
      name: 'azure-nowhere',
    });
    await failure(() => nowhere.put('NOWHERE', CANARY_WRITTEN));
    const unreachable = createBaton({ ...options, sources: [nowhere] });
    await failure(() => unreachable.getSecret('NOWHERE'));
    await unreachable.close();

    await Promise.all([baton.close(), tagged.close()]);
  } finally {
    output.restore();
    await vault.close();
  }

  expect(errors).toHaveLength(12);
  expect(events.filter((event) => event.type === 'secret_stale_served')).toHaveLength(2);
  expect(telemetry.spans.getFinishedSpans().length).toBeGreaterThan(10);
  // 'source_error' proves the JSON-lines sink really wrote.
  await expectNothingLeaked(
    output,
    { errors, events, telemetry },
    {
      markers: [
        'Forbidden',
        'Unauthorized',
        'Throttled',
        'source_error',
        'getaddrinfo ENOTFOUND vault.baton-canary.invalid',
      ],
      secrets: CANARIES,
    },
  );
});
