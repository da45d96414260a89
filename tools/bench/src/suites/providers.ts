import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createBaton } from '@baton/core';
import { awsSecretsManager } from '@baton/providers-aws';
import { formatRate, measureAsync, printTable, table } from '../harness.js';

const REFS = 100;
const HOT_READERS = 1000;
const ROUNDS = 15;
/** Both sides cache for the same time: Baton's default TTL, 300 s. */
const MAX_AGE_SEC = 300;

interface Emulator {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  calls(): Promise<number>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

interface ColdRow {
  name: string;
  calls: number;
  wallMs: number;
  reads: number;
}

/**
 * Baton's AWS provider beside Powertools for AWS Lambda's SecretsProvider, both on the real
 * SDK against the emulator (in its own process): provider calls counted at the emulator,
 * wall time (median of rounds, each with fresh instances) and reads per second.
 */
export default async function providers(): Promise<void> {
  const emulator = await startEmulator();
  const client = () =>
    new SecretsManagerClient({
      endpoint: emulator.endpoint,
      region: emulator.region,
      credentials: emulator.credentials,
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
    process.stdout.write(
      `(provider calls counted at the emulator, which runs in its own process; wall time is the median of ${ROUNDS} alternating rounds with fresh instances)\n`,
    );
  } finally {
    for (const each of [batonClient, powertoolsClient, sdkClient]) each.destroy();
    await emulator.stop();
  }
}

interface ColdCase {
  name: string;
  run: () => Promise<unknown>;
}

/**
 * Runs each case from a cold start, in alternating order round after round (so drift and
 * garbage collection fall on every case alike), after two untimed rounds; answers the median
 * wall time and the calls of one round per case.
 */
async function compareCold(
  emulator: Emulator,
  reads: number,
  cases: readonly ColdCase[],
): Promise<ColdRow[]> {
  const times = new Map<string, number[]>(cases.map((each) => [each.name, []]));
  const calls = new Map<string, number>();
  for (let round = -2; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? cases : [...cases].reverse();
    for (const each of order) {
      await emulator.reset();
      const started = process.hrtime.bigint();
      await each.run();
      const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
      const counted = await emulator.calls();
      if (calls.has(each.name) && calls.get(each.name) !== counted) {
        throw new Error(`${each.name}: provider calls vary between rounds`);
      }
      calls.set(each.name, counted);
      if (round >= 0) times.get(each.name)?.push(elapsed);
    }
  }
  return cases.map((each) => {
    const sorted = (times.get(each.name) ?? []).sort((a, b) => a - b);
    return {
      name: each.name,
      calls: calls.get(each.name) ?? 0,
      wallMs: sorted[Math.floor(sorted.length / 2)] as number,
      reads,
    };
  });
}

function printCold(title: string, rows: ColdRow[]): void {
  const baseline = rows[0] as ColdRow;
  printTable(
    title,
    ['case', 'provider calls', 'wall ms', 'reads/s', 'vs baseline'],
    rows.map((row) => [
      row.name,
      String(row.calls),
      row.wallMs.toFixed(2),
      formatRate((row.reads * 1000) / row.wallMs),
      `${(baseline.wallMs / row.wallMs).toFixed(3)}×`,
    ]),
  );
}

async function startEmulator(): Promise<Emulator> {
  const child: ChildProcess = fork(
    fileURLToPath(new URL('../aws-emulator-process.ts', import.meta.url)),
    [],
    {
      execArgv: ['--conditions=@baton/source', '--import', 'tsx'],
      env: { ...process.env, BENCH_SECRETS: String(REFS) },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    },
  );
  const ready = await new Promise<{
    endpoint: string;
    region: string;
    credentials: Emulator['credentials'];
  }>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) =>
      reject(new Error(`the emulator exited with ${code} before listening`)),
    );
    child.once('message', (message) => resolve(message as never));
  });
  child.removeAllListeners('exit');
  let next = 0;
  const ask = (type: string) =>
    new Promise<number>((resolve) => {
      const id = ++next;
      const listener = (message: { id?: number; calls?: number }) => {
        if (message.id !== id) return;
        child.off('message', listener);
        resolve(message.calls ?? 0);
      };
      child.on('message', listener);
      child.send({ type, id });
    });
  return {
    ...ready,
    calls: () => ask('calls'),
    reset: async () => {
      await ask('reset');
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
