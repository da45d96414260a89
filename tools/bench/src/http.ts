/**
 * HTTP load measurements: the server under test runs in its own process, the load generator
 * (autocannon) in this one, so on a 2-core machine each has a core.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { printTable } from './harness.js';

export interface ServerHandle {
  url: string;
  /** CPU time the server process has used so far, in microseconds (user + system). */
  cpuMicros(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Starts a server script in a child process (the script through tsx, Baton's packages as
 * built). The script calls {@link reportListening} once it listens.
 */
export async function startServer(
  script: string | URL,
  env: Record<string, string> = {},
): Promise<ServerHandle> {
  const path = typeof script === 'string' ? script : fileURLToPath(script);
  const child: ChildProcess = fork(path, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, ...env },
    // Audit lines go to stdout: a pipe this process drains, as a log collector would.
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  child.stdout?.resume();
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${path} exited with ${code} before listening`)));
    child.on('message', (message: { listening?: number }) => {
      if (typeof message?.listening === 'number') resolve(message.listening);
    });
  });
  child.removeAllListeners('exit');
  return {
    url: `http://127.0.0.1:${port}`,
    cpuMicros: () =>
      new Promise<number>((resolve) => {
        const onMessage = (message: { cpuMicros?: number }) => {
          if (typeof message?.cpuMicros !== 'number') return;
          child.off('message', onMessage);
          resolve(message.cpuMicros);
        };
        child.on('message', onMessage);
        child.send({ cpu: true });
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * Called by a server script: tells the parent which port it listens on, and answers its
 * requests for the CPU time used so far.
 */
export function reportListening(port: number): void {
  process.on('message', (message: { cpu?: boolean }) => {
    if (message?.cpu !== true) return;
    const { user, system } = process.cpuUsage();
    process.send?.({ cpuMicros: user + system });
  });
  process.send?.({ listening: port });
}

export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH';
  headers?: Record<string, string>;
  body?: string;
  /** Concurrent connections. Default 50. */
  connections?: number;
  /** Seconds measured. Default 4. */
  durationSec?: number;
}

export interface LoadResult {
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  total: number;
  non2xx: number;
  errors: number;
}

/** Runs autocannon against one URL and summarises throughput and latency. */
export async function load(options: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    method: options.method ?? 'POST',
    headers: options.headers,
    body: options.body,
    connections: options.connections ?? 50,
    duration: options.durationSec ?? 4,
  });
  return {
    requestsPerSec: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

export interface HttpVariant extends Omit<LoadOptions, 'durationSec' | 'connections'> {
  name: string;
}

export interface CompareOptions {
  /**
   * The server every variant runs on: its CPU time per request is measured too. A cheap bare
   * route can be limited by the load generator sharing the machine rather than by the server;
   * CPU per request shows what each route costs the server either way.
   */
  server?: ServerHandle;
  /** Measured rounds per variant, alternating order to cancel drift. Default 5. */
  rounds?: number;
  durationSec?: number;
  connections?: number;
  /** Untimed seconds per variant before measuring. Default 2. */
  warmupSec?: number;
  /**
   * A variant to state every other's server CPU against, as the median over rounds of the
   * difference within a round (a hand-written check: the yardstick of the adapters' targets).
   */
  reference?: { name: string; label: string };
}

export interface VariantSummary {
  name: string;
  requestsPerSec: number;
  p99Ms: number;
  p50Ms: number;
  /** Median over rounds of this variant's throughput ÷ the first variant's, same round. */
  throughputRatio: number;
  /** Server CPU microseconds per request (median over rounds), when the server was given. */
  cpuMicrosPerRequest?: number;
  /** Median over rounds of the first variant's CPU per request ÷ this variant's. */
  capacityRatio?: number;
  /** Median over rounds of this variant's CPU per request minus the reference's, same round. */
  cpuOverReference?: number;
}

/**
 * Measures variants in alternating rounds (A B, then B A, …), refuses any run with a non-2xx
 * answer or an error (it would measure the wrong thing), prints a table with each variant's
 * throughput against the first one, and answers the summaries.
 */
export async function compareHttp(
  title: string,
  variants: HttpVariant[],
  options: CompareOptions = {},
): Promise<VariantSummary[]> {
  const rounds = options.rounds ?? 5;
  const durationSec = options.durationSec ?? 4;
  const connections = options.connections ?? 50;
  for (const variant of variants) {
    await load({ ...variant, durationSec: options.warmupSec ?? 2, connections });
  }
  // Per round, each variant's throughput and CPU per request; ratios are taken within a round
  // (the variants ran minutes apart at most) and the median over rounds is reported, so a
  // machine whose speed drifts moves numerator and denominator alike.
  const rows = variants.map(() => [] as { result: LoadResult; cpuMicros?: number }[]);
  for (let round = 0; round < rounds; round++) {
    const order = variants.map((_, index) => index);
    if (round % 2 === 1) order.reverse();
    for (const index of order) {
      const variant = variants[index] as HttpVariant;
      const cpuBefore = await options.server?.cpuMicros();
      const result = await load({ ...variant, durationSec, connections });
      const cpuAfter = await options.server?.cpuMicros();
      if (result.non2xx > 0 || result.errors > 0) {
        throw new Error(
          `${variant.name}: ${result.non2xx} non-2xx answers and ${result.errors} errors`,
        );
      }
      rows[index]?.push({
        result,
        ...(cpuBefore === undefined || cpuAfter === undefined
          ? {}
          : { cpuMicros: (cpuAfter - cpuBefore) / result.total }),
      });
    }
  }
  const baselineRuns = rows[0] ?? [];
  const referenceIndex = variants.findIndex((variant) => variant.name === options.reference?.name);
  if (options.reference !== undefined && referenceIndex < 0) {
    throw new Error(`compareHttp: no variant named ${options.reference.name}`);
  }
  const referenceRuns = rows[referenceIndex] ?? [];
  const summaries: VariantSummary[] = variants.map((variant, index) => {
    const runs = rows[index] ?? [];
    const mean = (pick: (run: LoadResult) => number) =>
      runs.reduce((sum, run) => sum + pick(run.result), 0) / runs.length;
    const cpuRuns = runs.map((run) => run.cpuMicros).filter((cpu) => cpu !== undefined);
    return {
      name: variant.name,
      requestsPerSec: mean((run) => run.requestsPerSec),
      p50Ms: mean((run) => run.p50Ms),
      p99Ms: mean((run) => run.p99Ms),
      throughputRatio: median(
        runs.map(
          (run, round) =>
            run.result.requestsPerSec / (baselineRuns[round]?.result.requestsPerSec ?? 1),
        ),
      ),
      ...(cpuRuns.length === runs.length
        ? {
            cpuMicrosPerRequest: median(cpuRuns),
            capacityRatio: median(
              runs.map(
                (run, round) => (baselineRuns[round]?.cpuMicros ?? 0) / (run.cpuMicros ?? 1),
              ),
            ),
            ...(referenceIndex < 0 || referenceIndex === index
              ? {}
              : {
                  cpuOverReference: median(
                    runs.map(
                      (run, round) => (run.cpuMicros ?? 0) - (referenceRuns[round]?.cpuMicros ?? 0),
                    ),
                  ),
                }),
          }
        : {}),
    };
  });
  const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
  const withCpu = summaries.every((summary) => summary.capacityRatio !== undefined);
  const overReference = withCpu && options.reference !== undefined;
  const signed = (value: number | undefined) =>
    value === undefined ? '' : `${value >= 0 ? '+' : '−'}${Math.abs(value).toFixed(1)}`;
  printTable(
    title,
    [
      'route',
      'req/s',
      'p50 ms',
      'p99 ms',
      'vs baseline',
      ...(withCpu ? ['server CPU µs/req', 'capacity vs baseline'] : []),
      ...(overReference ? [`CPU µs/req vs ${options.reference?.label}`] : []),
    ],
    summaries.map((summary) => [
      summary.name,
      summary.requestsPerSec.toFixed(0),
      summary.p50Ms.toFixed(2),
      summary.p99Ms.toFixed(2),
      percent(summary.throughputRatio),
      ...(withCpu
        ? [(summary.cpuMicrosPerRequest ?? 0).toFixed(1), percent(summary.capacityRatio ?? 0)]
        : []),
      ...(overReference ? [signed(summary.cpuOverReference)] : []),
    ]),
  );
  process.stdout.write(
    `(${connections} connections, ${rounds} × ${durationSec} s per route in alternating order; ` +
      'ratios are medians of per-round ratios' +
      (withCpu
        ? '; capacity: the baseline’s server CPU per request ÷ the route’s, the throughput a server-bound process keeps' +
          (overReference
            ? `; vs ${options.reference?.label}: the route’s CPU per request minus that route’s, same round`
            : '') +
          ')\n'
        : ')\n'),
  );
  return summaries;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
