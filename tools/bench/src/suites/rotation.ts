import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { type Baton, createBaton } from '@baton/core';
import { type AwsSecretsManagerSource, awsSecretsManager } from '@baton/providers-aws';
import { randomSecret, rotate } from '@baton/rotation';
import { startEmulatorProcess } from '../cold-start.js';
import { printTable } from '../harness.js';

/** Secrets rotated per round, each from v1 to v2. */
const ROTATIONS = 20;
const ROUNDS = 9;

interface AwsReady {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

interface Prepared {
  source: AwsSecretsManagerSource;
  baton: Baton;
  names: string[];
}

/**
 * What a rotation run's guarantees cost: `rotate` with `randomSecret` against AWS Secrets
 * Manager (the emulator in its own process) beside the bare write and promotion of a
 * hand-made rotation (no look for a half-made version, no read-back, no test through the
 * sources, no check before the promotion). Provider calls counted at the emulator; wall time
 * per rotation, the median of alternating rounds, with the secrets prepared off the clock.
 */
export default async function rotation(): Promise<void> {
  const emulator = await startEmulatorProcess<AwsReady>('aws', 0);
  const client = new SecretsManagerClient({
    endpoint: emulator.ready.endpoint,
    region: emulator.ready.region,
    credentials: emulator.ready.credentials,
  });
  const rotator = randomSecret();
  let round = 0;
  const prepare = async (): Promise<Prepared> => {
    const source = awsSecretsManager({ client, prefix: `rotation-${round++}/`, versions: 'names' });
    const baton = createBaton({ sources: [source], audit: false });
    const names = Array.from({ length: ROTATIONS }, (_, index) => `K${index}`);
    for (const name of names) {
      await source.put(`${name}:v1`, `first-${name}`);
      await baton.register(name, `${name}:v1`);
    }
    return { source, baton, names };
  };
  const cases: { name: string; run(prepared: Prepared): Promise<void> }[] = [
    {
      name: 'baseline: put NAME:v2, promote',
      async run({ source, baton, names }) {
        for (const name of names) {
          const ref = `${name}:v2`;
          const context = { baton, logical: name, currentRef: `${name}:v1`, pendingRef: ref };
          await source.put(ref, await rotator.create(context));
          await baton.promote(name, ref);
        }
      },
    },
    {
      name: 'rotate() with randomSecret',
      async run({ source, baton, names }) {
        for (const name of names) await rotate(baton, name, { rotator, source });
      },
    },
  ];

  const times = new Map<string, number[]>(cases.map((each) => [each.name, []]));
  const calls = new Map<string, number>();
  try {
    for (let index = -2; index < ROUNDS; index++) {
      for (const each of index % 2 === 0 ? cases : [...cases].reverse()) {
        const prepared = await prepare();
        await emulator.reset();
        const started = process.hrtime.bigint();
        await each.run(prepared);
        const elapsed = Number(process.hrtime.bigint() - started) / 1e6;
        calls.set(each.name, await emulator.calls());
        if (index >= 0) times.get(each.name)?.push(elapsed);
      }
    }
  } finally {
    client.destroy();
    await emulator.stop();
  }
  const median = (name: string) => {
    const sorted = (times.get(name) ?? []).sort((a, b) => a - b);
    return (sorted[Math.floor(sorted.length / 2)] ?? 0) / ROTATIONS;
  };
  const baseline = median(cases[0]?.name ?? '');
  printTable(
    `${ROTATIONS} rotations per round, AWS Secrets Manager ('names')`,
    ['case', 'provider calls / rotation', 'ms / rotation', 'vs baseline'],
    cases.map((each) => [
      each.name,
      ((calls.get(each.name) ?? 0) / ROTATIONS).toFixed(1),
      median(each.name).toFixed(2),
      `${(baseline / median(each.name)).toFixed(3)}×`,
    ]),
  );
  process.stdout.write(
    `(provider calls counted at the emulator, in its own process; wall time is the median of ${ROUNDS} alternating rounds after two untimed ones)\n`,
  );
}
