import { type CommandModule, examples } from '../command.js';

const verify: CommandModule = (program, run) => {
  program
    .command('verify')
    .argument('<logical>', 'the logical name')
    .argument('<ref>', 'the ref a caller presents')
    .description(
      'Exit 0 when the ref is accepted (prints the match), 1 when not (prints the reason)',
    )
    .addHelpText('after', examples('baton verify OPENAI_KEY OPENAI_KEY:v2 && echo accepted'))
    .action(
      run(async (context, logical: string, ref: string) => {
        const baton = await context.baton({ needsStore: true });
        const result = baton.checkRef(logical, ref);
        if (context.json) context.out.json(result);
        else context.out.line(result.accepted ? result.match : result.reason);
        return result.accepted ? 0 : 1;
      }),
    );
};

export default verify;
