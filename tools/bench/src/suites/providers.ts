import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createBaton } from '@baton/core';
import { awsSecretsManager } from '@baton/providers-aws';
import { COLD_NOTE, compareCold, printCold, startEmulatorProcess } from '../cold-start.js';
import { measureAsync, table } from '../harness.js';

const REFS = 100;
const HOT_READERS = 1000;
/** Both sides cache for the same time: Baton's default TTL, 300 s. */
const MAX_AGE_SEC = 300;

interface AwsReady {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

/**
 * Baton's AWS provider beside Powertools for AWS Lambda's SecretsProvider, both on the real
 * SDK against the emulator (in its own process): provider calls counted at the emulator,
 * wall time (median of rounds, each with fresh instances) and reads per second.
 */
export default async function providers(): Promise<void> {
  const emulator = await startEmulatorProcess<AwsReady>('aws', REFS);
  const client = () =>
    new SecretsManagerClient({
      endpoint: emulator.ready.endpoint,
      region: emulator.ready.region,
      credentials: emulator.ready.credentials,
    });
  // One client per library: Powertools adds its own middleware to the client it is given.
  const batonClient = client();
  const powertoolsClient = client();
  const sdkClient = client();
  const names = Array.from({ length: REFS }, (_, index) => `S${index}`);
  const newBaton = () =>
    createBaton({
      sources: [awsSecretsManager({ client: batonClient, prefix: 'bench/', versions: 'names' })],
      audit: false,
    });
  const newPowertools = () => new SecretsProvider({ awsSdkV3Client: powertoolsClient });
  const powertoolsGet = (provider: SecretsProvider, name: string) =>
    provider.get(`bench/${name}`, { maxAge: MAX_AGE_SEC });

  try {
    const cold = await compareCold(emulator, REFS, [
      {
        name: 'baseline: bare SDK, 100 GetSecretValue in parallel',
        run: () =>
          Promise.all(
            names.map((name) =>
              sdkClient.send(new GetSecretValueCommand({ SecretId: `bench/${name}` })),
            ),
          ),
      },
      { name: 'Baton getSecrets (BatchGetSecretValue)', run: () => newBaton().getSecrets(names) },
      {
        name: 'Baton, 100 concurrent getSecret',
        run: () => {
          const baton = newBaton();
          return Promise.all(names.map((name) => baton.getSecret(name)));
        },
      },
      {
        name: 'Powertools SecretsProvider, 100 concurrent get',
        run: () => {
          const provider = newPowertools();
          return Promise.all(names.map((name) => powertoolsGet(provider, name)));
        },
      },
    ]);
    printCold(`${REFS} refs, cold cache`, cold);

    const hot = await compareCold(emulator, HOT_READERS, [
      {
        name: 'baseline: one GetSecretValue, awaited 1000 times',
        run: () => {
          const one = sdkClient.send(new GetSecretValueCommand({ SecretId: 'bench/HOT' }));
          return Promise.all(Array.from({ length: HOT_READERS }, () => one));
        },
      },
      {
        name: 'Baton, 1000 concurrent getSecret',
        run: () => {
          const baton = newBaton();
          return Promise.all(Array.from({ length: HOT_READERS }, () => baton.getSecret('HOT')));
        },
      },
      {
        name: 'Powertools SecretsProvider, 1000 concurrent get',
        run: () => {
          const provider = newPowertools();
          return Promise.all(
            Array.from({ length: HOT_READERS }, () => powertoolsGet(provider, 'HOT')),
          );
        },
      },
    ]);
    printCold(`${HOT_READERS} concurrent reads of one ref, cold cache`, hot);

    const baton = newBaton();
    const provider = newPowertools();
    await baton.getSecret('HOT');
    await powertoolsGet(provider, 'HOT');
    const values = new Map([['HOT', 'hot-value']]);
    await emulator.reset();
    const rows = [
      await measureAsync('baseline: Map lookup + await', async () => values.get('HOT')),
      await measureAsync('Baton getSecret (cached)', () => baton.getSecret('HOT')),
      await measureAsync('Powertools SecretsProvider get (cached)', () =>
        powertoolsGet(provider, 'HOT'),
      ),
    ];
    const calls = await emulator.calls();
    table(
      'cached reads of one ref',
      rows.map((row) => ({
        ...row,
        note: row.name.startsWith('baseline') ? '' : 'provider calls: 0',
      })),
    );
    if (calls !== 0) throw new Error(`cached reads made ${calls} provider calls`);
    process.stdout.write(COLD_NOTE);
  } finally {
    for (const each of [batonClient, powertoolsClient, sdkClient]) each.destroy();
    await emulator.stop();
  }
}
