import type { Writable } from 'node:stream';

const ANSI = { bold: 1, dim: 2, red: 31, green: 32, yellow: 33 } as const;
export type Style = keyof typeof ANSI;

/** Where a command writes, and whether it may use color (a TTY, and NO_COLOR unset). */
export interface Output {
  readonly color: boolean;
  readonly interactive: boolean;
  /** Prints lines for people on stdout. */
  line(text?: string): void;
  /** Writes text as it is on stdout (a report that ends its own lines). */
  write(text: string): void;
  /** Prints a value as JSON on stdout. */
  json(value: unknown): void;
  /** Prints to stderr: warnings and errors, never data. */
  error(text: string): void;
  paint(style: Style, text: string): string;
  /** Prints rows under a header, columns aligned. */
  table(header: readonly string[], rows: readonly (readonly string[])[]): void;
}

// Escape sequences take no room on screen: widths are measured without them.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI escapes is the point
const ESCAPES = /\u001b\[[0-9;]*m/g;
const width = (text: string) => text.replace(ESCAPES, '').length;

export function createOutput(
  stdout: Writable & { isTTY?: boolean },
  stderr: Writable & { isTTY?: boolean },
  env: NodeJS.ProcessEnv,
): Output {
  const color = stdout.isTTY === true && env.NO_COLOR === undefined && env.TERM !== 'dumb';
  const paint = (style: Style, text: string) =>
    color ? `\u001b[${ANSI[style]}m${text}\u001b[0m` : text;
  const line = (text = '') => {
    stdout.write(`${text}\n`);
  };
  return {
    color,
    interactive: stderr.isTTY === true,
    line,
    write: (text) => {
      stdout.write(text);
    },
    json: (value) => line(JSON.stringify(value, null, 2)),
    error: (text) => {
      stderr.write(`${text}\n`);
    },
    paint,
    table(header, rows) {
      const widths = header.map((cell, column) =>
        Math.max(width(cell), ...rows.map((row) => width(row[column] ?? ''))),
      );
      const format = (cells: readonly string[]) =>
        cells
          .map((cell, column) =>
            column === cells.length - 1
              ? cell
              : cell + ' '.repeat((widths[column] ?? 0) - width(cell)),
          )
          .join('  ')
          .trimEnd();
      line(paint('bold', format(header)));
      for (const row of rows) line(format(row));
    },
  };
}
