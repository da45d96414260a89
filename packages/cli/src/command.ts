import type { Command } from 'commander';
import type { CliContext } from './context.js';

/**
 * What a command's action does with its context: answer the exit code (default 0), or throw
 * (the error's kind picks the exit code; its message is printed).
 */
export type Action = (
  context: CliContext,
  // Each action names its own arguments and options, as commander passes them.
  ...args: never[]
) => Promise<number | undefined>;

/** Wraps an action for commander: builds the context from the global options, exits, closes. */
export type Runner = (action: Action) => (...args: unknown[]) => Promise<void>;

/**
 * One `baton` command: adds itself to the program. A new command is one file exporting one
 * of these, listed in `commands/index.ts`.
 *
 * @example
 * const hello: CommandModule = (program, run) => {
 *   program.command('hello').action(run(async (context) => { context.out.line('hi'); return 0; }));
 * };
 */
export type CommandModule = (program: Command, run: Runner) => void;

/** The example block every command's `--help` ends with. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`;
}
