import type { RegistryStatus } from '@baton/core';
import { type CommandModule, examples } from '../command.js';
import { formatDuration } from '../duration.js';
import { CheckFailedError } from '../errors.js';

/**
 * `status --json`'s fixed shape (§15), and the rotation policy's: `rotation` (type and own
 * period) and `dueAt` when the secret has a policy, `ageMs` and `overdue` always.
 */
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
    ...(entry.rotation === undefined ? {} : { rotation: entry.rotation }),
    ageMs: entry.ageMs,
    ...(entry.dueAt === undefined ? {} : { dueAt: entry.dueAt.toISOString() }),
    overdue: entry.overdue,
  };
}

/** When a secret is due, in words: `in 12 d 3 h`, `overdue by 2 d`, or `-` without a policy. */
export function dueInWords(entry: { dueAt?: Date; overdue: boolean }, now: number): string {
  if (entry.dueAt === undefined) return '-';
  const distance = entry.dueAt.getTime() - now;
  return entry.overdue
    ? `overdue by ${formatDuration(-distance)}`
    : `in ${formatDuration(distance)}`;
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
    .description(
      'Registry entries: current and previous ref, grace remaining, revision; type, age and due date of secrets with a rotation policy',
    )
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
        // Rotation columns once some secret has a policy (baton policy LOGICAL TYPE).
        const policies = entries.some((entry) => entry.rotation !== undefined);
        const now = baton.clock();
        out.table(
          [
            'LOGICAL',
            'CURRENT',
            'PREVIOUS',
            'GRACE',
            'REVISION',
            'ACTIVATED',
            ...(policies ? ['TYPE', 'AGE', 'DUE'] : []),
          ],
          entries.map((entry) => [
            entry.logical,
            out.paint('green', entry.currentRef),
            entry.previousRef ?? '-',
            entry.previousRef === undefined
              ? '-'
              : out.paint(entry.previousAccepted ? 'yellow' : 'dim', graceInWords(entry)),
            String(entry.revision),
            entry.activatedAt.toISOString(),
            ...(policies
              ? [
                  entry.rotation?.type ?? '-',
                  formatDuration(entry.ageMs),
                  entry.overdue ? out.paint('red', dueInWords(entry, now)) : dueInWords(entry, now),
                ]
              : []),
          ]),
        );
        return 0;
      }),
    );
};

export default status;
