import { readFile } from 'node:fs/promises';
import type { Faults } from './faults.js';

/**
 * The flags every emulator command takes for faults, in `node:util` `parseArgs` form:
 * `--latency-ms N`, `--error-rate 0.1`, `--throttle-rate 0.1`.
 */
export const FAULT_FLAGS = {
  'latency-ms': { type: 'string' },
  'error-rate': { type: 'string' },
  'throttle-rate': { type: 'string' },
} as const;

/** The faults the fault flags ask for. */
export function faultsFromFlags(values: Partial<Record<keyof typeof FAULT_FLAGS, string>>): Faults {
  return {
    latencyMs: nonNegative('latency-ms', values['latency-ms']),
    errorRate: nonNegative('error-rate', values['error-rate']),
    throttleRate: nonNegative('throttle-rate', values['throttle-rate']),
  };
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

/** A command's failure is one line on stderr and exit code 1, not a stack trace. */
export function exitOnError(): void {
  process.on('uncaughtException', (error) => {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  });
}

/** Stops the emulator on Ctrl-C or SIGTERM. */
export function stopOnSignals(close: () => Promise<void>): void {
  process.once('SIGINT', () => void close());
  process.once('SIGTERM', () => void close());
}
