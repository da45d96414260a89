import { createRequire } from 'node:module';
import type { Writable } from 'node:stream';
import { BatonError } from '@baton/core';
import { Command, CommanderError } from 'commander';
import type { Runner } from './command.js';
import { COMMANDS } from './commands/index.js';
import { createContext, type GlobalOptions } from './context.js';
import { EXIT, exitCodeOf } from './errors.js';
import { createOutput } from './output.js';

/** Where the command reads and writes: the process's own, or a test's. */
export interface CliIo {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable & { isTTY?: boolean };
}

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/**
 * Runs `baton` with `argv` (without the node and script paths) and answers the exit code.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2));
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const out = createOutput(io.stdout, io.stderr, io.env);
  let exitCode: number = EXIT.ok;
  const program = new Command('baton')
    .description(
      'Secrets by reference: the rotation registry, secrets for commands, .env migration and secret scanning.',
    )
    .version(version, '-v, --version')
    .option(
      '--config <path>',
      'config file (default: the first baton.config.{ts,mts,js,mjs,json} here)',
    )
    .option('--store <url>', 'registry store: file:PATH or postgres://… (default: $BATON_STORE)')
    .option('--json', 'print JSON for programs instead of text for people')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(out.paint('red', text)),
    })
    .showSuggestionAfterError();

  const run: Runner =
    (action) =>
    async (...args) => {
      const command = args[args.length - 1] as Command;
      const context = createContext(command.optsWithGlobals<GlobalOptions>(), { ...io, out });
      try {
        exitCode = (await action(context, ...(args as never[]))) ?? EXIT.ok;
      } catch (error) {
        exitCode = exitCodeOf(error);
        out.error(out.paint('red', `error: ${messageOf(error)}`));
      } finally {
        await context.close().catch(() => undefined);
      }
    };
  for (const register of COMMANDS) register(program, run);

  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    throw error;
  }
  return exitCode;
}

/** A Baton error's message (written to hold no value); only the kind of anything else. */
function messageOf(error: unknown): string {
  if (error instanceof BatonError) return error.message;
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${error.name}${typeof code === 'string' ? ` (${code})` : ''}`;
  }
  return String(typeof error);
}

function processIo(): CliIo {
  return { cwd: process.cwd(), env: process.env, stdout: process.stdout, stderr: process.stderr };
}
