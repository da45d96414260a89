import { NoEntryError, type RotationPolicy, SECRET_TYPES, type SecretType } from '@baton/core';
import { cliActor } from '../actor.js';
import { type CommandModule, examples } from '../command.js';
import { CheckFailedError, UsageError } from '../errors.js';
import { dueInWords, statusJson } from './status.js';

const MAX_PERIOD_DAYS = 36_500;

const policy: CommandModule = (program, run) => {
  program
    .command('policy')
    .argument('<logical>', 'the logical name')
    .argument('[type]', `its type: ${SECRET_TYPES.join(', ')}`)
    .option('--period <days>', "days between rotations (default: the type's)")
    .option('--clear', 'remove the policy')
    .description(
      'Set how a secret is rotated: its type (database 90 days, api-key 30, jwt 180, encryption-key 180, oauth 30) or its own period; kept in the registry',
    )
    .addHelpText(
      'after',
      examples(
        'baton policy DB_URL database',
        'baton policy PARTNER_HOOK api-key --period 7',
        'baton policy OLD_KEY --clear',
      ),
    )
    .action(
      run(
        async (
          context,
          logical: string,
          type: string | undefined,
          options: { period?: string; clear?: boolean },
        ) => {
          const rotation = policyOf(type, options);
          const baton = await context.baton({ needsStore: true });
          try {
            await baton.setRotationPolicy(logical, rotation, { actor: cliActor(context.env) });
          } catch (error) {
            if (error instanceof NoEntryError) {
              throw new CheckFailedError(
                `No registry entry for ${logical}; register it first: baton register ${logical} ${logical}:v1`,
                { cause: error },
              );
            }
            throw error;
          }
          const entry = baton.status(logical);
          if (entry === undefined) throw new CheckFailedError(`${logical} has no entry any more`);
          if (context.json) {
            context.out.json(statusJson(entry));
            return 0;
          }
          const due = entry.dueAt;
          context.out.line(
            entry.rotation === undefined || due === undefined
              ? `${logical} has no rotation policy.`
              : `${logical}: ${entry.rotation.type}, every ${Math.round((due.getTime() - entry.activatedAt.getTime()) / 86_400_000)} days; due ${due.toISOString()} (${dueInWords(entry, baton.clock())}).`,
          );
          return 0;
        },
      ),
    );
};

function policyOf(
  type: string | undefined,
  options: { period?: string; clear?: boolean },
): RotationPolicy | undefined {
  if (options.clear) {
    if (type !== undefined || options.period !== undefined) {
      throw new UsageError('--clear takes no type and no --period');
    }
    return undefined;
  }
  if (type === undefined || !(SECRET_TYPES as readonly string[]).includes(type)) {
    throw new UsageError(`Give the secret's type: one of ${SECRET_TYPES.join(', ')} (or --clear)`);
  }
  if (options.period === undefined) return { type: type as SecretType };
  const days = Number(options.period);
  if (!/^\d+$/.test(options.period) || days < 1 || days > MAX_PERIOD_DAYS) {
    throw new UsageError(`--period takes a whole number of days from 1 to ${MAX_PERIOD_DAYS}`);
  }
  return { type: type as SecretType, periodDays: days };
}

export default policy;
