import { type CommandModule, examples } from '../command.js';

const history: CommandModule = (program, run) => {
  program
    .command('history')
    .argument('<logical>', 'the logical name')
    .option('--limit <n>', 'at most this many changes, newest first')
    .description('Every change of an entry: revision, change, from, to, actor, at')
    .addHelpText(
      'after',
      examples('baton history OPENAI_KEY', 'baton history OPENAI_KEY --json --limit 10'),
    )
    .action(
      run(async (context, logical: string, options: { limit?: string }) => {
        const baton = await context.baton({ needsStore: true });
        const limit = options.limit === undefined ? undefined : Number(options.limit);
        const records = [...(await baton.history({ logical, ...(limit ? { limit } : {}) }))].sort(
          (a, b) => b.revision - a.revision || b.at.getTime() - a.at.getTime(),
        );
        if (context.json) {
          context.out.json(
            records.map((record) => ({
              revision: record.revision,
              change: record.change,
              ...(record.fromRef === undefined ? {} : { fromRef: record.fromRef }),
              ...(record.toRef === undefined ? {} : { toRef: record.toRef }),
              ...(record.actor === undefined ? {} : { actor: record.actor }),
              at: record.at.toISOString(),
            })),
          );
          return 0;
        }
        if (records.length === 0) {
          context.out.line(`No history for ${logical}.`);
          return 0;
        }
        context.out.table(
          ['REVISION', 'CHANGE', 'FROM', 'TO', 'ACTOR', 'AT'],
          records.map((record) => [
            String(record.revision),
            record.change,
            record.fromRef ?? '-',
            record.toRef ?? '-',
            record.actor ?? '-',
            record.at.toISOString(),
          ]),
        );
        return 0;
      }),
    );
};

export default history;
