import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Faults } from './faults.js';

/** What an emulator command was asked for. */
export interface EmulatorCommand {
  readonly port: number | undefined;
  readonly host: string;
  /** The `--seed` file's secrets (names to values); empty without one. */
  readonly seed: Record<string, string>;
  readonly faults: Faults;
  /** The emulator's own flags, by name (their defaults filled in). */
  readonly flags: Readonly<Record<string, string | undefined>>;
}

/**
 * Parses the flags every emulator command takes (`--port`, `--host`, `--seed FILE`, and the
 * faults `--latency-ms N`, `--error-rate 0.1`, `--throttle-rate 0.1`) plus the emulator's own
 * string flags (name → default), and reads the seed file. A mistake ends the command with one
 * line on stderr and exit code 1, not a stack trace.
 *
 * @example
 * const { port, host, seed, faults, flags } = await emulatorCommand(8200, { 'root-token': 'root' });
 */
export async function emulatorCommand(
  defaultPort: number,
  own: Readonly<Record<string, string | undefined>> = {},
): Promise<EmulatorCommand> {
  process.on('uncaughtException', (error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  });
  const string = (fallback?: string) =>
    fallback === undefined
      ? { type: 'string' as const }
      : { type: 'string' as const, default: fallback };
  const options = Object.fromEntries(
    Object.entries({
      port: String(defaultPort),
      host: '127.0.0.1',
      seed: undefined,
      'latency-ms': undefined,
      'error-rate': undefined,
      'throttle-rate': undefined,
      ...own,
    }).map(([name, fallback]) => [name, string(fallback)]),
  );
  const { values } = parseArgs({ options });
  const flag = (name: string) => values[name] as string | undefined;
  const seedFile = flag('seed');
  return {
    port: nonNegative('port', flag('port')),
    host: flag('host') ?? '127.0.0.1',
    seed: seedFile === undefined ? {} : await readSeedFile(seedFile),
    faults: {
      latencyMs: nonNegative('latency-ms', flag('latency-ms')),
      errorRate: nonNegative('error-rate', flag('error-rate')),
      throttleRate: nonNegative('throttle-rate', flag('throttle-rate')),
    },
    flags: Object.fromEntries(Object.keys(own).map((name) => [name, flag(name)])),
  };
}

/** Prints how to reach the emulator, and stops it on Ctrl-C or SIGTERM. */
export function serveUntilStopped(lines: readonly string[], close: () => Promise<void>): void {
  process.stdout.write(`${[...lines, ''].join('\n')}`);
  process.once('SIGINT', () => void close());
  process.once('SIGTERM', () => void close());
}

/** A flag's number; a clear error for anything that is not a non-negative number. */
export function nonNegative(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`--${flag} needs a non-negative number`);
  }
  return value;
}

/** Reads a seed file: a JSON object of names to string values. */
export async function readSeedFile(path: string): Promise<Record<string, string>> {
  const parsed: unknown = JSON.parse(await readFile(path, 'utf8'));
  if (
    parsed === null ||
    typeof parsed !== 'object' ||
    Array.isArray(parsed) ||
    Object.values(parsed).some((value) => typeof value !== 'string')
  ) {
    throw new Error(`${path} must hold a JSON object of secret names to string values`);
  }
  return parsed as Record<string, string>;
}
