/**
 * The canary: the Vault provider runs every feature with known secret values and credentials
 * (reads, fields, deleted versions, denials, every auth method, renewal, a 403 and its
 * re-login, throttling, stale serving, check-and-set writes and their conflicts) and nothing
 * Baton emits (errors with their causes, audit events, metrics, spans, stdout/stderr/console)
 * may contain them: neither a value, nor a token, a secret id or a service account token.
 */

import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBaton } from '@baton/core';
import { manualClock } from '@baton/core/testing';
import { expectNothingLeaked, providerCanary } from '@baton-tools/test-kit';
import { serviceAccountJwt, startVaultEmulator } from '@baton-tools/vault-emulator';
import { expect, it } from 'vitest';
import { vaultAppRole, vaultKubernetes, vaultKv, vaultToken } from '../src/index.js';

/** Parses as a ref name, as many real tokens do. */
const CANARY_REF_SHAPED = 'ghp_CANARY9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c';
const CANARY = 'sk-canary-vault-1a2b3c4d5e6f-!@#';
const CANARY_OLD = 'canary-vault-older-version-1618';
const CANARY_WRITTEN = 'canary-vault-written-value-1414';
const CANARY_TOKEN = 'hvs.CANARYtokenAAAAAAAAAAAAAAAA';
const CANARY_SECRET_ID = 'canary-secret-id-0f9e8d7c';
const CANARY_FIELD = 'canary-other-field-value-5772';

it('no secret value or credential appears in anything Baton emits while using Vault', async () => {
  const canary = providerCanary();
  const { output, errors, events, telemetry, failure } = canary;
  const clock = manualClock(Date.parse('2026-05-01T00:00:00Z'));
  const vault = await startVaultEmulator({
    clock,
    seed: {
      'app/API_KEY': { value: CANARY, other: CANARY_FIELD },
      'app/SHAPED': CANARY_REF_SHAPED,
      [`app/${CANARY_REF_SHAPED}`]: CANARY,
      'app/NUMERIC': { value: 42 as unknown as string },
      'app/DENIED': CANARY,
    },
    policies: {
      app: [
        { path: 'secret/data/app/*', capabilities: ['read', 'create', 'update'] },
        { path: 'secret/data/app/DENIED', capabilities: ['deny'] },
      ],
    },
    tokens: { [CANARY_TOKEN]: { policies: ['app'], ttlSec: 300 } },
    appRoles: {
      app: {
        roleId: 'app-role',
        secretIds: [CANARY_SECRET_ID],
        policies: ['app'],
        tokenTtlSec: 60,
        tokenMaxTtlSec: 100,
      },
    },
    kubernetesRoles: {
      app: { serviceAccountNames: ['app'], namespaces: ['apps'], policies: ['app'] },
    },
  });
  vault.writeSecret('app/API_KEY', { value: CANARY_OLD });
  vault.writeSecret('app/API_KEY', { value: CANARY });
  vault.deleteVersions('app/API_KEY', [2]);
  const jwt = serviceAccountJwt({
    namespace: 'apps',
    name: 'app',
    expiresAt: clock() / 1000 + 3600,
  });
  const dir = await mkdtemp(join(tmpdir(), 'baton-vault-canary-'));
  await writeFile(join(dir, 'token'), jwt);
  const common = {
    address: vault.address,
    prefix: 'app/',
    clock,
    retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 },
  };
  const byToken = vaultKv({ ...common, auth: vaultToken(CANARY_TOKEN) });
  const byAppRole = vaultKv({
    ...common,
    auth: vaultAppRole({ roleId: 'app-role', secretId: CANARY_SECRET_ID }),
    name: 'vault-approle',
  });
  const byKubernetes = vaultKv({
    ...common,
    auth: vaultKubernetes({ role: 'app', jwtPath: join(dir, 'token') }),
    tokenHeader: 'authorization',
    name: 'vault-k8s',
  });
  const wrongSecretId = vaultKv({
    ...common,
    auth: vaultAppRole({ roleId: 'app-role', secretId: `${CANARY_SECRET_ID}-wrong` }),
    name: 'vault-wrong',
  });
  const options = canary.batonOptions(clock);
  const baton = createBaton({ ...options, sources: [byAppRole] });
  const tokenBaton = createBaton({ ...options, sources: [byToken] });
  const k8sBaton = createBaton({ ...options, sources: [byKubernetes] });
  try {
    // Reads with every auth method; deleted versions; denials; odd fields; ref-shaped names.
    await baton.getSecrets(['API_KEY', 'API_KEY:v1', 'API_KEY:v3', 'SHAPED', CANARY_REF_SHAPED]);
    await failure(() => baton.getSecrets(['API_KEY:v2', 'DENIED', 'NUMERIC']));
    await failure(() => baton.getSecret(`${CANARY_REF_SHAPED}:v4`));
    await tokenBaton.getSecret('API_KEY');
    await k8sBaton.getSecret('API_KEY:v3');
    await failure(() => createBaton({ ...options, sources: [wrongSecretId] }).getSecret('API_KEY'));

    // Renewal, a revoked token's re-login, throttling, stale serving, then the error.
    clock.advance(45_000);
    await baton.rotateSecret('API_KEY');
    vault.setFaults({ throttleNext: 1 });
    await k8sBaton.rotateSecret('API_KEY');
    vault.setFaults({ errorRate: 1 });
    clock.advance(1000);
    await baton.getSecret('API_KEY');
    clock.advance(120_000);
    await failure(() => baton.getSecret('API_KEY'));
    await failure(() => tokenBaton.rotateSecret(CANARY_REF_SHAPED));
    vault.setFaults({});
    vault.revokeToken(CANARY_TOKEN);
    await failure(() => tokenBaton.rotateSecret('API_KEY'));

    // Writes: check-and-set, a lost race, an unconditional write, a denied write.
    await byAppRole.put('FRESH:v1', CANARY_WRITTEN);
    await failure(() => byAppRole.put('FRESH:v1', CANARY));
    await byKubernetes.put('FRESH', CANARY_WRITTEN);
    await failure(() => byAppRole.put('DENIED:v2', CANARY_WRITTEN));
    await baton.rotateSecret('FRESH:v1');

    await Promise.all([baton.close(), tokenBaton.close(), k8sBaton.close()]);
  } finally {
    output.restore();
    await vault.close();
  }

  expect(errors).toHaveLength(8);
  expect(events.some((event) => event.type === 'secret_stale_served')).toBe(true);
  expect(telemetry.spans.getFinishedSpans().length).toBeGreaterThan(10);
  // 'source_error' proves the JSON-lines sink really wrote.
  await expectNothingLeaked(
    output,
    { errors, events, telemetry },
    {
      markers: ['permission denied', 'BATON_CONFLICT', 'source_error'],
      secrets: [
        CANARY,
        CANARY_OLD,
        CANARY_WRITTEN,
        CANARY_REF_SHAPED,
        CANARY_TOKEN,
        CANARY_SECRET_ID,
        CANARY_FIELD,
        jwt,
      ],
    },
  );
});
