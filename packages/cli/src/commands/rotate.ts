import {
  type Baton,
  BatonError,
  NoEntryError,
  SECRET_TYPES,
  type SecretType,
  type WritableSecretSource,
} from '@baton/core';
import { type PlannedRotation, planRotations, type RotationResult, rotate } from '@baton/rotation';
import { cliActor } from '../actor.js';
import { type CommandModule, examples } from '../command.js';
import type { BatonConfig } from '../config.js';
import type { CliContext } from '../context.js';
import { formatDuration } from '../duration.js';
import { CheckFailedError, EXIT, UsageError } from '../errors.js';
import { dueInWords } from './status.js';

interface RotateOptions {
  type?: string;
  due?: boolean;
  dryRun?: boolean;
}

/** One secret's outcome, as `--json` prints it: refs and steps, never a value. */
interface Outcome {
  logical: string;
  status: RotationResult['status'];
  fromRef: string;
  toRef?: string;
  step?: string;
  error?: string;
  revision?: number;
  resumed?: boolean;
  abandoned?: readonly string[];
  warning?: string;
}

const rotateCommand: CommandModule = (program, run) => {
  program
    .command('rotate')
    .argument('[logical...]', 'secrets to rotate (with --type or --due, only those of them)')
    .option('--type <type>', `only secrets whose policy has this type: ${SECRET_TYPES.join(', ')}`)
    .option('--due', 'only secrets past their due date: what a cron job runs')
    .option('--dry-run', 'say what would be rotated, and change nothing')
    .description(
      'Rotate secrets: create the next version, set it, test it, promote it, finish; with the rotators of baton.config.ts',
    )
    .addHelpText(
      'after',
      examples(
        'baton rotate --due',
        'baton rotate --type database --dry-run',
        'baton rotate WEBHOOK_SECRET --json',
      ),
    )
    .action(
      run(async (context, logicals: string[], options: RotateOptions) => {
        if (logicals.length === 0 && options.type === undefined && !options.due) {
          throw new UsageError(
            'Say what to rotate: LOGICAL…, --type TYPE or --due (baton rotate --due rotates what is overdue)',
          );
        }
        if (
          options.type !== undefined &&
          !(SECRET_TYPES as readonly string[]).includes(options.type)
        ) {
          throw new UsageError(`--type takes one of ${SECRET_TYPES.join(', ')}`);
        }
        const baton = await context.baton({ needsStore: true });
        const config = await context.config();
        const planned = await plan(baton, logicals, options);

        if (options.dryRun) {
          printPlan(context, planned, config, baton.clock());
          return EXIT.ok;
        }
        const outcomes: Outcome[] = [];
        for (const secret of planned) {
          outcomes.push(await rotateOne(baton, secret, config, cliActor(context.env)));
        }
        printOutcomes(context, outcomes, options);
        return outcomes.some((outcome) => outcome.status === 'failed') ? EXIT.failed : EXIT.ok;
      }),
    );
};

async function plan(
  baton: Baton,
  logicals: readonly string[],
  options: RotateOptions,
): Promise<PlannedRotation[]> {
  try {
    return await planRotations(baton, {
      ...(logicals.length === 0 ? {} : { logicals }),
      ...(options.type === undefined ? {} : { type: options.type as SecretType }),
      ...(options.due ? { due: true } : {}),
    });
  } catch (error) {
    if (error instanceof NoEntryError) {
      throw new CheckFailedError(
        `No registry entry for ${error.logical}; register it first: baton register ${error.logical} ${error.logical}:v1`,
        { cause: error },
      );
    }
    throw error;
  }
}

async function rotateOne(
  baton: Baton,
  secret: PlannedRotation,
  config: BatonConfig,
  actor: string,
): Promise<Outcome> {
  const failed = (error: string): Outcome => ({
    logical: secret.logical,
    status: 'failed',
    fromRef: secret.currentRef,
    ...(secret.nextRef === undefined ? {} : { toRef: secret.nextRef }),
    error,
  });
  const target = config.rotations?.[secret.logical];
  if (target === undefined) {
    return failed(
      `No rotation configured for ${secret.logical}: add rotations: { ${secret.logical}: { rotator, source } } to baton.config.ts`,
    );
  }
  let result: RotationResult;
  try {
    const source: WritableSecretSource =
      typeof target.source === 'function' ? await target.source() : target.source;
    result = await rotate(baton, secret.logical, { rotator: target.rotator, source, actor });
  } catch (error) {
    // Configuration the run refused (an unversioned ref, a rotator without test): named, no value.
    return failed(error instanceof BatonError ? error.message : (error as Error).name);
  }
  return {
    logical: result.logical,
    status: result.status,
    fromRef: result.fromRef,
    toRef: result.toRef,
    ...(result.step === undefined ? {} : { step: result.step }),
    ...(result.error === undefined ? {} : { error: result.error.message }),
    ...(result.revision === undefined ? {} : { revision: result.revision }),
    resumed: result.resumed,
    abandoned: result.abandoned,
    ...(result.warning === undefined ? {} : { warning: result.warning }),
  };
}

function printPlan(
  context: CliContext,
  planned: readonly PlannedRotation[],
  config: BatonConfig,
  now: number,
): void {
  const configured = (logical: string) => config.rotations?.[logical] !== undefined;
  if (context.json) {
    context.out.json(
      planned.map((secret) => ({
        ...secret,
        ...(secret.dueAt === undefined ? {} : { dueAt: secret.dueAt.toISOString() }),
        configured: configured(secret.logical),
      })),
    );
    return;
  }
  if (planned.length === 0) {
    context.out.line('Nothing to rotate.');
    return;
  }
  const { out } = context;
  out.table(
    ['LOGICAL', 'TYPE', 'CURRENT', 'NEXT', 'AGE', 'DUE', 'ROTATOR'],
    planned.map((secret) => [
      secret.logical,
      secret.type ?? '-',
      secret.currentRef,
      secret.nextRef ?? '-',
      formatDuration(secret.ageMs),
      secret.overdue ? out.paint('red', dueInWords(secret, now)) : dueInWords(secret, now),
      configured(secret.logical) ? 'configured' : out.paint('yellow', 'none in baton.config.ts'),
    ]),
  );
  out.line('Dry run: nothing was changed.');
}

function printOutcomes(
  context: CliContext,
  outcomes: readonly Outcome[],
  options: RotateOptions,
): void {
  if (context.json) {
    context.out.json(outcomes);
    return;
  }
  const { out } = context;
  if (outcomes.length === 0) {
    out.line(options.due ? 'Nothing to rotate: no secret is due.' : 'Nothing to rotate.');
    return;
  }
  const paint = { rotated: 'green', skipped: 'yellow', failed: 'red' } as const;
  out.table(
    ['LOGICAL', 'FROM', 'TO', 'STATUS', 'STEP'],
    outcomes.map((outcome) => [
      outcome.logical,
      outcome.fromRef,
      outcome.toRef ?? '-',
      out.paint(paint[outcome.status], outcome.status),
      outcome.step ?? (outcome.status === 'rotated' ? (outcome.resumed ? 'resumed' : '-') : '-'),
    ]),
  );
  for (const outcome of outcomes) {
    if (outcome.error !== undefined) {
      const prefix = outcome.status === 'skipped' ? 'skipped' : 'error';
      out.error(
        out.paint(outcome.status === 'skipped' ? 'yellow' : 'red', `${prefix}: ${outcome.error}`),
      );
    }
    if (outcome.warning !== undefined)
      out.error(out.paint('yellow', `warning: ${outcome.warning}`));
  }
}

export default rotateCommand;
