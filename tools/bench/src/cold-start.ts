import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { formatRate, printTable } from './harness.js';

/** An emulator running in its own process (see `emulator-process.ts`). */
export interface EmulatorProcess<Ready> {
  /** What the emulator reported: how to reach it. */
  readonly ready: Ready;
  /** Requests it answered since the last reset. */
  calls(): Promise<number>;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

/** One way of reading from a cold start. */
export interface ColdCase {
  name: string;
  run: () => Promise<unknown>;
}

export interface ColdRow {
  name: string;
  calls: number;
  wallMs: number;
  reads: number;
}

const ROUNDS = 15;

/** Starts `aws`, `gcp` or `vault` in its own process, seeded with `secrets` secrets. */
export async function startEmulatorProcess<Ready>(
  kind: 'aws' | 'gcp' | 'vault',
  secrets: number,
): Promise<EmulatorProcess<Ready>> {
  const child: ChildProcess = fork(
    fileURLToPath(new URL('./emulator-process.ts', import.meta.url)),
    [kind],
    {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, BENCH_SECRETS: String(secrets) },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    },
  );
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) =>
      reject(new Error(`the ${kind} emulator exited with ${code} before listening`)),
    );
    child.once('message', (message) => resolve(message as Ready));
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
    ready,
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

/**
 * Runs each case from a cold start, in alternating order round after round (so drift and
 * garbage collection fall on every case alike), after two untimed rounds; answers the median
 * wall time and the calls of one round per case.
 */
export async function compareCold(
  emulator: EmulatorProcess<unknown>,
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

/** Prints cold-start rows: calls, median wall time, reads per second, ratio to the first row. */
export function printCold(title: string, rows: ColdRow[]): void {
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

/** The note printed under cold-start tables. */
export const COLD_NOTE = `(provider calls counted at the emulator, which runs in its own process; wall time is the median of ${ROUNDS} alternating rounds with fresh instances)\n`;
