import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { scan } from '@baton/scan';

/** What one scanner made of a tree: the files it flagged, relative to the tree's root. */
export interface ScannerRun {
  readonly tool: string;
  /** How it was configured, for the table. */
  readonly setup: string;
  /** Why it did not run (not installed), when it did not. */
  readonly skipped?: string;
  readonly flagged: ReadonlySet<string>;
  readonly durationMs: number;
}

/** A scanner that can be pointed at a tree. */
export interface Scanner {
  readonly tool: string;
  readonly setup: string;
  run(root: string): Promise<ScannerRun>;
}

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
  error?: NodeJS.ErrnoException;
}

function run(command: string, args: readonly string[], cwd: string): Promise<Exit> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.once('error', (error) => resolve({ code: null, stdout, stderr, error }));
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Parses a tool's JSON report; a failure names the tool and its exit, never the report (it quotes secrets). */
function parseReport<T>(tool: string, exit: Exit, text: string): T {
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(
      `${tool} printed no JSON report (exit ${exit.code}, ${text.length} characters)`,
    );
  }
}

async function timed(
  tool: string,
  setup: string,
  work: () => Promise<ReadonlySet<string>>,
): Promise<ScannerRun> {
  const started = performance.now();
  const flagged = await work();
  return { tool, setup, flagged, durationMs: performance.now() - started };
}

/**
 * `baton scan` as a command (`command` is how to start it, e.g. the built bin), or the
 * library call when no command is given.
 */
export function batonScanner(command?: readonly string[]): Scanner {
  const tool = command === undefined ? '@baton/scan (library)' : 'baton scan';
  const setup = 'built-in rules';
  return {
    tool,
    setup,
    run: (root) =>
      timed(tool, setup, async () => {
        if (command === undefined) {
          const report = await scan([root], { cwd: root });
          return new Set(report.findings.map((finding) => finding.file));
        }
        const [bin, ...rest] = command as [string, ...string[]];
        const exit = await run(bin, [...rest, 'scan', '.', '--format', 'json'], root);
        if (exit.code !== 0 && exit.code !== 1) {
          throw new Error(`baton scan failed (exit ${exit.code}): ${exit.stderr.slice(0, 500)}`);
        }
        const report = parseReport<{ findings: { file: string }[] }>(
          'baton scan',
          exit,
          exit.stdout,
        );
        return new Set(report.findings.map((finding) => finding.file));
      }),
  };
}

/**
 * Patterns a user adds to git-secrets after `--register-aws`, taken from each vendor's
 * documented key format, and the allowed patterns for the usual templates.
 */
export const GIT_SECRETS_PATTERNS = [
  'sk-ant-[A-Za-z0-9_-]{20,}',
  'sk-(proj-)?[A-Za-z0-9_-]{20,}',
  'gh[pousr]_[A-Za-z0-9]{36}',
  'github_pat_[A-Za-z0-9_]{82}',
  'xox[baprs]-[A-Za-z0-9-]{10,}',
  'hooks\\.slack\\.com/services/T[A-Z0-9]+/B[A-Z0-9]+/[A-Za-z0-9]+',
  '[rs]k_live_[A-Za-z0-9]{24,}',
  'AIza[0-9A-Za-z_-]{35}',
  // git-secrets greps whole words (-w) and would read a leading dash as an option.
  'BEGIN [A-Z ]*PRIVATE KEY',
  'eyJ[A-Za-z0-9_-]+\\.eyJ[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+',
  '[a-z+]+://[^:/@ ]+:[^@/ ]+@[A-Za-z0-9.-]+',
  '[A-Za-z_]*(password|PASSWORD|Password|passwd|secret|SECRET|Secret|token|TOKEN|Token|api_key|API_KEY|apiKey)[A-Za-z_]*["\']?[[:space:]]*[:=][[:space:]]*["\']?[^"\' ]{8,}',
  'Bearer [A-Za-z0-9._-]{20,}',
];
export const GIT_SECRETS_ALLOWED = [
  '\\$\\{[A-Za-z_{}. ]+\\}',
  'process\\.env',
  'xxxx',
  '<your',
  'EXAMPLE',
];

/** git-secrets (Debian's `git-secrets`): `--register-aws` plus the patterns above. */
export function gitSecretsScanner(): Scanner {
  const tool = 'git-secrets';
  const setup = `--register-aws + ${GIT_SECRETS_PATTERNS.length} user patterns`;
  return {
    tool,
    setup,
    async run(root) {
      const probe = await run('git', ['secrets', '--list'], root);
      if (probe.error !== undefined || /not a git command/.test(probe.stderr)) {
        return {
          tool,
          setup,
          skipped: 'not installed (apt-get install git-secrets)',
          flagged: new Set(),
          durationMs: 0,
        };
      }
      await run('git', ['init', '-q', '.'], root);
      await run('git', ['secrets', '--register-aws'], root);
      for (const pattern of GIT_SECRETS_PATTERNS)
        await run('git', ['secrets', '--add', pattern], root);
      for (const pattern of GIT_SECRETS_ALLOWED) {
        await run('git', ['secrets', '--add', '--allowed', pattern], root);
      }
      return timed(tool, setup, async () => {
        const exit = await run('git', ['secrets', '--scan', '-r', '.'], root);
        const flagged = new Set<string>();
        for (const line of `${exit.stdout}\n${exit.stderr}`.split('\n')) {
          const match = /^\.\/(.+?):\d+:/.exec(line);
          if (match?.[1] !== undefined) flagged.add(match[1]);
        }
        return flagged;
      });
    },
  };
}

/** secretlint with `@secretlint/secretlint-rule-preset-recommend`, its documented setup. */
export function secretlintScanner(): Scanner {
  const tool = 'secretlint';
  const setup = 'preset-recommend';
  return {
    tool,
    setup,
    async run(root) {
      const require = createRequire(import.meta.url);
      const bin = join(require.resolve('secretlint/package.json'), '..', 'bin', 'secretlint.js');
      const config = join(root, '..', `${root.split('/').pop()}.secretlintrc.json`);
      const output = join(root, '..', `${root.split('/').pop()}.secretlint.json`);
      await writeFile(
        config,
        JSON.stringify({ rules: [{ id: '@secretlint/secretlint-rule-preset-recommend' }] }),
      );
      return timed(tool, setup, async () => {
        // --output: a large report on a pipe is cut short when secretlint exits.
        const exit = await run(
          process.execPath,
          [bin, '**/*', '--secretlintrc', config, '--format', 'json', '--output', output],
          root,
        );
        const results = parseReport<{ filePath: string; messages: unknown[] }[]>(
          'secretlint',
          exit,
          await readFile(output, 'utf8').catch(() => ''),
        );
        return new Set(
          results
            .filter((result) => result.messages.length > 0)
            .map((result) => relative(root, result.filePath)),
        );
      });
    },
  };
}
