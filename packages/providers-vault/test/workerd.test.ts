/**
 * The edge claim, proven: a Worker bundled with @baton/core and @baton/providers-vault (from
 * their sources) runs in workerd through Miniflare and reads and writes the Vault emulator over
 * workerd's own fetch, with token, AppRole and Kubernetes (token from a binding) auth.
 */
import { bundleForWorkerd } from '@baton-tools/test-kit/workerd';
import {
  serviceAccountJwt,
  startVaultEmulator,
  type VaultEmulator,
} from '@baton-tools/vault-emulator';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CANARY = 'edge-canary-value-6f1d2c';
let vault: VaultEmulator;
let mf: Miniflare;
let script: string;

beforeAll(async () => {
  vault = await startVaultEmulator({
    seed: { 'edge/API_KEY': CANARY },
    policies: {
      edge: [{ path: 'secret/data/edge/*', capabilities: ['read', 'create', 'update'] }],
    },
    appRoles: {
      edge: { roleId: 'edge-role', secretIds: ['edge-secret'], policies: ['edge'] },
    },
    kubernetesRoles: {
      edge: { serviceAccountNames: ['edge'], namespaces: ['workers'], policies: ['edge'] },
    },
  });
  ({ code: script } = await bundleForWorkerd(new URL('./fixtures/worker.ts', import.meta.url)));
  mf = new Miniflare({
    modules: true,
    script,
    compatibilityDate: '2026-04-01',
    bindings: {
      VAULT_ADDR: vault.address,
      VAULT_TOKEN: vault.issueToken({ policies: ['edge'] }),
      VAULT_ROLE_ID: 'edge-role',
      VAULT_SECRET_ID: 'edge-secret',
      K8S_JWT: serviceAccountJwt({ namespace: 'workers', name: 'edge' }),
    },
  });
  await mf.ready;
});

afterAll(async () => {
  await mf?.dispose();
  await vault?.close();
});

async function ask(
  query: string,
  init?: { method: string; body: string },
): Promise<{ status: number; body: unknown }> {
  const res = await mf.dispatchFetch(`http://worker.test/?${query}`, init);
  return { status: res.status, body: await res.json() };
}

describe('vaultKv in workerd', () => {
  it('is a bundle for workerd: no Node built-in is imported', () => {
    expect(script).toContain('vaultKv');
    expect(script).not.toMatch(/from\s*["']node:/);
    expect(script).not.toMatch(/require\(["']node:/);
    expect(script).not.toMatch(/import\(["']node:/);
  });

  it('reads a secret with a token from a binding', async () => {
    expect(await ask('ref=API_KEY')).toEqual({ status: 200, body: { value: CANARY } });
    expect(vault.calls('KvRead')).toBe(1);
  });

  it('logs in with AppRole and with Kubernetes auth (service account token from a binding)', async () => {
    vault.resetCounters();
    expect(await ask('ref=API_KEY&auth=approle')).toEqual({ status: 200, body: { value: CANARY } });
    expect(await ask('ref=API_KEY&auth=kubernetes')).toEqual({
      status: 200,
      body: { value: CANARY },
    });
    expect([vault.calls('AppRoleLogin'), vault.calls('KubernetesLogin')]).toEqual([1, 1]);
  });

  it('writes with check-and-set, and reports a lost race as BATON_CONFLICT without the value', async () => {
    const put = (ref: string, value: string) => ask(`ref=${ref}`, { method: 'PUT', body: value });
    expect(await put('ROTATED:v1', 'edge-one')).toEqual({ status: 200, body: { versionId: '1' } });
    const lost = await put('ROTATED:v1', CANARY);
    expect(lost.status).toBe(502);
    expect(lost.body).toMatchObject({
      error: { name: 'VaultConflictError', code: 'BATON_CONFLICT' },
    });
    expect(JSON.stringify(lost.body)).not.toContain(CANARY);
    expect(vault.readSecret('edge/ROTATED')).toEqual({ value: 'edge-one' });
  });

  it('answers a missing ref with the not-found hint', async () => {
    const missing = await ask('ref=MISSING:v2');
    expect(missing.body).toMatchObject({
      error: {
        code: 'BATON_NOT_FOUND',
        message: expect.stringContaining('write version 2 of secret/data/edge/MISSING'),
      },
    });
  });
});
