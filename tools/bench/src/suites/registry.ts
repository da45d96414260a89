import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Baton, createBaton, memoryStore, type RegistryStore } from '@baton/core';
import { fileStore } from '@baton/core/node';
import { postgresStore } from '@baton/registry-postgres';
import { type ChildWorker, startWorker } from '@baton-tools/test-kit';
import pg from 'pg';
import { measureAsync, measureSync, printTable, table } from '../harness.js';
import { benchDatabase, DATABASE_URL } from '../postgres.js';

const PROMOTIONS = 200;
/** Entries of the registry whose start-up is measured. */
const STARTUP_ENTRIES = 10_000;
/** Rounds of the start-up comparison; the median is reported. */
const STARTUP_ROUNDS = 9;
/** Promotions a replica takes in while its CPU time is measured. */
const RECEIVED_CHANGES = 2_000;
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
    if (postgres) {
      await postgresStartup(admin, `${schema}_startup`);
      await postgresChanges(`${schema}_changes`);
    }

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
    if (postgres) {
      for (const name of [schema, `${schema}_startup`, `${schema}_changes`]) {
        await admin.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
      }
    }
    await admin.end();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * `ready()` of a replica over a registry of 10k entries, beside a raw `SELECT *` of the same
 * table on a new connection: the floor of any start-up that reads every row. Alternating
 * order, median of rounds; "until idle" also waits for the work `ready()` left running
 * (`close()` waits for it).
 */
async function postgresStartup(admin: pg.Pool, schema: string): Promise<void> {
  const seed = postgresStore({ connectionString: DATABASE_URL, schema });
  await seed.load(); // creates the tables
  await seed.close?.();
  await admin.query(
    `INSERT INTO "${schema}".baton_registry
       (logical, current_ref, previous_ref, activated_at, previous_activated_at, revision)
     SELECT 'KEY_' || i, 'KEY_' || i || ':v2', 'KEY_' || i || ':v1', now(), now() - interval '1 day', 2
     FROM generate_series(1, $1::integer) AS i`,
    [STARTUP_ENTRIES],
  );
  const raw: number[] = [];
  const ready: number[] = [];
  const idle: number[] = [];
  for (let round = 0; round < STARTUP_ROUNDS; round++) {
    const rawSelect = async () => {
      const started = performance.now();
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      await client.query(`SELECT * FROM "${schema}".baton_registry`);
      await client.end();
      raw.push(performance.now() - started);
    };
    const replica = async () => {
      const started = performance.now();
      const baton = createBaton({
        audit: false,
        registry: { store: postgresStore({ connectionString: DATABASE_URL, schema }) },
      });
      await baton.ready();
      const readyMs = performance.now() - started;
      ready.push(readyMs);
      // Checked off the clock: status() of 10k entries is not start-up work.
      if (baton.status().length !== STARTUP_ENTRIES) throw new Error('the snapshot is incomplete');
      const closing = performance.now();
      await baton.close();
      idle.push(readyMs + performance.now() - closing);
    };
    if (round % 2 === 0) {
      await rawSelect();
      await replica();
    } else {
      await replica();
      await rawSelect();
    }
  }
  const baseline = median(raw);
  const rows = [
    ['baseline: new connection, SELECT * of the table', raw],
    ['postgresStore: ready()', ready],
    ['postgresStore: ready(), until idle (close() resolved)', idle],
  ] as const;
  printTable(
    `Start-up of a replica over ${STARTUP_ENTRIES} entries, median of ${STARTUP_ROUNDS} rounds`,
    ['case', 'median ms', 'min ms', 'vs baseline'],
    rows.map(([name, times]) => [
      name,
      median(times).toFixed(1),
      Math.min(...times).toFixed(1),
      `${(median(times) / baseline).toFixed(2)}×`,
    ]),
  );
}

/**
 * What a change costs: on the writer, a promotion beside a raw `UPDATE` round trip; on every
 * replica, the CPU time it spends taking in each change, beside a bare LISTEN client's.
 */
async function postgresChanges(schema: string): Promise<void> {
  const store = postgresStore({ connectionString: DATABASE_URL, schema });
  const writer = createBaton({ audit: false, registry: { store } });
  await writer.register('WRITE', 'WRITE:v1');
  await writer.register('RECEIVED', 'RECEIVED:v1');
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
  const options = { batch: 200, samples: 10, warmup: 2 };
  let promoted = 1;
  let registered = 0;
  const measured = [
    await measureAsync(
      'baseline: raw UPDATE … WHERE logical = $1 round trip',
      () =>
        pool.query(
          `UPDATE "${schema}".baton_registry SET revision = revision WHERE logical = 'WRITE'`,
        ),
      options,
    ),
    await measureAsync(
      'postgresStore: promote()',
      () => writer.promote('WRITE', `WRITE:v${++promoted}`),
      options,
    ),
    await measureAsync(
      'postgresStore: register() of a new name',
      () => writer.register(`NEW_${++registered}`, `NEW_${registered}:v1`),
      options,
    ),
  ];
  table('A change on the writer (one at a time)', measured, measured[0]);

  const channel = `bench_cpu_${process.pid}`;
  const rawCpu = await receiverCpu(['raw', 'postgres', DATABASE_URL, channel], async (i) => {
    await pool.query('SELECT pg_notify($1, $2)', [channel, String(i)]);
    return String(i);
  });
  const batonCpu = await receiverCpu(['baton', 'postgres', DATABASE_URL, schema], async (i) => {
    const ref = `RECEIVED:v${i + 2}`;
    await writer.promote('RECEIVED', ref);
    return ref;
  });
  printTable(
    `CPU time a replica spends per change received, ${RECEIVED_CHANGES} promotions`,
    ['case', 'µs per change', 'vs baseline'],
    [
      ['baseline: bare LISTEN client, per notification', rawCpu.toFixed(1), '1.00×'],
      [
        'postgresStore replica, per promotion',
        batonCpu.toFixed(1),
        `${(batonCpu / rawCpu).toFixed(2)}×`,
      ],
    ],
  );
  await writer.close();
  await pool.end();
}

/**
 * Starts a receiving process, makes `RECEIVED_CHANGES` changes, waits until it has seen the
 * last, and answers the CPU time (user + system) it spent per change meanwhile.
 */
async function receiverCpu(
  args: string[],
  change: (i: number) => Promise<string>,
): Promise<number> {
  const receiver: ChildWorker = startWorker(REPLICA, args);
  try {
    await receiver.waitFor('ready', { from: 0 });
    const cpu = async () => {
      const from = receiver.lines.length;
      receiver.send('cpu');
      return Number((await receiver.waitFor(/^cpu /, { from })).split(' ')[1]);
    };
    const before = await cpu();
    let last = '';
    const from = receiver.lines.length;
    for (let i = 0; i < RECEIVED_CHANGES; i++) last = await change(i);
    await receiver.waitFor(new RegExp(`^(accepted|seen) ${last} `), { from, timeoutMs: 60_000 });
    return ((await cpu()) - before) / RECEIVED_CHANGES;
  } finally {
    await receiver.stop();
  }
}

function median(values: readonly number[]): number {
  return percentile([...values], 0.5);
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
