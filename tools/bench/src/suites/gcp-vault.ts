import { createBaton } from '@baton/core';
import { gcpSecretManager } from '@baton/providers-gcp';
import { vaultAppRole, vaultKv, vaultToken } from '@baton/providers-vault';
import { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import { OAuth2Client } from 'google-auth-library';
import { COLD_NOTE, compareCold, printCold, startEmulatorProcess } from '../cold-start.js';
import { measureAsync, table } from '../harness.js';

const REFS = 100;

interface GcpReady {
  apiEndpoint: string;
  port: number;
  project: string;
}

interface VaultReady {
  address: string;
  rootToken: string;
}

/**
 * Baton's GCP Secret Manager and Vault providers beside their bare clients (the real
 * SecretManagerServiceClient over its HTTP fallback; plain fetch for Vault), each against its
 * emulator in its own process: a cold start of 100 refs (provider calls counted at the
 * emulator, median wall time), then cached reads beside a Map lookup and an uncached bare read.
 */
export default async function gcpVault(): Promise<void> {
  const names = Array.from({ length: REFS }, (_, index) => `S${index}`);
  const gcp = await startEmulatorProcess<GcpReady>('gcp', REFS);
  const vault = await startEmulatorProcess<VaultReady>('vault', REFS);
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: 'bench' });
  const client = new SecretManagerServiceClient({
    fallback: true,
    protocol: 'http',
    apiEndpoint: gcp.ready.apiEndpoint,
    port: gcp.ready.port,
    authClient,
  });
  const project = `projects/${gcp.ready.project}`;
  const bareAccess = (name: string) =>
    client.accessSecretVersion({ name: `${project}/secrets/${name}/versions/latest` });
  const newGcp = () =>
    createBaton({
      sources: [gcpSecretManager({ projectId: gcp.ready.project, client })],
      audit: false,
    });
  const { address, rootToken } = vault.ready;
  const bareVault = (name: string) =>
    fetch(`${address}/v1/secret/data/bench/${name}`, {
      headers: { 'x-vault-token': rootToken },
    }).then((res) => res.json());
  const newVault = (auth = vaultToken(rootToken)) =>
    createBaton({ sources: [vaultKv({ address, auth, prefix: 'bench/' })], audit: false });
  const appRole = () => vaultAppRole({ roleId: 'bench-role', secretId: 'bench-secret' });

  try {
    printCold(
      `GCP Secret Manager: ${REFS} refs, cold cache`,
      await compareCold(gcp, REFS, [
        {
          name: 'baseline: bare client, 100 accessSecretVersion in parallel',
          run: () => Promise.all(names.map(bareAccess)),
        },
        {
          name: 'Baton getSecrets (20 calls in flight at most)',
          run: () => newGcp().getSecrets(names),
        },
        {
          name: 'Baton, 100 concurrent getSecret',
          run: () => {
            const baton = newGcp();
            return Promise.all(names.map((name) => baton.getSecret(name)));
          },
        },
      ]),
    );
    printCold(
      `Vault KV v2: ${REFS} refs, cold cache`,
      await compareCold(vault, REFS, [
        {
          name: 'baseline: bare fetch, 100 GETs in parallel',
          run: () => Promise.all(names.map(bareVault)),
        },
        {
          name: 'Baton getSecrets, vaultToken (+ lookup-self)',
          run: () => newVault().getSecrets(names),
        },
        {
          name: 'Baton getSecrets, vaultAppRole (+ login)',
          run: () => newVault(appRole()).getSecrets(names),
        },
      ]),
    );
    process.stdout.write(COLD_NOTE);

    const gcpBaton = newGcp();
    const vaultBaton = newVault();
    await gcpBaton.getSecret('HOT');
    await vaultBaton.getSecret('HOT');
    await Promise.all([gcp.reset(), vault.reset()]);
    const values = new Map([['HOT', 'hot-value']]);
    const bare = { batch: 50, samples: 10, warmup: 2 };
    const rows = [
      await measureAsync('baseline: Map lookup + await', async () => values.get('HOT')),
      await measureAsync('Baton getSecret, GCP (cached)', () => gcpBaton.getSecret('HOT')),
      await measureAsync('Baton getSecret, Vault (cached)', () => vaultBaton.getSecret('HOT')),
    ];
    const calls = (await gcp.calls()) + (await vault.calls());
    if (calls !== 0) throw new Error(`cached reads made ${calls} provider calls`);
    rows.push(
      await measureAsync(
        'bare client: accessSecretVersion per read',
        () => bareAccess('HOT'),
        bare,
      ),
      await measureAsync('bare fetch: Vault GET per read', () => bareVault('HOT'), bare),
    );
    table(
      'cached reads of one ref',
      rows.map((row) => ({
        ...row,
        note: row.name.startsWith('Baton') ? 'provider calls: 0' : '',
      })),
    );
  } finally {
    await client.close();
    await Promise.all([gcp.stop(), vault.stop()]);
  }
}
