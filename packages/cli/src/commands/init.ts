import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { promisify } from 'node:util';
import { type CommandModule, examples } from '../command.js';
import type { CliContext } from '../context.js';
import { ENV_EXAMPLE, readEnvFile, writeEnvExample } from '../env-file.js';
import { CheckFailedError } from '../errors.js';

/** The seed's rules: every local or production .env ignored, the template kept. */
export const GITIGNORE_RULES = [
  '.env',
  '.env.local',
  '.env.*.local',
  '.env.production',
  '!.env.example',
];

/** Marks a hook as baton's, so a rerun recognises it. */
const HOOK_MARK = '# baton: scan staged changes for secrets';
/** Where a user's own hook goes when baton's is chained after it. */
const CHAINED_HOOK = 'pre-commit.local';

const HOOK = `#!/bin/sh
${HOOK_MARK} (installed by baton init)
hooks=$(dirname "$0")
if [ -x "$hooks/${CHAINED_HOOK}" ]; then
  "$hooks/${CHAINED_HOOK}" "$@" || exit $?
fi
if command -v baton >/dev/null 2>&1; then
  exec baton scan --staged
fi
exec npx --no-install baton scan --staged
`;

type Step = {
  step: string;
  path: string;
  result: 'created' | 'updated' | 'unchanged' | 'skipped';
  note?: string;
};

const init: CommandModule = (program, run) => {
  program
    .command('init')
    .option('--yes', 'chain an existing pre-commit hook without asking')
    .description(
      'Write .env.example from .env, add the .gitignore rules, install the pre-commit scan',
    )
    .addHelpText(
      'after',
      `${examples('baton init', 'baton init --yes')}\nSafe to rerun: nothing is written twice. An existing pre-commit hook is kept and run first\n(moved to ${CHAINED_HOOK}) once you agree; core.hooksPath is respected.\n`,
    )
    .action(
      run(async (context, options: { yes?: boolean }) => {
        const steps: Step[] = [];
        const root = await git(context.cwd, 'rev-parse', '--show-toplevel').catch(() => undefined);
        const values = await readEnvFile(join(context.cwd, '.env'));
        if (values === undefined) {
          steps.push({
            step: 'env-example',
            path: ENV_EXAMPLE,
            result: 'skipped',
            note: 'no .env here',
          });
        } else {
          const changed = await writeEnvExample(
            join(context.cwd, ENV_EXAMPLE),
            Object.keys(values),
          );
          steps.push({
            step: 'env-example',
            path: ENV_EXAMPLE,
            result: changed ? 'updated' : 'unchanged',
          });
        }
        steps.push(await addGitignoreRules(join(root ?? context.cwd, '.gitignore')));
        if (root === undefined) {
          steps.push({
            step: 'pre-commit',
            path: '-',
            result: 'skipped',
            note: 'not a git repository',
          });
        } else {
          steps.push(await installHook(context, root, options.yes === true));
        }
        if (context.json) context.out.json({ steps });
        else {
          context.out.table(
            ['STEP', 'PATH', 'RESULT'],
            steps.map((step) => [
              step.step,
              step.path,
              step.note === undefined ? step.result : `${step.result} (${step.note})`,
            ]),
          );
        }
        if (
          steps.some(
            (step) =>
              step.step === 'pre-commit' &&
              step.result === 'skipped' &&
              step.note?.includes('--yes'),
          )
        ) {
          throw new CheckFailedError(
            `A pre-commit hook exists: rerun with --yes to run baton scan --staged after it`,
          );
        }
        return 0;
      }),
    );
};

async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)('git', args, { cwd });
  return stdout.trim();
}

async function addGitignoreRules(path: string): Promise<Step> {
  const existing = await readFile(path, 'utf8').catch(() => undefined);
  const lines = new Set((existing ?? '').split(/\r?\n/).map((line) => line.trim()));
  const missing = GITIGNORE_RULES.filter((rule) => !lines.has(rule));
  if (missing.length === 0) return { step: 'gitignore', path: '.gitignore', result: 'unchanged' };
  const head =
    existing === undefined || existing === ''
      ? ''
      : existing.endsWith('\n')
        ? `${existing}\n`
        : `${existing}\n\n`;
  await writeFile(path, `${head}# Secrets stay out of git (baton init)\n${missing.join('\n')}\n`);
  return {
    step: 'gitignore',
    path: '.gitignore',
    result: existing === undefined ? 'created' : 'updated',
  };
}

async function installHook(context: CliContext, root: string, yes: boolean): Promise<Step> {
  // --git-path honours core.hooksPath, and worktrees' common hooks folder.
  const hooks = resolve(root, await git(root, 'rev-parse', '--git-path', 'hooks'));
  const path = join(hooks, 'pre-commit');
  const shown = path.startsWith(`${root}/`) ? path.slice(root.length + 1) : path;
  const existing = await readFile(path, 'utf8').catch(() => undefined);
  if (existing === HOOK) return { step: 'pre-commit', path: shown, result: 'unchanged' };
  if (existing !== undefined && !existing.includes(HOOK_MARK)) {
    if (
      !yes &&
      !(await ask(
        context,
        `${shown} exists. Keep it, and run baton scan --staged after it? [y/N] `,
      ))
    ) {
      return {
        step: 'pre-commit',
        path: shown,
        result: 'skipped',
        note: 'a hook exists; rerun with --yes to chain it',
      };
    }
    await rename(path, join(hooks, CHAINED_HOOK));
  }
  await mkdir(hooks, { recursive: true });
  await writeFile(path, HOOK);
  await chmod(path, 0o755);
  return {
    step: 'pre-commit',
    path: shown,
    result: existing === undefined ? 'created' : 'updated',
    ...(existing !== undefined && !existing.includes(HOOK_MARK)
      ? { note: `yours runs first, as ${CHAINED_HOOK}` }
      : {}),
  };
}

async function ask(context: CliContext, question: string): Promise<boolean> {
  if (!context.out.interactive || !process.stdin.isTTY) return false;
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await prompt.question(question)).trim());
  } finally {
    prompt.close();
  }
}

export default init;
