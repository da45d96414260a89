import { RegistryConflictError } from '@baton/core';
import { cliActor } from '../actor.js';
import { type CommandModule, examples } from '../command.js';
import { CheckFailedError, UsageError } from '../errors.js';
import { graceInWords, statusJson } from './status.js';

const promote: CommandModule = (program, run) => {
  program
    .command('promote')
    .argument('<logical>', 'the logical name')
    .argument('<ref>', 'the new current ref, e.g. OPENAI_KEY:v3')
    .option('--expect-revision <n>', 'only if the entry is at this revision (compare-and-set)')
    .description('Make a new ref current; the old one stays accepted for the grace window')
    .addHelpText(
      'after',
      examples(
        'baton promote OPENAI_KEY OPENAI_KEY:v3',
        'baton promote OPENAI_KEY OPENAI_KEY:v3 --expect-revision 4',
      ),
    )
    .action(
      run(async (context, logical: string, ref: string, options: { expectRevision?: string }) => {
        const expected = options.expectRevision;
        if (expected !== undefined && !/^\d+$/.test(expected)) {
          throw new UsageError('--expect-revision takes a revision number (see baton status)');
        }
        const baton = await context.baton({ needsStore: true });
        let warning: string | undefined;
        try {
          const result = await baton.promote(logical, ref, {
            actor: cliActor(context.env),
            ...(expected === undefined ? {} : { expectedRevision: Number(expected) }),
          });
          warning = result.warning;
        } catch (error) {
          if (error instanceof RegistryConflictError) {
            throw new CheckFailedError(
              `${logical} is at revision ${error.actualRevision}, not ${error.expectedRevision}: someone changed it; check baton status ${logical} and retry`,
              { cause: error },
            );
          }
          throw error;
        }
        const entry = baton.status(logical);
        if (entry === undefined)
          throw new CheckFailedError(`${logical} has no entry after promotion`);
        if (context.json) {
          context.out.json({ ...statusJson(entry), ...(warning === undefined ? {} : { warning }) });
          return 0;
        }
        context.out.line(
          `Promoted ${logical}: ${entry.currentRef} is current (revision ${entry.revision}).`,
        );
        if (entry.previousRef !== undefined) {
          context.out.line(`${entry.previousRef} is still accepted: ${graceInWords(entry)}.`);
        }
        if (warning !== undefined)
          context.out.error(context.out.paint('yellow', `warning: ${warning}`));
        return 0;
      }),
    );
};

export default promote;
