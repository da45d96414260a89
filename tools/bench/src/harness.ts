/** A tiny harness: repeated timed batches, median throughput, printed as a table. */

export interface Measurement {
  name: string;
  opsPerSec: number;
  nsPerOp: number;
  /** Free text for the table's last column (a baseline ratio is added by `table`). */
  note?: string;
}

export interface MeasureOptions {
  /** Operations per timed batch. Default 10 000. */
  batch?: number;
  /** Timed batches; the median is reported. Default 30. */
  samples?: number;
  /** Untimed batches first, so the JIT has settled. Default 10. */
  warmup?: number;
  /** Runs after each batch, off the clock (e.g. flushing buffered audit events). */
  between?: () => unknown | Promise<unknown>;
}

/** Keeps results alive so the JIT cannot drop the work being measured. */
export let blackhole: unknown;

export function consume(value: unknown): void {
  blackhole = value;
}

/** Measures a synchronous operation; `op(i)` is called `batch` times per sample. */
export async function measureSync(
  name: string,
  op: (i: number) => unknown,
  options: MeasureOptions = {},
): Promise<Measurement> {
  return measure(name, options, (batch) => {
    let last: unknown;
    for (let i = 0; i < batch; i++) last = op(i);
    consume(last);
  });
}

/** Measures an asynchronous operation, awaited one at a time. */
export async function measureAsync(
  name: string,
  op: (i: number) => Promise<unknown>,
  options: MeasureOptions = {},
): Promise<Measurement> {
  return measure(name, options, async (batch) => {
    let last: unknown;
    for (let i = 0; i < batch; i++) last = await op(i);
    consume(last);
  });
}

async function measure(
  name: string,
  options: MeasureOptions,
  run: (batch: number) => unknown | Promise<unknown>,
): Promise<Measurement> {
  const batch = options.batch ?? 10_000;
  const samples = options.samples ?? 30;
  const warmup = options.warmup ?? 10;
  const rates: number[] = [];
  for (let sample = -warmup; sample < samples; sample++) {
    const started = process.hrtime.bigint();
    await run(batch);
    const elapsed = Number(process.hrtime.bigint() - started);
    await options.between?.();
    if (sample >= 0) rates.push((batch * 1e9) / elapsed);
  }
  rates.sort((a, b) => a - b);
  const opsPerSec = rates[Math.floor(rates.length / 2)] as number;
  return { name, opsPerSec, nsPerOp: 1e9 / opsPerSec };
}

/** Prints a table; each row's ratio is against `baseline` (the first row unless named). */
export function table(title: string, rows: Measurement[], baseline = rows[0]): void {
  const header = ['case', 'ops/s', 'ns/op', 'vs baseline', 'note'];
  const body = rows.map((row) => [
    row.name,
    formatRate(row.opsPerSec),
    row.nsPerOp.toFixed(1),
    baseline === undefined ? '' : `${(row.opsPerSec / baseline.opsPerSec).toFixed(3)}×`,
    row.note ?? '',
  ]);
  printTable(title, header, body);
}

/** Prints any table of text cells with aligned columns. */
export function printTable(title: string, header: string[], body: string[][]): void {
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...body.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join(' | ')} |`;
  const out = [
    '',
    `### ${title}`,
    '',
    line(header),
    `|${widths.map((width, column) => (column === 0 ? `:${'-'.repeat(width + 1)}` : `${'-'.repeat(width + 1)}:`)).join('|')}|`,
    ...body.map(line),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

export function formatRate(perSec: number): string {
  if (perSec >= 1e6) return `${(perSec / 1e6).toFixed(2)} M`;
  if (perSec >= 1e3) return `${(perSec / 1e3).toFixed(1)} k`;
  return perSec.toFixed(0);
}
