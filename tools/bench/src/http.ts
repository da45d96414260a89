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
  stop(): Promise<void>;
}

/**
 * Starts a server script in a child process (TypeScript through tsx, workspace packages from
 * source). The script calls {@link reportListening} once it listens.
 */
export async function startServer(
  script: string | URL,
  env: Record<string, string> = {},
): Promise<ServerHandle> {
  const path = typeof script === 'string' ? script : fileURLToPath(script);
  const child: ChildProcess = fork(path, [], {
    execArgv: ['--conditions=@baton/source', '--import', 'tsx'],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
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
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Called by a server script: tells the parent which port it listens on. */
export function reportListening(port: number): void {
  process.send?.({ listening: port });
}

export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST' | 'PUT';
  headers?: Record<string, string>;
  body?: string;
  /** Concurrent connections. Default 50. */
  connections?: number;
  /** Seconds measured. Default 5. */
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
    duration: options.durationSec ?? 5,
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
  /** Measured rounds per variant, alternating order to cancel drift. Default 2. */
  rounds?: number;
  durationSec?: number;
  connections?: number;
  /** Untimed seconds per variant before measuring. Default 2. */
  warmupSec?: number;
}

export interface VariantSummary {
  name: string;
  requestsPerSec: number;
  p99Ms: number;
  p50Ms: number;
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
  const rounds = options.rounds ?? 2;
  const durationSec = options.durationSec ?? 5;
  const connections = options.connections ?? 50;
  for (const variant of variants) {
    await load({ ...variant, durationSec: options.warmupSec ?? 2, connections });
  }
  const results = new Map<string, LoadResult[]>(variants.map((variant) => [variant.name, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const variant of order) {
      const result = await load({ ...variant, durationSec, connections });
      if (result.non2xx > 0 || result.errors > 0) {
        throw new Error(
          `${variant.name}: ${result.non2xx} non-2xx answers and ${result.errors} errors`,
        );
      }
      results.get(variant.name)?.push(result);
    }
  }
  const summaries = variants.map((variant) => {
    const runs = results.get(variant.name) ?? [];
    const mean = (pick: (run: LoadResult) => number) =>
      runs.reduce((sum, run) => sum + pick(run), 0) / runs.length;
    return {
      name: variant.name,
      requestsPerSec: mean((run) => run.requestsPerSec),
      p50Ms: mean((run) => run.p50Ms),
      p99Ms: mean((run) => run.p99Ms),
    };
  });
  const baseline = summaries[0];
  printTable(
    title,
    ['route', 'req/s', 'p50 ms', 'p99 ms', 'vs baseline'],
    summaries.map((summary) => [
      summary.name,
      summary.requestsPerSec.toFixed(0),
      summary.p50Ms.toFixed(2),
      summary.p99Ms.toFixed(2),
      baseline === undefined
        ? ''
        : `${((summary.requestsPerSec / baseline.requestsPerSec) * 100).toFixed(1)}%`,
    ]),
  );
  process.stdout.write(
    `(${connections} connections, ${rounds} × ${durationSec} s per route, alternating)\n`,
  );
  return summaries;
}
