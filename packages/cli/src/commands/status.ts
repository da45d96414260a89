import type { RegistryStatus } from '@baton/core';
import { type CommandModule, examples } from '../command.js';
import { formatDuration } from '../duration.js';
import { CheckFailedError } from '../errors.js';

/** `status --json`'s fixed shape (§15). */
export function statusJson(entry: RegistryStatus) {
  return {
    logical: entry.logical,
    currentRef: entry.currentRef,
    ...(entry.previousRef === undefined ? {} : { previousRef: entry.previousRef }),
    revision: entry.revision,
    activatedAt: entry.activatedAt.toISOString(),
    ...(entry.previousActivatedAt === undefined
      ? {}
      : { previousActivatedAt: entry.previousActivatedAt.toISOString() }),
    previousAccepted: entry.previousAccepted,
    graceRemainingMs: entry.graceRemainingMs,
  };
}

/** Grace in words: `expires in 3 h 12 min`, `expired`, or `-` without a previous ref. */
export function graceInWords(entry: RegistryStatus): string {
  if (entry.previousRef === undefined) return '-';
  return entry.previousAccepted
    ? `expires in ${formatDuration(entry.graceRemainingMs)}`
    : 'expired';
}

const status: CommandModule = (program, run) => {
  program
    .command('status')
    .argument('[logical]', 'one logical name (default: every entry)')
    .description('Registry entries: current and previous ref, grace remaining, revision')
    .addHelpText(
      'after',
      examples(
        'baton status',
        'baton status OPENAI_KEY --store file:.baton/registry.json',
        'baton status --json',
      ),
    )
    .action(
      run(async (context, logical?: string) => {
        const baton = await context.baton({ needsStore: true });
        const entries =
          logical === undefined
            ? baton.status()
            : [baton.status(logical)].filter((entry) => entry !== undefined);
        if (logical !== undefined && entries.length === 0) {
          throw new CheckFailedError(
            `No registry entry for ${logical}; register it with baton register ${logical} REF`,
          );
        }
        if (context.json) {
          context.out.json(entries.map(statusJson));
          return 0;
        }
        if (entries.length === 0) {
          context.out.line('No registry entries. Register one: baton register LOGICAL REF');
          return 0;
        }
        const { out } = context;
        out.table(
          ['LOGICAL', 'CURRENT', 'PREVIOUS', 'GRACE', 'REVISION', 'ACTIVATED'],
          entries.map((entry) => [
            entry.logical,
            out.paint('green', entry.currentRef),
            entry.previousRef ?? '-',
            entry.previousRef === undefined
              ? '-'
              : out.paint(entry.previousAccepted ? 'yellow' : 'dim', graceInWords(entry)),
            String(entry.revision),
            entry.activatedAt.toISOString(),
          ]),
        );
        return 0;
      }),
    );
};

export default status;
