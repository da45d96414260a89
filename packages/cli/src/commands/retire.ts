import { cliActor } from '../actor.js';
import { type CommandModule, examples } from '../command.js';
import { CheckFailedError } from '../errors.js';
import { graceInWords } from './status.js';

const retire: CommandModule = (program, run) => {
  program
    .command('retire')
    .argument('<logical>', 'the logical name')
    .option('--force', 'retire even inside the grace window (callers on the old ref start failing)')
    .description('Drop the previous ref (refused inside grace unless --force)')
    .addHelpText('after', examples('baton retire OPENAI_KEY', 'baton retire OPENAI_KEY --force'))
    .action(
      run(async (context, logical: string, options: { force?: boolean }) => {
        const baton = await context.baton({ needsStore: true });
        const before = baton.status(logical);
        if (before === undefined) {
          throw new CheckFailedError(`No registry entry for ${logical}; register it first`);
        }
        const retired = await baton.retirePrevious(logical, {
          force: options.force === true,
          actor: cliActor(context.env),
        });
        const previousRef = before.previousRef;
        if (!retired && previousRef !== undefined) {
          throw new CheckFailedError(
            `Refused: ${previousRef} is inside its grace window (${graceInWords(before)}); wait, or pass --force to retire it now`,
          );
        }
        if (context.json) {
          context.out.json({ logical, retired, ...(retired ? { retiredRef: previousRef } : {}) });
        } else {
          context.out.line(
            retired
              ? `Retired ${previousRef}: only ${before.currentRef} is accepted now.`
              : `${logical} has no previous ref to retire.`,
          );
        }
        return 0;
      }),
    );
};

export default retire;
