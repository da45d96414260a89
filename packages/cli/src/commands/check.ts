import { ConfigError } from '@baton/core';
import type { SecretFormat } from '@baton/core/settings';
import { type CommandModule, examples } from '../command.js';
import { requiredRefs } from '../required-refs.js';

/** Formats a name gives away (`ANTHROPIC_API_KEY` is an Anthropic key). */
const FORMAT_BY_NAME: readonly [RegExp, SecretFormat][] = [
  [/ANTHROPIC/i, 'anthropic'],
  [/OPENAI/i, 'openai'],
  [/STRIPE_(SECRET|API)_KEY/i, 'stripe'],
  [/^(GITHUB|GH)_(TOKEN|PAT)/i, 'github'],
  [/SLACK_.*TOKEN/i, 'slack'],
  [/SENDGRID/i, 'sendgrid'],
  [/AWS_ACCESS_KEY_ID/i, 'aws-access-key-id'],
];

const check: CommandModule = (program, run) => {
  program
    .command('check')
    .argument('[names...]', "refs to check (default: the config's required, or .env.example)")
    .description('Required secrets are present and well-formed (names only, never values)')
    .addHelpText('after', examples('baton check', 'baton check OPENAI_API_KEY WEBHOOK_SECRET:v2'))
    .action(
      run(async (context, names: string[]) => {
        const refs = await requiredRefs(context, names);
        // zod comes with the settings module: loaded only by this command.
        const { checkRequiredSecrets, loadSettings, secret } = await import('@baton/core/settings');
        const baton = await context.baton();
        const issues: string[] = [];
        try {
          await checkRequiredSecrets(refs, { baton });
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
          issues.push(...error.issues);
        }
        const shaped = Object.fromEntries(
          refs.flatMap((ref) => {
            const format = FORMAT_BY_NAME.find(([pattern]) => pattern.test(ref))?.[1];
            const missing = issues.some((issue) => issue.startsWith(`${ref} `));
            return format === undefined || missing ? [] : [[ref, secret({ format })]];
          }),
        );
        if (Object.keys(shaped).length > 0) {
          try {
            await loadSettings(shaped, { baton });
          } catch (error) {
            if (!(error instanceof ConfigError)) throw error;
            issues.push(...error.issues);
          }
        }
        if (context.json) {
          context.out.json({ ok: issues.length === 0, checked: refs, issues });
        } else if (issues.length === 0) {
          context.out.line(
            context.out.paint(
              'green',
              `All ${refs.length} required secrets are present and well-formed.`,
            ),
          );
        } else {
          context.out.line(
            context.out.paint(
              'red',
              `${issues.length} of ${refs.length} required secrets need attention:`,
            ),
          );
          for (const issue of issues) context.out.line(`  - ${issue}`);
        }
        return issues.length === 0 ? 0 : 1;
      }),
    );
};

export default check;
