import { join } from 'node:path';
import { type CommandModule, examples } from '../command.js';
import { UsageError } from '../errors.js';
import { startProgress } from '../progress.js';

interface ScanOptions {
  staged?: boolean;
  history?: string | boolean;
  format?: string;
  ignore: boolean;
}

const scanCommand: CommandModule = (program, run) => {
  program
    .command('scan')
    .argument('[paths...]', 'files and folders to scan (default: .)')
    .option('--staged', 'scan what is staged for the next commit (the pre-commit hook)')
    .option('--history [range]', 'scan every commit of every ref, or of a range such as main..HEAD')
    .option('--format <format>', 'text, json or sarif (default: text; json with --json)')
    .option('--no-ignore', 'report findings listed in .batonignore too')
    .description('Find secrets in files, the staged changes or history (exit 1 on findings)')
    .addHelpText(
      'after',
      `${examples('baton scan', 'baton scan --staged', 'baton scan --history --format sarif > baton.sarif', 'baton scan src config --json')}\nA finding that is not a secret: add baton:allow to its line, or its fingerprint to .batonignore.\n`,
    )
    .action(
      run(async (context, paths: string[], options: ScanOptions) => {
        const { formatReport, IGNORE_FILE, readIgnoreFile, REPORT_FORMATS, scan } = await import(
          '@baton/scan'
        );
        const format = options.format ?? (context.json ? 'json' : 'text');
        if (!(REPORT_FORMATS as readonly string[]).includes(format)) {
          throw new UsageError(`--format ${format}: use ${REPORT_FORMATS.join(', ')}`);
        }
        if (options.staged && options.history !== undefined) {
          throw new UsageError('--staged and --history scan different things: pick one');
        }
        const inputs = options.staged
          ? [{ git: 'staged' as const }]
          : options.history !== undefined
            ? [
                {
                  git: 'history' as const,
                  ...(typeof options.history === 'string' ? { range: options.history } : {}),
                },
              ]
            : paths.length > 0
              ? paths
              : ['.'];
        const ignore = options.ignore ? await readIgnoreFile(join(context.cwd, IGNORE_FILE)) : [];
        const bar =
          options.history !== undefined ? await startProgress(context.out, 'commits') : undefined;
        try {
          const report = await scan(inputs, {
            cwd: context.cwd,
            ignore,
            ...(bar === undefined
              ? {}
              : { onProgress: ({ done, total }) => bar.update(done, total) }),
          });
          bar?.stop();
          context.out.write(formatReport(report, format as 'text', { color: context.out.color }));
          return report.findings.length > 0 ? 1 : 0;
        } finally {
          bar?.stop();
        }
      }),
    );
};

export default scanCommand;
