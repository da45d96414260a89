import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Baton, createBaton, memoryStore, type RegistryStore } from '@baton/core';
import { fileStore } from '@baton/core/node';
import { postgresStore } from '@baton/registry-postgres';
import { type ChildWorker, startWorker } from '@baton-tools/test-kit';
import { measureSync, printTable, table } from '../harness.js';
import { benchDatabase, DATABASE_URL } from '../postgres.js';

const PROMOTIONS = 200;
const REPLICA = new URL('../registry-replica.ts', import.meta.url);

/**
 * Rotation propagation between processes (promote in this one → verifyRef accepting in
 * another), per store beside the bare notification it rides on; and verifyRef throughput
 * with the snapshot each store feeds.
 */
export default async function registry(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'baton-bench-registry-'));
  const { admin, reachable: postgres } = await benchDatabase('its rows are left out');
  const schema = `baton_bench_${process.pid}`;
  try {
    const rows: string[][] = [];
    const filePath = join(dir, 'registry.json');
    const rawFile = await propagation(['raw', 'file', dir], async (i) => {
      await writeFile(join(dir, `tmp-${i}`), String(i));
      await rename(join(dir, `tmp-${i}`), join(dir, `raw-${i}`));
      return `raw-${i}`;
    });
    rows.push(row('baseline: bare rename → fs.watch in another process', rawFile, rawFile));
    const file = await batonPropagation(fileStore({ path: filePath }), ['baton', 'file', filePath]);
    rows.push(row('fileStore: promote → verifyRef accepts', file, rawFile));

    if (postgres) {
      const channel = `bench_raw_${process.pid}`;
      const rawNotify = await propagation(['raw', 'postgres', DATABASE_URL, channel], async (i) => {
        await admin.query('SELECT pg_notify($1, $2)', [channel, String(i)]);
        return String(i);
      });
      rows.push(row('baseline: bare NOTIFY → LISTEN in another process', rawNotify, rawNotify));
      const store = postgresStore({ connectionString: DATABASE_URL, schema });
      const viaPostgres = await batonPropagation(store, [
        'baton',
        'postgres',
        DATABASE_URL,
        schema,
      ]);
      rows.push(row('postgresStore: promote → verifyRef accepts', viaPostgres, rawNotify));
    }
    printTable(
      `Rotation propagation between processes, ${PROMOTIONS} promotions each (target p99 ≤ 100 ms)`,
      ['case', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'p99 vs baseline'],
      rows,
    );

    // verifyRef reads the local snapshot whatever feeds it: the same speed is the point.
    const stores: [string, RegistryStore][] = [
      ['memoryStore', memoryStore()],
      ['fileStore', fileStore({ path: join(dir, 'throughput.json') })],
    ];
    if (postgres) {
      stores.push(['postgresStore', postgresStore({ connectionString: DATABASE_URL, schema })]);
    }
    const batons = [];
    for (const [name, store] of stores) {
      const baton = createBaton({ audit: false, registry: { store } });
      await baton.register('THROUGHPUT', 'THROUGHPUT:v1');
      await baton.promote('THROUGHPUT', 'THROUGHPUT:v2');
      batons.push({ name, baton });
    }
    const verify = (baton: Baton) => (i: number) =>
      baton.verifyRef('THROUGHPUT', i % 2 === 0 ? 'THROUGHPUT:v2' : 'THROUGHPUT:v1');
    // One untimed round first, so no store is measured while the JIT is still settling.
    for (const { baton } of batons) await measureSync('warm-up', verify(baton), { samples: 5 });
    const measured = [];
    for (const { name, baton } of batons) {
      measured.push(
        await measureSync(`verifyRef current/previous, ${name} (audit off)`, verify(baton)),
      );
      await baton.close();
    }
    table('verifyRef with the snapshot each store feeds', measured, measured[0]);
  } finally {
    if (postgres) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Milliseconds from each promotion's start to another process's verifyRef accepting it. */
async function batonPropagation(store: RegistryStore, args: string[]): Promise<number[]> {
  const baton = createBaton({ audit: false, registry: { store } });
  await baton.register('BENCH', 'BENCH:v1', { ifAbsent: true });
  const first = (baton.status('BENCH')?.revision ?? 1) + 1;
  try {
    return await propagation(args, async (i) => {
      const ref = `BENCH:v${first + i}`;
      await baton.promote('BENCH', ref);
      return ref;
    });
  } finally {
    await baton.close();
  }
}

/**
 * Starts the other process, then `PROMOTIONS` times: reads the monotonic clock, runs
 * `change(i)`, and waits for the other process to report the change it returned.
 */
async function propagation(
  args: string[],
  change: (i: number) => Promise<string>,
): Promise<number[]> {
  const replica: ChildWorker = startWorker(REPLICA, args);
  try {
    await replica.waitFor('ready', { from: 0 });
    const latencies: number[] = [];
    for (let i = 0; i < PROMOTIONS; i++) {
      const from = replica.lines.length;
      const started = process.hrtime.bigint();
      const name = await change(i);
      const line = await replica.waitFor(new RegExp(`^(accepted|seen) ${name} `), { from });
      const reached = BigInt(line.split(' ')[2] ?? '0');
      latencies.push(Number(reached - started) / 1e6);
    }
    return latencies;
  } finally {
    await replica.stop();
  }
}

function row(name: string, latencies: number[], baseline: number[]): string[] {
  const p99 = percentile(latencies, 0.99);
  return [
    name,
    percentile(latencies, 0.5).toFixed(2),
    percentile(latencies, 0.9).toFixed(2),
    p99.toFixed(2),
    percentile(latencies, 1).toFixed(2),
    `${(p99 / percentile(baseline, 0.99)).toFixed(2)}×`,
  ];
}

/** The smallest value with at least the fraction `p` of all values at or below it. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
}
