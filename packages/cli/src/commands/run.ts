import { type ChildProcess, spawn } from 'node:child_process';
import { envKey } from '@baton/core';
import { type CommandModule, examples } from '../command.js';
import { UsageError } from '../errors.js';
import { requiredRefs } from '../required-refs.js';

const FORWARDED = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** Exit code of a child killed by a signal, as shells report it (128 + the signal's number). */
const SIGNAL_EXIT: Record<string, number> = {
  SIGHUP: 129,
  SIGINT: 130,
  SIGKILL: 137,
  SIGTERM: 143,
};

const runCommand: CommandModule = (program, run) => {
  program
    .command('run')
    .argument('<command...>', 'the command to run, after --')
    .option('--ref <ref...>', 'refs to put in its environment (default: required, or .env.example)')
    .description(
      'Run a command with the resolved secrets in its environment; its exit code is passed through',
    )
    .addHelpText(
      'after',
      `${examples('baton run -- node server.js', 'baton run --ref OPENAI_KEY:v3 WEBHOOK_SECRET -- npm start')}\nA ref NAME:vK is set as NAME_VK (its env key), NAME as NAME. Nothing is printed; SIGINT,\nSIGTERM and SIGHUP are forwarded to the command.\n`,
    )
    .action(
      run(async (context, command: string[], options: { ref?: string[] }) => {
        const [file, ...args] = command;
        if (file === undefined) throw new UsageError('baton run needs a command after --');
        const refs = await requiredRefs(context, options.ref ?? []);
        const baton = await context.baton();
        const values = await baton.getSecrets(refs);
        const env = { ...context.env };
        for (const ref of refs) env[envKey(ref)] = values[ref];
        return runChild(file, args, env, context.cwd);
      }),
    );
};

function runChild(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    // Handlers first: a signal that arrived between spawning and listening would otherwise
    // kill baton by default and leave the command running. One that comes before the
    // command exists is passed on as soon as it does.
    let child: ChildProcess | undefined;
    let pending: NodeJS.Signals | undefined;
    const handlers = FORWARDED.map((signal) => {
      const handler = () => {
        if (child === undefined) pending = signal;
        else child.kill(signal);
      };
      process.on(signal, handler);
      return [signal, handler] as const;
    });
    const done = () => {
      for (const [signal, handler] of handlers) process.off(signal, handler);
    };
    child = spawn(file, args, { stdio: 'inherit', env, cwd });
    if (pending !== undefined) child.kill(pending);
    child.once('error', (error) => {
      done();
      reject(
        new UsageError(
          (error as NodeJS.ErrnoException).code === 'ENOENT'
            ? `${file}: command not found`
            : `${file} could not be started (${(error as NodeJS.ErrnoException).code ?? error.name})`,
          { cause: error },
        ),
      );
    });
    child.once('exit', (code, signal) => {
      done();
      resolve(code ?? (signal === null ? 1 : (SIGNAL_EXIT[signal] ?? 128)));
    });
  });
}

export default runCommand;
