import { RegistryConflictError } from '@baton/core';
import { cliActor } from '../actor.js';
import { type CommandModule, examples } from '../command.js';
import { CheckFailedError } from '../errors.js';
import { statusJson } from './status.js';

const register: CommandModule = (program, run) => {
  program
    .command('register')
    .argument('<logical>', 'the logical name, e.g. OPENAI_KEY')
    .argument('<ref>', 'its current ref, e.g. OPENAI_KEY:v1')
    .option('--previous <ref>', 'a previous ref still accepted for a full grace window')
    .option('--replace', 'replace an existing entry (default: refuse, and point to promote)')
    .description('First entry for a logical name')
    .addHelpText(
      'after',
      examples(
        'baton register OPENAI_KEY OPENAI_KEY:v1',
        'baton register WEBHOOK_SECRET WEBHOOK_SECRET:v4 --previous WEBHOOK_SECRET:v3',
      ),
    )
    .action(
      run(
        async (
          context,
          logical: string,
          ref: string,
          options: { previous?: string; replace?: boolean },
        ) => {
          const baton = await context.baton({ needsStore: true });
          try {
            await baton.register(logical, ref, {
              actor: cliActor(context.env),
              ...(options.previous === undefined ? {} : { previousRef: options.previous }),
              ...(options.replace ? {} : { expectedRevision: 0 }),
            });
          } catch (error) {
            if (error instanceof RegistryConflictError) {
              throw new CheckFailedError(
                `${logical} is already registered (revision ${error.actualRevision}): promote a new ref with baton promote ${logical} REF, or pass --replace`,
                { cause: error },
              );
            }
            throw error;
          }
          const entry = baton.status(logical);
          if (entry === undefined) throw new CheckFailedError(`${logical} was not registered`);
          if (context.json) context.out.json(statusJson(entry));
          else
            context.out.line(
              `Registered ${logical}: ${entry.currentRef} is current (revision ${entry.revision}).`,
            );
          return 0;
        },
      ),
    );
};

export default register;
