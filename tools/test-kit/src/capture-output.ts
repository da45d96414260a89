import { inspect } from 'node:util';

/** Everything written to stdout, stderr and the console while capturing, as text. */
export interface CapturedOutput {
  /** Adds a value to the captured text, as a canary test does with errors and events. */
  add(value: unknown): void;
  text(): string;
  restore(): void;
}

/**
 * Captures stdout, stderr and every console method (nothing reaches the terminal) so a canary
 * test can search all output for secret values.
 *
 * @example
 * const output = captureOutput();
 * try { ...; expect(output.text()).not.toContain(SECRET); } finally { output.restore(); }
 */
export function captureOutput(): CapturedOutput {
  const chunks: string[] = [];
  const add = (value: unknown) =>
    chunks.push(typeof value === 'string' ? value : inspect(value, { depth: 8 }));
  const undo: (() => void)[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    const original = stream.write;
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      // Bytes as the text they encode: Baton's audit lines reach stdout as bytes.
      add(chunk instanceof Uint8Array ? Buffer.from(chunk).toString('utf8') : String(chunk));
      const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as typeof stream.write;
    undo.push(() => {
      stream.write = original;
    });
  }
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
    // biome-ignore lint/suspicious/noConsole: capturing the console is this helper's purpose
    const original = console[method];
    console[method] = (...args: unknown[]) => {
      for (const arg of args) add(arg);
    };
    undo.push(() => {
      console[method] = original;
    });
  }
  return {
    add,
    text: () => chunks.join('\n'),
    restore: () => {
      for (const step of undo.reverse()) step();
    },
  };
}
