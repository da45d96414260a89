import { type CommandModule, examples } from '../command.js';

const get: CommandModule = (program, run) => {
  program
    .command('get')
    .argument('<ref>', 'the ref to resolve, e.g. OPENAI_KEY:v2')
    .option('--reveal', 'print the value itself (default: masked)')
    .description('Resolve a ref through the sources; the value is masked unless --reveal')
    .addHelpText(
      'after',
      examples('baton get OPENAI_KEY:v2', 'baton get OPENAI_KEY:v2 --reveal | pbcopy'),
    )
    .action(
      run(async (context, ref: string, options: { reveal?: boolean }) => {
        const baton = await context.baton();
        const value = await baton.getSecret(ref);
        const { maskSecret } = await import('@baton/scan');
        const shown = options.reveal ? value : maskSecret(value);
        if (context.json)
          context.out.json({ ref, value: shown, revealed: options.reveal === true });
        else context.out.line(shown);
        return 0;
      }),
    );
};

export default get;
